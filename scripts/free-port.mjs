// Prints a free TCP port for the shell scripts; see test/utils/free-port.ts for why below 32768.
import { createServer } from 'node:net';

function canListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

(async () => {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    if (await canListen(port)) return process.stdout.write(`${port}\n`);
  }
  process.stderr.write('no free port between 20000 and 32767\n');
  process.exit(1);
})();
