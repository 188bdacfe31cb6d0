import { randomBytes } from 'node:crypto';
import { AccountErasure } from '../../src/accounts/account-erasure';
import { PASSWORD, Session, TestContext } from '../utils/context';
import { eventually } from '../utils/eventually';
import { expectError } from '../utils/expect-error';
import { fileForm, solidPng } from '../utils/images';
import { ClientSocket, connectSocket, nextDisconnect, nextEvent } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

const ADMIN_TOKEN = randomBytes(48).toString('base64url');
const admin = { token: ADMIN_TOKEN };
const ERASURE_WAIT_MS = 20_000;

/**
 * Issue 20: a person deletes their account (or the app deletes it for them). Two replicas on one
 * database and backplane, as in production: the request lands on one, the erasure job runs on the
 * other (the first takes no jobs).
 */
describe('account deletion', () => {
  let one: TestApp;
  let two: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const shared = {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      SOCKET_ADAPTER: 'postgres',
      SOCKET_ADAPTER_CHANNEL: `deletion-${randomBytes(4).toString('hex')}`,
      ATTACHMENT_CLEANUP_INTERVAL_SECONDS: '0',
    };
    one = await startTestApp({ ...shared, JOB_WORKERS: 'false' });
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

  const deleteMe = (user: Session, password: unknown = PASSWORD) =>
    one.http.delete('/api/v1/users/me', { token: user.accessToken, body: { password } });

  async function connect(app: TestApp, user: Session): Promise<ClientSocket> {
    const socket = await connectSocket(app.baseUrl, { token: user.accessToken });
    sockets.push(socket);
    return socket;
  }

  async function upload(user: Session, bytes: Buffer, name: string): Promise<number> {
    const res = await one.http.post('/api/v1/uploads', {
      token: user.accessToken,
      rawBody: fileForm(bytes, name),
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** Until the erasure job chain has tombstoned every message of the user. */
  async function erased(userId: number): Promise<void> {
    const deadline = Date.now() + ERASURE_WAIT_MS;
    for (;;) {
      const { rows } = await one.db.query(
        `SELECT (SELECT count(*)::int FROM messages WHERE sender_id = $1 AND deleted_at IS NULL)
              + (SELECT count(*)::int FROM message_reactions WHERE user_id = $1)
              + (SELECT count(*)::int FROM uploads WHERE owner_id = $1) AS left`,
        [userId],
      );
      if (rows[0].left === 0) return;
      if (Date.now() > deadline) throw new Error(`erasure of ${userId} not done: ${rows[0].left}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const react = (user: Session, chatId: number, messageId: number, emoji: string) =>
    one.http.put(`/api/v1/chats/${chatId}/messages/${messageId}/reactions/${emoji}`, {
      token: user.accessToken,
    });

  it('ends everything of the person at once, and leaves the others their chats with tombstones', async () => {
    const [gone, friend, member, requested, blocker] = await Promise.all(
      Array.from({ length: 5 }, () => ctx.newUser()),
    );
    await ctx.befriend(gone, friend);
    await ctx.befriend(gone, member);
    await ctx.befriend(friend, member);
    const pending = await one.http.post('/api/v1/friend-requests', {
      token: gone.accessToken,
      body: { toUserId: requested.id },
    });
    expect(pending.status).toBe(201);
    expect(
      (
        await one.http.post('/api/v1/blocks', {
          token: blocker.accessToken,
          body: { userId: gone.id },
        })
      ).status,
    ).toBe(201);
    const avatar = await one.http.put('/api/v1/users/me/avatar', {
      token: gone.accessToken,
      rawBody: fileForm(solidPng(64, 64)),
    });
    expect(avatar.status).toBe(200);

    const direct = await ctx.directChat(gone, friend);
    const group = await ctx.group(gone, 'group-1', [friend, member]);
    const mine1 = await ctx.send(gone, direct.id, 'hello from me');
    const theirs = await ctx.send(friend, direct.id, 'hello back');
    const fileId = await upload(gone, Buffer.from('%PDF-1.4 a file\n'), 'a.pdf');
    const withFile = await one.http.post(`/api/v1/chats/${direct.id}/messages`, {
      token: gone.accessToken,
      body: { body: 'a file', attachmentIds: [fileId] },
    });
    expect(withFile.status).toBe(201);
    await upload(gone, Buffer.from('never attached'), 'b.txt');
    const inGroup = await ctx.send(gone, group.id, 'hello group');
    const memberSaid = await ctx.send(member, group.id, 'hi all');
    expect((await react(friend, direct.id, mine1.id, '👍')).status).toBe(200);
    expect((await react(gone, direct.id, theirs.id, '🎉')).status).toBe(200);
    // Taken off after they left the group: the erasure needs no membership.
    expect((await react(gone, group.id, memberSaid.id, '🔥')).status).toBe(200);
    const last = await ctx.send(gone, direct.id, 'my last words');

    const here = await connect(one, gone);
    const there = await connect(two, gone);
    const watcher = await connect(two, friend);
    const closed = Promise.all([nextDisconnect(here), nextDisconnect(there)]);
    const tombstoned = nextEvent<any>(watcher, 'message:deleted', (e) => e.messageId === last.id);

    expectError(await deleteMe(gone, 'not my password'), 403, 'WRONG_PASSWORD');
    expectError(await deleteMe(gone, 42), 400, 'VALIDATION_FAILED');
    expect((await deleteMe(gone)).status).toBe(204);
    await closed;

    // Sessions end everywhere: tokens, refresh, login, sockets.
    expectError(
      await two.http.get('/api/v1/users/me', { token: gone.accessToken }),
      401,
      'TOKEN_INVALID',
    );
    expectError(
      await two.http.post('/api/v1/auth/refresh', { body: { refreshToken: gone.refreshToken } }),
      401,
      'INVALID_REFRESH_TOKEN',
    );
    expectError(
      await one.http.post('/api/v1/auth/login', {
        body: { username: gone.username, password: PASSWORD },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    await expect(connectSocket(two.baseUrl, { token: gone.accessToken })).rejects.toMatchObject({
      data: { code: 'TOKEN_INVALID' },
    });

    // Ties and groups are gone at once; the group has a new owner.
    const friends = await one.http.get('/api/v1/friends', { token: friend.accessToken });
    expect(friends.body.items.map((f: any) => f.user.id)).toEqual([member.id]);
    const incoming = await one.http.get('/api/v1/friend-requests?direction=incoming', {
      token: requested.accessToken,
    });
    expect(incoming.body.items).toEqual([]);
    const blocks = await one.http.get('/api/v1/blocks', { token: blocker.accessToken });
    expect(blocks.body.items).toEqual([]);
    const groupNow = await one.http.get(`/api/v1/chats/${group.id}`, { token: friend.accessToken });
    expect(groupNow.status).toBe(200);
    // Both joined with the group (one statement, one joinedAt): the lower id is the longer-standing.
    const heir = Math.min(friend.id, member.id);
    const roles = Object.fromEntries(
      groupNow.body.participants.map((p: any) => [p.userId, p.role]),
    );
    expect(roles).toEqual({
      [friend.id]: friend.id === heir ? 'owner' : 'member',
      [member.id]: member.id === heir ? 'owner' : 'member',
    });

    // The profile renders as a deleted user; nobody can reach them any more.
    const profile = await one.http.get(`/api/v1/users/${gone.id}`, { token: friend.accessToken });
    expect(profile.body).toMatchObject({
      id: gone.id,
      username: gone.username,
      displayName: 'Deleted user',
      displayPictureUrl: null,
      deleted: true,
    });
    const search = await one.http.get(`/api/v1/users?q=${gone.username}`, {
      token: friend.accessToken,
    });
    expect(search.body.items).toEqual([]);
    expectError(
      await one.http.post('/api/v1/friend-requests', {
        token: friend.accessToken,
        body: { toUserId: gone.id },
      }),
      404,
      'USER_NOT_FOUND',
    );
    const refused = await one.http.post(`/api/v1/chats/${direct.id}/messages`, {
      token: friend.accessToken,
      body: { body: 'anyone there?' },
    });
    expectError(refused, 403, 'DIRECT_CHAT_NOT_ALLOWED');

    // The erasure runs on the other replica: tombstones, reactions off, uploads and avatar purged.
    await erased(gone.id);
    expect((await tombstoned).deletedBy).toBe(gone.id);
    const history = await one.http.get(`/api/v1/chats/${direct.id}/messages?limit=50`, {
      token: friend.accessToken,
    });
    const bySeq = [...history.body.items].sort((a: any, b: any) => a.seq - b.seq);
    expect(bySeq.map((m: any) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(bySeq.map((m: any) => [m.senderId, m.body, m.deletedBy, m.attachments.length])).toEqual([
      [gone.id, null, gone.id, 0],
      [friend.id, 'hello back', null, 0],
      [gone.id, null, gone.id, 0],
      [gone.id, null, gone.id, 0],
    ]);
    expect(bySeq.every((m: any) => m.reactions.length === 0)).toBe(true);
    const chats = await one.http.get('/api/v1/chats', { token: friend.accessToken });
    const preview = chats.body.items.find((c: any) => c.id === direct.id).lastMessage;
    expect(preview).toMatchObject({ id: last.id, body: null });
    const groupHistory = await one.http.get(`/api/v1/chats/${group.id}/messages`, {
      token: member.accessToken,
    });
    const groupGone = groupHistory.body.items.find((m: any) => m.id === inGroup.id);
    expect(groupGone).toMatchObject({ body: null, deletedBy: gone.id });
    const reactedTo = groupHistory.body.items.find((m: any) => m.id === memberSaid.id);
    expect(reactedTo).toMatchObject({ body: 'hi all', reactions: [] });

    const left = await one.db.query(
      `SELECT (SELECT count(*)::int FROM user_avatars WHERE user_id = $1) AS avatars,
              (SELECT count(*)::int FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL)
                AS sessions,
              (SELECT count(*)::int FROM chat_participants p JOIN chat_sessions c ON c.id = p.chat_id
                WHERE p.user_id = $1 AND c.type = 'group') AS groups,
              (SELECT password_hash FROM users WHERE id = $1) AS password_hash`,
      [gone.id],
    );
    expect(left.rows).toEqual([{ avatars: 0, sessions: 0, groups: 0, password_hash: null }]);

    // Revs of the direct chat stay unique and increasing: every erasure took its own.
    const revs = await one.db.query('SELECT rev FROM messages WHERE chat_id = $1 ORDER BY rev', [
      direct.id,
    ]);
    const values = revs.rows.map((row: { rev: string }) => Number(row.rev));
    expect(new Set(values).size).toBe(values.length);
  });

  it('keeps the username for the grace period, then frees it', async () => {
    const gone = await ctx.newUser();
    expect((await deleteMe(gone)).status).toBe(204);
    const again = () =>
      one.http.post('/api/v1/auth/register', {
        body: { username: gone.username, password: PASSWORD },
      });
    expectError(await again(), 409, 'USERNAME_TAKEN');

    await one.db.query(`UPDATE users SET deleted_at = now() - interval '31 days' WHERE id = $1`, [
      gone.id,
    ]);
    // The sweep (an erasure's first step may run one too, any of them frees it).
    await two.app.get(AccountErasure).freeUsernames();
    const reader = (await ctx.newUser()).accessToken;
    const profile = await one.http.get(`/api/v1/users/${gone.id}`, { token: reader });
    expect(profile.body).toMatchObject({ username: `deleted#${gone.id}`, deleted: true });
    const newcomer = await again();
    expect(newcomer.status).toBe(201);
    expect(newcomer.body.user.id).not.toBe(gone.id);
  });

  it('lets the app delete its users, who have no password, and audits it', async () => {
    const externalId = `app-${randomBytes(6).toString('hex')}`;
    const username = `app_${randomBytes(5).toString('hex')}`;
    const provisioned = await one.http.put(`/api/v1/admin/users/by-external-id/${externalId}`, {
      ...admin,
      body: { username },
    });
    const userId = provisioned.body.id;
    const minted = await one.http.post(`/api/v1/admin/users/${userId}/sessions`, admin);
    const user: Session = { id: userId, username: '', ...minted.body };
    expectError(await deleteMe(user, 'anything'), 403, 'NO_PASSWORD');

    // Sessions minted while the deletion runs are refused or revoked with the rest.
    const mints = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? one : two).http.post(`/api/v1/admin/users/${userId}/sessions`, admin),
    );
    const [deleted, ...answers] = await Promise.all([
      two.http.delete(`/api/v1/admin/users/${userId}`, admin),
      ...mints,
    ]);
    expect(deleted.status).toBe(204);
    for (const res of answers) expect([201, 404]).toContain(res.status);
    const live = await one.db.query(
      'SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
    expect(live.rows).toEqual([{ n: 0 }]);

    expectError(
      await one.http.delete(`/api/v1/admin/users/${userId}`, admin),
      404,
      'USER_NOT_FOUND',
    );
    expectError(await one.http.delete('/api/v1/admin/users/1', { token: 'wrong' }), 403);
    expectError(await one.http.delete('/api/v1/admin/users/nope', admin), 400);
    // The audit row is written after the answer.
    const audit = await eventually(
      () =>
        one.db.query(
          `SELECT operation, status FROM admin_audit_log WHERE route = $1 ORDER BY status`,
          [`/api/v1/admin/users/${userId}`],
        ),
      (result) => result.rows.length >= 2,
    );
    expect(audit.rows).toEqual([
      { operation: 'deleteUser', status: 204 },
      { operation: 'deleteUser', status: 404 },
    ]);

    // The app brings the person back: a new, empty user, with their username at once.
    const reprovisioned = await one.http.put(`/api/v1/admin/users/by-external-id/${externalId}`, {
      ...admin,
      body: { username },
    });
    expect(reprovisioned.status).toBe(201);
    expect(reprovisioned.body).toMatchObject({ username, deleted: false });
    expect(reprovisioned.body.id).not.toBe(userId);
    const tombstone = await one.http.get(`/api/v1/users/${userId}`, {
      token: (await ctx.newUser()).accessToken,
    });
    expect(tombstone.body).toMatchObject({ username: `deleted#${userId}`, deleted: true });
  });

  it('runs each erasure step again without harm, as after a crash', async () => {
    const [gone, friend] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(gone, friend);
    const direct = await ctx.directChat(gone, friend);
    for (let i = 0; i < 3; i++) await ctx.send(gone, direct.id, `message ${i}`);
    expect((await deleteMe(gone)).status).toBe(204);
    await erased(gone.id);
    const state = () =>
      one.db.query('SELECT id, rev, deleted_at FROM messages WHERE chat_id = $1 ORDER BY id', [
        direct.id,
      ]);
    const before = await state();
    const erasure = two.app.get(AccountErasure);
    await erasure.step({ userId: gone.id, afterId: 0, final: false });
    await erasure.step({ userId: gone.id, afterId: 0, final: true });
    expect((await state()).rows).toEqual(before.rows);
  });
});

describe('account deletion that keeps the messages', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp({ ACCOUNT_ERASE_MESSAGES: 'keep', ACCOUNT_USERNAME_GRACE_DAYS: '0' });
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  it('leaves the words in history and frees the username at once', async () => {
    const [gone, friend] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(gone, friend);
    const direct = await ctx.directChat(gone, friend);
    await ctx.send(gone, direct.id, 'these words stay');
    const res = await t.http.delete('/api/v1/users/me', {
      token: gone.accessToken,
      body: { password: PASSWORD },
    });
    expect(res.status).toBe(204);
    const history = await t.http.get(`/api/v1/chats/${direct.id}/messages`, {
      token: friend.accessToken,
    });
    expect(history.body.items).toMatchObject([{ senderId: gone.id, body: 'these words stay' }]);
    // With no grace period the erasure's first step frees the username.
    const profile = await eventually(
      () => t.http.get(`/api/v1/users/${gone.id}`, { token: friend.accessToken }),
      (res) => res.body.username === `deleted#${gone.id}`,
      ERASURE_WAIT_MS,
    );
    expect(profile.body).toMatchObject({ username: `deleted#${gone.id}`, deleted: true });
    const newcomer = await t.http.post('/api/v1/auth/register', {
      body: { username: gone.username, password: PASSWORD },
    });
    expect(newcomer.status).toBe(201);
  });
});
