import { randomBytes } from 'node:crypto';
import { PASSWORD, Session, TestContext } from '../utils/context';
import { eventually } from '../utils/eventually';
import { expectError } from '../utils/expect-error';
import { ClientSocket, connectSocket, nextDisconnect } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

const ADMIN_TOKEN = randomBytes(48).toString('base64url');
const admin = { token: ADMIN_TOKEN };

/**
 * Issue 20: an app runs the chat for its own accounts. Provisioning by the app's ids, sessions
 * without passwords, friendships by the app's rules, suspension; two replicas on one database and
 * one backplane, as in production.
 */
describe("an app's own accounts", () => {
  let one: TestApp;
  let two: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const shared = {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      SOCKET_ADAPTER: 'postgres',
      SOCKET_ADAPTER_CHANNEL: `accounts-${randomBytes(4).toString('hex')}`,
    };
    one = await startTestApp(shared);
    two = await startTestApp(shared, { databaseUrl: one.databaseUrl });
    ctx = new TestContext(one);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  const externalId = () => `app-${randomBytes(6).toString('hex')}`;
  const username = () => `app_${randomBytes(5).toString('hex')}`;

  async function provision(id = externalId(), name = username(), displayName?: string) {
    const res = await one.http.put(`/api/v1/admin/users/by-external-id/${encodeURIComponent(id)}`, {
      ...admin,
      body: { username: name, ...(displayName ? { displayName } : {}) },
    });
    return res;
  }

  async function session(userId: number): Promise<Session> {
    const res = await one.http.post(`/api/v1/admin/users/${userId}/sessions`, admin);
    expect(res.status).toBe(201);
    const { user, accessToken, refreshToken } = res.body;
    return { id: user.id, username: user.username, accessToken, refreshToken };
  }

  it('creates a user by the app’s id, then updates the same user', async () => {
    const id = externalId();
    const name = username();
    const created = await provision(id, name, 'First Name');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      externalId: id,
      username: name,
      displayName: 'First Name',
    });

    const renamed = username();
    const updated = await provision(id, renamed);
    expect(updated.status).toBe(200);
    // Left out, the display name stays what it was.
    expect(updated.body).toMatchObject({
      id: created.body.id,
      externalId: id,
      username: renamed,
      displayName: 'First Name',
    });
    const rows = await one.db.query(
      'SELECT username, password_hash FROM users WHERE external_id = $1',
      [id],
    );
    expect(rows.rows).toEqual([{ username: renamed, password_hash: null }]);

    // No password: logging in as them never works, whatever is tried.
    const login = await one.http.post('/api/v1/auth/login', {
      body: { username: renamed, password: PASSWORD },
    });
    expectError(login, 401, 'INVALID_CREDENTIALS');
  });

  it('makes one user of concurrent provisioning calls, and keeps usernames unique', async () => {
    const id = externalId();
    const name = username();
    const answers = await Promise.all(Array.from({ length: 8 }, () => provision(id, name)));
    expect(answers.map((res) => res.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(answers.map((res) => res.body.id)).size).toBe(1);

    const taken = await provision(externalId(), name);
    expectError(taken, 409, 'USERNAME_TAKEN');
    expectError(await provision(externalId(), name.toUpperCase()), 409, 'USERNAME_TAKEN');
  });

  it('refuses bad external ids and bodies', async () => {
    expectError(await provision('has space'), 400, 'VALIDATION_FAILED');
    expectError(await provision('x'.repeat(256)), 400, 'VALIDATION_FAILED');
    expectError(await provision(externalId(), 'no spaces allowed'), 400, 'VALIDATION_FAILED');
    const noBody = await one.http.put(`/api/v1/admin/users/by-external-id/${externalId()}`, admin);
    expectError(noBody, 400);
  });

  it('hands out sessions that work like a login’s, on REST, sockets and refresh', async () => {
    const user = (await provision()).body;
    const minted = await session(user.id);
    const me = await two.http.get('/api/v1/users/me', { token: minted.accessToken });
    expect(me.body).toMatchObject({ id: user.id, username: user.username });
    sockets.push(await connectSocket(two.baseUrl, { token: minted.accessToken }));
    const refreshed = await one.http.post('/api/v1/auth/refresh', {
      body: { refreshToken: minted.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const logout = await one.http.post('/api/v1/auth/logout', {
      token: refreshed.body.accessToken,
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(logout.status).toBe(204);
    const reused = await one.http.post('/api/v1/auth/refresh', {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(reused.status).toBe(401);
    expectError(
      await one.http.post('/api/v1/admin/users/2147483647/sessions', admin),
      404,
      'USER_NOT_FOUND',
    );
  });

  it('makes two users friends by the app’s rules, once, and respects blocks', async () => {
    const [a, b, c] = await Promise.all([provision(), provision(), provision()]).then((all) =>
      all.map((res) => res.body),
    );
    const befriend = (userIds: number[]) =>
      one.http.put('/api/v1/admin/friendships', { ...admin, body: { userIds } });
    const first = await befriend([b.id, a.id]);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      userIds: [Math.min(a.id, b.id), Math.max(a.id, b.id)],
      created: true,
    });
    const again = await befriend([a.id, b.id]);
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);

    // They can talk at once: a direct chat needs a friendship.
    const alice = await session(a.id);
    const chat = await one.http.post('/api/v1/chats/direct', {
      token: alice.accessToken,
      body: { userId: b.id },
    });
    expect(chat.status).toBe(201);

    const carol = await session(c.id);
    const blocked = await one.http.post('/api/v1/blocks', {
      token: carol.accessToken,
      body: { userId: a.id },
    });
    expect(blocked.status).toBe(201);
    expectError(await befriend([a.id, c.id]), 409, 'USERS_BLOCKED');
    expectError(await befriend([a.id, a.id]), 400, 'FRIENDSHIP_WITH_SELF');
    expectError(await befriend([a.id]), 400, 'VALIDATION_FAILED');
    expectError(await befriend([a.id, 2147483647]), 404, 'USER_NOT_FOUND');
  });

  it('suspends a user everywhere at once, and lifting it restores access', async () => {
    const user = (await provision()).body;
    const minted = await session(user.id);
    const [here, there] = await Promise.all([
      connectSocket(one.baseUrl, { token: minted.accessToken }),
      connectSocket(two.baseUrl, { token: minted.accessToken }),
    ]);
    sockets.push(here, there);
    const closed = Promise.all([nextDisconnect(here), nextDisconnect(there)]);

    const suspended = await one.http.post(`/api/v1/admin/users/${user.id}/suspension`, {
      ...admin,
      body: { reason: 'spam' },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toEqual({ userId: user.id, until: null, reason: 'spam' });
    await closed;

    expectError(
      await two.http.get('/api/v1/users/me', { token: minted.accessToken }),
      403,
      'ACCOUNT_SUSPENDED',
    );
    expectError(
      await one.http.post('/api/v1/auth/refresh', { body: { refreshToken: minted.refreshToken } }),
      403,
      'ACCOUNT_SUSPENDED',
    );
    await expect(connectSocket(two.baseUrl, { token: minted.accessToken })).rejects.toMatchObject({
      data: { code: 'ACCOUNT_SUSPENDED' },
    });
    expectError(
      await one.http.post(`/api/v1/admin/users/${user.id}/sessions`, admin),
      403,
      'ACCOUNT_SUSPENDED',
    );

    expect((await one.http.delete(`/api/v1/admin/users/${user.id}/suspension`, admin)).status).toBe(
      204,
    );
    const back = await session(user.id);
    expect((await two.http.get('/api/v1/users/me', { token: back.accessToken })).status).toBe(200);
    sockets.push(await connectSocket(two.baseUrl, { token: back.accessToken }));
  });

  it('leaves no live session behind when sessions are minted while the user is suspended', async () => {
    const user = (await provision()).body;
    const mints = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? one : two).http.post(`/api/v1/admin/users/${user.id}/sessions`, admin),
    );
    const suspension = one.http.post(`/api/v1/admin/users/${user.id}/suspension`, {
      ...admin,
      body: {},
    });
    const [suspended, ...minted] = await Promise.all([suspension, ...mints]);
    expect(suspended.status).toBe(200);
    for (const res of minted) expect([201, 403]).toContain(res.status);
    const live = await one.db.query(
      'SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
      [user.id],
    );
    expect(live.rows).toEqual([{ n: 0 }]);
  });

  it('suspends a password user too: login is refused until the suspension ends by itself', async () => {
    const user = await ctx.newUser();
    const until = new Date(Date.now() + 1500).toISOString();
    const res = await one.http.post(`/api/v1/admin/users/${user.id}/suspension`, {
      ...admin,
      body: { until },
    });
    expect(res.body.until).toBe(until);
    const login = () =>
      one.http.post('/api/v1/auth/login', {
        body: { username: user.username, password: PASSWORD },
      });
    expectError(await login(), 403, 'ACCOUNT_SUSPENDED');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await login()).status).toBe(200);

    const past = await one.http.post(`/api/v1/admin/users/${user.id}/suspension`, {
      ...admin,
      body: { until: new Date(Date.now() - 1000).toISOString() },
    });
    expectError(past, 400, 'SUSPENSION_IN_THE_PAST');
    expectError(
      await one.http.post('/api/v1/admin/users/2147483647/suspension', { ...admin, body: {} }),
      404,
      'USER_NOT_FOUND',
    );
  });

  it('audits every admin call, refused ones included, and never stores the token', async () => {
    const id = externalId();
    const name = username();
    await provision(id, name);
    await one.http.put(`/api/v1/admin/users/by-external-id/${id}`, { token: 'wrong', body: {} });
    // The audit rows are written after the answers.
    const rows = await eventually(
      () =>
        one.db.query(
          // By status: each row is written after its answer, so they may land in either order.
          `SELECT operation, method, route, params, body, status FROM admin_audit_log
            WHERE route = $1 ORDER BY status`,
          [`/api/v1/admin/users/by-external-id/${id}`],
        ),
      (result) => result.rows.length >= 2,
    );
    expect(rows.rows).toEqual([
      {
        operation: 'provisionUser',
        method: 'PUT',
        route: `/api/v1/admin/users/by-external-id/${id}`,
        params: { externalId: id },
        body: { username: name },
        status: 201,
      },
      {
        operation: 'provisionUser',
        method: 'PUT',
        route: `/api/v1/admin/users/by-external-id/${id}`,
        params: { externalId: id },
        body: {},
        status: 403,
      },
    ]);
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await one.http.post('/api/v1/admin/webhooks', {
      ...admin,
      body: { url: 'http://127.0.0.1:9/hook', events: ['message.created'], secret },
    });
    const webhook = await eventually(
      () =>
        one.db.query(
          `SELECT body FROM admin_audit_log WHERE operation = 'createWebhook' ORDER BY id DESC LIMIT 1`,
        ),
      (result) => result.rows.length > 0,
    );
    expect(webhook.rows[0].body).toMatchObject({
      secret: '[redacted]',
      events: ['message.created'],
    });
    const everything = await one.db.query('SELECT * FROM admin_audit_log');
    expect(JSON.stringify(everything.rows)).not.toContain(ADMIN_TOKEN);
    expect(JSON.stringify(everything.rows)).not.toContain(secret);
  });
});
