import { Pool } from 'pg';
import { TestContext } from '../utils/context';
import { ServerProcess, probe } from '../utils/server-process';
import { barrier, ClientSocket, connectSocket } from '../utils/sockets';
import { createTestDatabase } from '../utils/test-app';

/**
 * SIGTERM to a real server process with sockets sending and HTTP requests in flight: it must exit 0,
 * every acknowledged message must be stored exactly once, and no HTTP request may be cut off midway
 * (a request either gets a whole answer or finds the port closed).
 */
describe('graceful shutdown', () => {
  let server: ServerProcess;
  let db: Pool;
  let baseUrl: string;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    db = new Pool({ connectionString: databaseUrl, max: 2 });
    server = await ServerProcess.start({ databaseUrl, env: { SHUTDOWN_TIMEOUT_MS: '10000' } });
    baseUrl = server.baseUrl;
  }, 60_000);
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server.stop('SIGKILL');
    await db.end();
  });

  it('drains sends and requests, stores every acked message once, and exits 0', async () => {
    const context = new TestContext(server);
    const alice = await context.newUser('drain_alice');
    const bob = await context.newUser('drain_bob');
    await context.befriend(alice, bob);
    const chat = await context.directChat(alice, bob);
    const aliceSocket = await connectSocket(baseUrl, { token: alice.accessToken });
    const bobSocket = await connectSocket(baseUrl, { token: bob.accessToken });
    sockets.push(aliceSocket, bobSocket);
    await barrier(bobSocket);

    const acked = new Set<number>();
    const refusals = new Set<string>();
    const httpOutcomes: string[] = [];
    let stopping = false;
    let counter = 0;
    const sender = async () => {
      while (!stopping && aliceSocket.connected) {
        counter += 1;
        const ack = await aliceSocket
          .timeout(5000)
          .emitWithAck('message:send', {
            chatId: chat.id,
            body: `m${counter}`,
            clientMessageId: `drain-${counter}`,
          })
          .catch(() => null);
        if (ack?.ok) acked.add(ack.message.id);
        else if (ack) refusals.add(ack.error.code);
      }
    };
    // Like a client (or a load balancer watching readiness), stop sending once told to go elsewhere.
    // Once the port closes, a connection accepted just before it may be reset before its request is
    // read: unanswered, like a refused one, and never a reset in the middle of an answer.
    const gone = ['503', 'ECONNREFUSED', 'ECONNRESET'];
    let signalled = false;
    const requester = async () => {
      let outcome = '';
      while (!stopping && !gone.includes(outcome)) {
        outcome = await probe(`${baseUrl}/api/v1/users/me`, alice.accessToken);
        httpOutcomes.push(
          outcome === 'ECONNRESET' && !signalled ? 'ECONNRESET before SIGTERM' : outcome,
        );
      }
    };
    const load = [...Array.from({ length: 8 }, sender), ...Array.from({ length: 4 }, requester)];

    await new Promise((resolve) => setTimeout(resolve, 300));
    signalled = true;
    const code = await server.stop('SIGTERM');
    stopping = true;
    await Promise.all(load);

    expect(code).toBe(0);
    expect(acked.size).toBeGreaterThan(0);
    const { rows } = await db.query(
      'SELECT id, client_message_id FROM messages WHERE chat_id = $1',
      [chat.id],
    );
    const stored = new Set(rows.map((row) => Number(row.id)));
    for (const id of acked) expect(stored.has(id)).toBe(true);
    expect(new Set(rows.map((row) => row.client_message_id)).size).toBe(rows.length);
    expect([...refusals].filter((refusal) => refusal !== 'SHUTTING_DOWN')).toEqual([]);
    expect(httpOutcomes.filter((outcome) => outcome !== '200' && !gone.includes(outcome))).toEqual(
      [],
    );
  }, 60_000);
});
