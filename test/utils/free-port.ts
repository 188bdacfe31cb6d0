import { createServer } from 'node:net';

/**
 * Below Linux's ephemeral range (32768-60999), where the OS picks the local ports of outgoing
 * connections: a port taken from that range can be claimed by one of them (the app's own database
 * connections, say) between this check and the listen, which then fails with EADDRINUSE.
 */
const LOWEST = 20000;
const HIGHEST = 32767;

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
