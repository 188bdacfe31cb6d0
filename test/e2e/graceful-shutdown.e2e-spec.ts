import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PASSWORD } from '../utils/context';
import { freePort } from '../utils/free-port';
import { ClientSocket, connectSocket, nextEvent } from '../utils/sockets';
import { createTestDatabase } from '../utils/test-app';

/**
 * SIGTERM to a real server process with sockets sending and HTTP requests in flight: it must exit 0,
 * every acknowledged message must be stored exactly once, and no HTTP request may be cut off midway
 * (a request either gets a whole answer or finds the port closed).
 */
describe('graceful shutdown', () => {
  let server: ChildProcess;
  let db: Pool;
  let baseUrl: string;
  let output = '';
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    db = new Pool({ connectionString: databaseUrl, max: 2 });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '../../src/main.ts')],
      {
        env: {
          ...process.env,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          METRICS_PORT: '0',
          DATABASE_URL: databaseUrl,
          DATABASE_MIGRATIONS_RUN: 'false',
          JWT_ACCESS_SECRET: randomBytes(48).toString('base64url'),
          LOG_LEVEL: 'warn',
          RATE_LIMIT_REGISTER_PER_IP: 'off',
          RATE_LIMIT_SOCKET_EVENTS: 'off',
          SHUTDOWN_TIMEOUT_MS: '10000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitUntilReady(baseUrl).catch((error: Error) => {
      throw new Error(`${error.message}:\n${output}`);
    });
  }, 60_000);
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    server.kill('SIGKILL');
    await db.end();
  });

  it('drains sends and requests, stores every acked message once, and exits 0', async () => {
    const [alice, bob] = await Promise.all([
      register(baseUrl, 'drain_alice'),
      register(baseUrl, 'drain_bob'),
    ]);
    const sent = await api(baseUrl, 'POST', '/api/v1/friend-requests', alice.token, {
      toUserId: bob.id,
    });
    await api(baseUrl, 'POST', `/api/v1/friend-requests/${sent.id}/accept`, bob.token);
    const chat = await api(baseUrl, 'POST', '/api/v1/chats/direct', alice.token, {
      userId: bob.id,
    });
    const aliceSocket = await connectSocket(baseUrl, { token: alice.token });
    const bobSocket = await connectSocket(baseUrl, { token: bob.token });
    sockets.push(aliceSocket, bobSocket);
    await nextEvent(bobSocket, 'presence').catch(() => undefined);

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
    const requester = async () => {
      let outcome = '';
      while (!stopping && outcome !== '503' && outcome !== 'ECONNREFUSED') {
        outcome = await probe(`${baseUrl}/api/v1/users/me`, alice.token);
        httpOutcomes.push(outcome);
      }
    };
    const load = [...Array.from({ length: 8 }, sender), ...Array.from({ length: 4 }, requester)];

    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise<number | null>((resolve) =>
      server.once('exit', (code) => resolve(code)),
    );
    server.kill('SIGTERM');
    const code = await exited;
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
    expect(
      httpOutcomes.filter((outcome) => !['200', '503', 'ECONNREFUSED'].includes(outcome)),
    ).toEqual([]);
  }, 60_000);
});

async function waitUntilReady(baseUrl: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if ((await probe(`${baseUrl}/health/ready`)) === '200') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not become ready');
}

/** One request on a connection of its own; the status, or the network error's code. */
function probe(url: string, token?: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'response error'));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'request error'));
    req.end();
  });
}

async function api(baseUrl: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(baseUrl + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function register(baseUrl: string, username: string): Promise<{ id: number; token: string }> {
  const { user, accessToken } = await api(baseUrl, 'POST', '/api/v1/auth/register', undefined, {
    username,
    password: PASSWORD,
  });
  return { id: user.id, token: accessToken };
}
