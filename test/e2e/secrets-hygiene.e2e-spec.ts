import { Pool } from 'pg';
import { io } from 'socket.io-client';
import { PASSWORD, Session, TestContext } from '../utils/context';
import { HttpResponse } from '../utils/http-client';
import { ServerProcess } from '../utils/server-process';
import { connectSocket, nextEvent, send } from '../utils/sockets';
import { createTestDatabase } from '../utils/test-app';

/**
 * A real server process logging at trace level is driven through every kind of request, good and
 * bad; then every log line and every response is searched for passwords, password hashes, tokens
 * and the signing secret. Tokens may appear only in the response that issued them.
 */
const ADMIN_API_TOKEN = 'admin-token-for-hygiene-0123456789abcdefghijklmnopqrstuvwxyz';

describe('secrets hygiene', () => {
  let server: ServerProcess;
  let db: Pool;
  const responses: { label: string; response: HttpResponse; issued: string[] }[] = [];
  const secrets = new Set<string>();

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    db = new Pool({ connectionString: databaseUrl, max: 2 });
    server = await ServerProcess.start({
      databaseUrl,
      env: { LOG_LEVEL: 'trace', ADMIN_API_TOKEN },
    });
    secrets.add(server.jwtSecret);
    secrets.add(ADMIN_API_TOKEN);
    secrets.add(databaseUrl);
    await exercise();
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.end();
  });

  /** Records a response; `issued` are the tokens this response hands out (and may contain). */
  function keep(label: string, response: HttpResponse, issued: string[] = []): HttpResponse {
    responses.push({ label, response, issued });
    return response;
  }

  function remember(session: Session): Session {
    secrets.add(session.accessToken);
    secrets.add(session.refreshToken);
    return session;
  }

  async function exercise(): Promise<void> {
    const http = server.http;
    const ctx = new TestContext(server);
    const shivam = remember(await ctx.newUser('hygiene_shivam'));
    const shahn = remember(await ctx.newUser('hygiene_shahn'));
    secrets.add(PASSWORD);
    const wrongPassword = 'not-the-password-but-still-secret';
    secrets.add(wrongPassword);

    const asAdmin = { token: ADMIN_API_TOKEN };
    const provisioned = await http.put('/api/v1/admin/users/by-external-id/hygiene-app-user', {
      ...asAdmin,
      body: { username: 'hygiene_app_user' },
    });
    keep('provision a user', provisioned);
    const minted = await http.post(`/api/v1/admin/users/${provisioned.body.id}/sessions`, asAdmin);
    remember({ ...shivam, ...minted.body });
    keep('mint a session', minted, [minted.body.accessToken, minted.body.refreshToken]);
    keep(
      'admin call with a wrong token',
      await http.get('/api/v1/admin/webhooks', { token: `${ADMIN_API_TOKEN}-wrong` }),
    );
    secrets.add(`${ADMIN_API_TOKEN}-wrong`);
    keep(
      'wrong password',
      await http.post('/api/v1/auth/login', {
        body: { username: shivam.username, password: wrongPassword },
      }),
    );
    const login = await http.post('/api/v1/auth/login', {
      body: { username: shivam.username, password: PASSWORD },
    });
    const loggedIn = { ...shivam, ...login.body };
    remember(loggedIn);
    keep('login', login, [login.body.accessToken, login.body.refreshToken]);
    const refreshed = await http.post('/api/v1/auth/refresh', {
      body: { refreshToken: loggedIn.refreshToken },
    });
    remember({ ...shivam, ...refreshed.body });
    keep('refresh', refreshed, [refreshed.body.accessToken, refreshed.body.refreshToken]);
    keep(
      'reused refresh token',
      await http.post('/api/v1/auth/refresh', { body: { refreshToken: loggedIn.refreshToken } }),
    );
    keep(
      'register taken',
      await http.post('/api/v1/auth/register', {
        body: { username: shivam.username, password: PASSWORD },
      }),
    );
    keep(
      'register weak password',
      await http.post('/api/v1/auth/register', {
        body: { username: 'hygiene_weak', password: wrongPassword.slice(0, 3) },
      }),
    );

    const token = shivam.accessToken;
    keep('me', await http.get('/api/v1/users/me', { token }));
    keep('search', await http.get('/api/v1/users?query=hygiene', { token }));
    keep('profile', await http.get(`/api/v1/users/${shahn.id}`, { token }));
    keep('bad token', await http.get('/api/v1/users/me', { token: `${token}x` }));
    keep('no token', await http.get('/api/v1/users/me'));
    keep('not found', await http.get('/api/v1/nothing-here', { token }));

    const request = keep(
      'friend request',
      await http.post('/api/v1/friend-requests', {
        token,
        body: { toUserId: shahn.id, message: 'hi' },
      }),
    );
    keep(
      'accept',
      await http.post(`/api/v1/friend-requests/${request.body.id}/accept`, {
        token: shahn.accessToken,
      }),
    );
    keep('friends', await http.get('/api/v1/friends', { token }));
    const chat = keep(
      'direct chat',
      await http.post('/api/v1/chats/direct', { token, body: { userId: shahn.id } }),
    ).body;
    keep(
      'send',
      await http.post(`/api/v1/chats/${chat.id}/messages`, { token, body: { body: 'helloo' } }),
    );
    keep('history', await http.get(`/api/v1/chats/${chat.id}/messages`, { token }));
    keep('chats', await http.get('/api/v1/chats', { token }));
    keep(
      'malformed json',
      await http.post('/api/v1/chats/direct', { token, rawBody: '{"userId":' }),
    );

    const socket = await connectSocket(server.baseUrl, { token: shahn.accessToken });
    const arrival = nextEvent(socket, 'message:new');
    await send(socket, 'message:send', { chatId: chat.id, body: 'live', clientMessageId: 'h-1' });
    await arrival;
    await send(socket, 'message:send', { chatId: chat.id, body: '' });
    socket.close();
    await connectSocket(server.baseUrl, { token: `${shahn.accessToken}x` }).catch(() => undefined);
    await credentialsInUrls(shivam, shahn);

    keep(
      'logout',
      await http.post('/api/v1/auth/logout', {
        token: shahn.accessToken,
        body: { refreshToken: shahn.refreshToken },
      }),
    );

    // Provisioned users have no password, hence no hash.
    const { rows } = await db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE password_hash IS NOT NULL',
    );
    for (const row of rows) secrets.add(row.password_hash);
    const tokens = await db.query<{ token_hash: Buffer }>('SELECT token_hash FROM refresh_tokens');
    for (const row of tokens.rows) {
      secrets.add(row.token_hash.toString('hex'));
      secrets.add(row.token_hash.toString('base64'));
    }
    // Let the last log lines reach the pipe.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  /** Clients that put credentials in the query string, where a request log would keep them. */
  async function credentialsInUrls(shivam: Session, shahn: Session): Promise<void> {
    const http = server.http;
    const token = shivam.accessToken;
    keep('token in the query', await http.get(`/api/v1/users/me?access_token=${token}`, { token }));
    secrets.add(encodeURIComponent(PASSWORD));
    const query = `token=${token}&refresh_token=${shivam.refreshToken}&password=${encodeURIComponent(PASSWORD)}&limit=5`;
    // Not kept: a 404 names the URL it was asked for, to the client that sent it.
    await http.get(`/api/v1/nothing-here?${query}`);
    await http.get(`/api/v1/users?q=hygiene&${query}`, { token });
    for (const transport of ['polling', 'websocket'] as const) {
      const socket = io(server.baseUrl, {
        transports: [transport],
        query: { token: shahn.accessToken },
        auth: { token: shahn.accessToken },
        reconnection: false,
        forceNew: true,
      });
      await nextEvent(socket, 'connect');
      socket.close();
    }
  }

  it('logged something at every level it was asked to, so the scan below means something', () => {
    const lines = server.logs.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(responses.length);
    expect(server.logs).toContain('"url":"/api/v1/auth/login"');
    console.log(
      `secrets hygiene: ${lines.length} log lines and ${responses.length} responses scanned for ${secrets.size} secrets`,
    );
  });

  it('never writes a password, hash, token or secret to the log', () => {
    const leaks = [...secrets].filter((secret) => server.logs.includes(secret));
    expect(leaks.map(describeSecret)).toEqual([]);
    expect(server.logs).not.toMatch(/\$argon2/);
    expect(server.logs).not.toMatch(/Bearer [A-Za-z0-9_-]{8,}/);
    expect(server.logs).toContain('"url":"/api/v1/users/me?access_token=[redacted]"');
  });

  it('never answers with a password, hash or secret, and with a token only where it is issued', () => {
    const leaks = responses.flatMap(({ label, response, issued }) => {
      const visible = `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${response.text}`;
      return [...secrets]
        .filter((secret) => !issued.includes(secret) && visible.includes(secret))
        .map((secret) => `${label}: ${describeSecret(secret)}`);
    });
    expect(leaks).toEqual([]);
    for (const { response } of responses)
      expect(response.text).not.toMatch(/argon2|password_?hash/i);
  });

  it('sends the security headers on every response, errors included', () => {
    for (const { label, response } of responses) {
      const headers = response.headers;
      expect({ label, nosniff: headers.get('x-content-type-options') }).toEqual({
        label,
        nosniff: 'nosniff',
      });
      expect({ label, hsts: Boolean(headers.get('strict-transport-security')) }).toEqual({
        label,
        hsts: true,
      });
      expect({ label, csp: headers.get('content-security-policy') ?? '' }).toEqual({
        label,
        csp: expect.stringContaining("frame-ancestors 'self'"),
      });
      expect({ label, poweredBy: headers.get('x-powered-by') }).toEqual({
        label,
        poweredBy: null,
      });
    }
  });
});

/** Enough of a secret to find it, never the whole thing. */
function describeSecret(secret: string): string {
  return `${secret.slice(0, 6)}… (${secret.length} characters)`;
}
