import { createServer, Server } from 'node:net';
import { Client } from 'pg';
import { isDatabaseUnavailable } from './pg-errors';

/** A TCP server that accepts connections and drops them: a database that dies under the client. */
async function droppingServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('isDatabaseUnavailable', () => {
  let dropping: { server: Server; port: number };

  beforeAll(async () => (dropping = await droppingServer()));
  afterAll(() => new Promise((resolve) => dropping.server.close(resolve)));

  it('recognises a query on a connection that failed under it (the flaky CI run)', () => {
    // pg's wording when a pooled connection broke between two statements of a transaction.
    const error = new Error('Client has encountered a connection error and is not queryable');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('recognises a query on a connection that was closed', async () => {
    const client = new Client({ host: '127.0.0.1', port: dropping.port });
    client.on('error', () => undefined);
    await errorOf(() => client.connect());
    await client.end().catch(() => undefined);
    expect(isDatabaseUnavailable(await errorOf(() => client.query('SELECT 1')))).toBe(true);
  });

  it('does not take the client’s own mistakes for an outage', () => {
    expect(isDatabaseUnavailable({ code: '23505', message: 'duplicate key' })).toBe(false);
    expect(isDatabaseUnavailable(new Error('syntax error at or near "SELEC"'))).toBe(false);
  });
});
