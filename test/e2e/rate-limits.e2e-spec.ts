import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { PASSWORD, Session, TestContext, uniqueUsername } from '../utils/context';
import { freePort } from '../utils/free-port';
import { HttpResponse } from '../utils/http-client';
import { testRedisUrl } from '../utils/redis';
import { ClientSocket, connectSocket, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/** Debian's redis-server, when the machine has it: a private one the test can kill. */
const REDIS_SERVER = '/usr/bin/redis-server';

function expectRateLimited(
  res: { status: number; headers: Headers; body: any },
  windowSeconds: number,
): void {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({
    statusCode: 429,
    error: 'Too Many Requests',
    code: 'RATE_LIMITED',
  });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe('rate limits', () => {
  describe('register, per IP', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_REGISTER_PER_IP: '3/60' });
    });
    afterAll(() => t.close());

    it('answers 429 with Retry-After once the window is used up', async () => {
      const ctx = new TestContext(t);
      for (let i = 0; i < 3; i += 1) await ctx.newUser();
      const res = await t.http.post('/api/v1/auth/register', {
        body: { username: uniqueUsername(), password: PASSWORD },
      });
      expectRateLimited(res, 60);
    });
  });

  describe('login', () => {
    let t: TestApp;
    let ctx: TestContext;
    beforeAll(async () => {
      t = await startTestApp({
        RATE_LIMIT_LOGIN_PER_ACCOUNT: '3/60',
        RATE_LIMIT_LOGIN_PER_IP: '20/60',
      });
      ctx = new TestContext(t);
    });
    afterAll(() => t.close());

    const login = (username: string, password: string) =>
      t.http.post('/api/v1/auth/login', { body: { username, password } });

    it('throttles guessing at one account, whatever the letter case, even with the right password', async () => {
      const victim = await ctx.newUser();
      for (const name of [victim.username, victim.username.toUpperCase(), victim.username]) {
        expect((await login(name, 'wrong guess')).status).toBe(401);
      }
      expectRateLimited(await login(victim.username, PASSWORD), 60);
    });

    it('does not count successful logins against the account', async () => {
      const user = await ctx.newUser();
      for (let i = 0; i < 4; i += 1)
        expect((await login(user.username, PASSWORD)).status).toBe(200);
    });

    it('forgets earlier failures once the owner logs in', async () => {
      const user = await ctx.newUser();
      const attempt = (password: string) => login(user.username, password);
      expect((await attempt('typo one')).status).toBe(401);
      expect((await attempt('typo two')).status).toBe(401);
      expect((await attempt(PASSWORD)).status).toBe(200);
      expect((await attempt('typo three')).status).toBe(401);
      expect((await attempt('typo four')).status).toBe(401);
      expect((await attempt(PASSWORD)).status).toBe(200);
    });

    it('counts wrong passwords given to delete the account as failed logins', async () => {
      const user = await ctx.newUser();
      const deleteMe = (password: string) =>
        t.http.delete('/api/v1/users/me', { token: user.accessToken, body: { password } });
      for (let i = 0; i < 3; i += 1) expect((await deleteMe('a guess')).status).toBe(403);
      expectRateLimited(await deleteMe(PASSWORD), 60);
      expectRateLimited(await login(user.username, PASSWORD), 60);
    });

    it('throttles all attempts from one IP', async () => {
      let last = await login('nobody_here', 'x');
      for (let i = 0; i < 20 && last.status !== 429; i += 1)
        last = await login(uniqueUsername(), 'x');
      expectRateLimited(last, 60);
    });
  });

  describe('exports, per user', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_EXPORTS_PER_USER: '2/3600' });
    });
    afterAll(() => t.close());

    it('answers 429 with Retry-After once a user has used their exports, and only theirs', async () => {
      const ctx = new TestContext(t);
      const [user, other] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      const exportOf = (session: Session) =>
        t.http.get('/api/v1/users/me/export', { token: session.accessToken });
      for (let i = 0; i < 2; i += 1) expect((await exportOf(user)).status).toBe(200);
      expectRateLimited(await exportOf(user), 3600);
      expect((await exportOf(other)).status).toBe(200);
    });
  });

  /** What a proxy forwards: the client's own X-Forwarded-For, then the address it saw, then its own hops. */
  type Forwarded = (client: string, claimed: string) => string;

  describe.each<[string, string, Forwarded]>([
    ['a hop count', '1', (client, claimed) => `${claimed}, ${client}`],
    [
      'a list of proxy addresses',
      '127.0.0.1, 10.0.0.0/8',
      (client, claimed) => `${claimed}, ${client}, 10.1.2.3`,
    ],
  ])('login per IP behind proxies given as %s', (_label, trustProxy, forwarded) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ TRUST_PROXY: trustProxy, RATE_LIMIT_LOGIN_PER_IP: '3/60' });
    });
    afterAll(() => t?.close());

    const login = (forwardedFor: string) =>
      t.http.post('/api/v1/auth/login', {
        body: { username: uniqueUsername(), password: 'wrong guess' },
        headers: { 'x-forwarded-for': forwardedFor },
      });

    it('counts the address the proxy saw, however the client rotates X-Forwarded-For', async () => {
      for (let i = 1; i <= 3; i += 1) {
        expect((await login(forwarded('203.0.113.7', `198.51.100.${i}`))).status).toBe(401);
      }
      expectRateLimited(await login(forwarded('203.0.113.7', '198.51.100.4')), 60);
      expectRateLimited(await login(forwarded('203.0.113.7', '203.0.113.8')), 60);
      expect((await login(forwarded('203.0.113.8', '203.0.113.7'))).status).toBe(401);
    });
  });

  describe('login lockout', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '2/1' });
    });
    afterAll(() => t.close());

    it('ends with the window: the real user is not locked out for good', async () => {
      const user = await new TestContext(t).newUser();
      const login = (password: string) =>
        t.http.post('/api/v1/auth/login', { body: { username: user.username, password } });
      await login('wrong');
      await login('wrong');
      expect((await login(PASSWORD)).status).toBe(429);
      // The window is one second long: this wait is the behaviour under test.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await login(PASSWORD)).status).toBe(200);
    });
  });

  describe('messages, per user', () => {
    let t: TestApp;
    let ctx: TestContext;
    const sockets: ClientSocket[] = [];
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_USER: '6/60' });
      ctx = new TestContext(t);
    });
    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await t.close();
    });

    const open = async (user: Session) => {
      const socket = await connectSocket(t.baseUrl, { token: user.accessToken });
      sockets.push(socket);
      return socket;
    };

    it('counts every socket and REST of one user together, and only that user', async () => {
      const [flooder, friend] = [await ctx.newUser(), await ctx.newUser()];
      await ctx.befriend(flooder, friend);
      const chat = await ctx.directChat(flooder, friend);
      const [first, second] = [await open(flooder), await open(flooder)];
      const viaSocket = (socket: ClientSocket, n: number) =>
        send(socket, 'message:send', { chatId: chat.id, body: `m${n}`, clientMessageId: `f-${n}` });
      const viaRest = (n: number) =>
        t.http.post(`/api/v1/chats/${chat.id}/messages`, {
          token: flooder.accessToken,
          body: { body: `m${n}`, clientMessageId: `f-${n}` },
        });

      for (let n = 1; n <= 2; n += 1) expect((await viaSocket(first, n)).ok).toBe(true);
      for (let n = 3; n <= 4; n += 1) expect((await viaSocket(second, n)).ok).toBe(true);
      for (let n = 5; n <= 6; n += 1) expect((await viaRest(n)).status).toBe(201);

      const refused = await viaSocket(second, 7);
      expect(refused).toEqual({
        ok: false,
        error: { code: 'RATE_LIMITED', message: expect.any(String) },
      });
      expectRateLimited(await viaRest(8), 60);
      expect(first.connected && second.connected).toBe(true);

      const friendSocket = await open(friend);
      const reply = await send(friendSocket, 'message:send', {
        chatId: chat.id,
        body: 'still allowed',
        clientMessageId: 'friend-1',
      });
      expect(reply.ok).toBe(true);
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
        [chat.id],
      );
      expect(rows[0].n).toBe(7);
    });
  });

  describe('reactions, per user', () => {
    let t: TestApp;
    let ctx: TestContext;
    const sockets: ClientSocket[] = [];
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_REACTIONS_PER_USER: '3/60' });
      ctx = new TestContext(t);
    });
    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await t.close();
    });

    const THUMBS = '\u{1F44D}';
    const GRIN = '\u{1F600}';
    const PARTY = '\u{1F389}';

    it('counts reactions put and taken back, over REST and the socket, and stores none past the limit', async () => {
      const [flooder, friend] = [await ctx.newUser(), await ctx.newUser()];
      await ctx.befriend(flooder, friend);
      const chat = await ctx.directChat(flooder, friend);
      const message = await ctx.send(friend, chat.id, 'react to me');
      const socket = await connectSocket(t.baseUrl, { token: flooder.accessToken });
      sockets.push(socket);
      const path = (emoji: string) =>
        `/api/v1/chats/${chat.id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`;
      const put = (who: Session, emoji: string) =>
        t.http.put(path(emoji), { token: who.accessToken });
      const takeBack = (who: Session, emoji: string) =>
        t.http.delete(path(emoji), { token: who.accessToken });
      const viaSocket = (emoji: string, on: boolean) =>
        send(socket, 'reaction:set', { chatId: chat.id, messageId: message.id, emoji, on });
      const stored = async () => {
        const reactions = await t.db.query(
          `SELECT user_id AS "userId", emoji FROM message_reactions WHERE message_id = $1
            ORDER BY user_id, emoji COLLATE "C"`,
          [message.id],
        );
        const revs = await t.db.query(
          `SELECT m.rev::int AS "messageRev", c.last_rev::int AS "chatLastRev"
             FROM messages m JOIN chat_sessions c ON c.id = m.chat_id WHERE m.id = $1`,
          [message.id],
        );
        return { reactions: reactions.rows, ...revs.rows[0] };
      };

      expect((await put(flooder, THUMBS)).status).toBe(200);
      expect((await takeBack(flooder, THUMBS)).status).toBe(200);
      expect(await viaSocket(GRIN, true)).toMatchObject({ ok: true, reaction: { count: 1 } });
      const atLimit = await stored();
      expect(atLimit.reactions).toEqual([{ userId: flooder.id, emoji: GRIN }]);

      const refusedPut = await put(flooder, PARTY);
      const refusedTakeBack = await takeBack(flooder, GRIN);
      const refusedSocket = await viaSocket(PARTY, true);
      const answer = (res: HttpResponse) => ({
        status: res.status,
        body: res.body,
        retryAfter: Number(res.headers.get('retry-after')),
      });
      const rateLimited = {
        status: 429,
        body: {
          statusCode: 429,
          error: 'Too Many Requests',
          code: 'RATE_LIMITED',
          message: expect.stringMatching(/\S/),
        },
        retryAfter: expect.any(Number),
      };
      expect({
        put: answer(refusedPut),
        delete: answer(refusedTakeBack),
        socket: refusedSocket,
      }).toEqual({
        put: rateLimited,
        delete: rateLimited,
        socket: {
          ok: false,
          error: { code: 'RATE_LIMITED', message: expect.stringMatching(/retry after \d+ s/) },
        },
      });
      for (const res of [refusedPut, refusedTakeBack]) expectRateLimited(res, 60);
      // Nothing refused took effect: no party, the grin still there, no rev taken.
      expect(await stored()).toEqual(atLimit);

      // The limit is the flooder's own.
      expect((await put(friend, PARTY)).status).toBe(200);
      expect((await stored()).reactions).toEqual(
        [
          { userId: flooder.id, emoji: GRIN },
          { userId: friend.id, emoji: PARTY },
        ].sort((x, y) => x.userId - y.userId),
      );
    });
  });

  const redisUrl = testRedisUrl('rate limits across two replicas');
  const describeWithRedis = redisUrl ? describe : describe.skip;

  describeWithRedis('two replicas sharing Redis', () => {
    let one: TestApp;
    let two: TestApp;
    let ctx: TestContext;
    const sockets: ClientSocket[] = [];
    beforeAll(async () => {
      const shared = {
        REDIS_URL: redisUrl!,
        SOCKET_ADAPTER_CHANNEL: `test-${randomBytes(4).toString('hex')}`,
        RATE_LIMIT_LOGIN_PER_ACCOUNT: '3/60',
        RATE_LIMIT_MESSAGES_PER_USER: '4/60',
      };
      one = await startTestApp(shared);
      two = await startTestApp(shared, { databaseUrl: one.databaseUrl });
      ctx = new TestContext(one);
    });
    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await two?.close();
      await one?.close();
    });

    it('counts failed logins of one account on both replicas', async () => {
      const user = await ctx.newUser();
      const login = (app: TestApp, password: string) =>
        app.http.post('/api/v1/auth/login', { body: { username: user.username, password } });
      expect((await login(one, 'guess 1')).status).toBe(401);
      expect((await login(two, 'guess 2')).status).toBe(401);
      expect((await login(one, 'guess 3')).status).toBe(401);
      expectRateLimited(await login(two, PASSWORD), 60);
    });

    it("counts a user's messages on both replicas", async () => {
      const [sender, friend] = [await ctx.newUser(), await ctx.newUser()];
      await ctx.befriend(sender, friend);
      const chat = await ctx.directChat(sender, friend);
      const onOne = await connectSocket(one.baseUrl, { token: sender.accessToken });
      const onTwo = await connectSocket(two.baseUrl, { token: sender.accessToken });
      sockets.push(onOne, onTwo);
      const acks = [];
      for (let n = 1; n <= 5; n += 1) {
        const socket = n % 2 ? onOne : onTwo;
        acks.push(
          await send(socket, 'message:send', {
            chatId: chat.id,
            body: `m${n}`,
            clientMessageId: `r-${n}`,
          }),
        );
      }
      expect(acks.map((ack) => ack.ok)).toEqual([true, true, true, true, false]);
      expect(acks[4].error.code).toBe('RATE_LIMITED');
    });
  });

  const describeWithRedisServer = existsSync(REDIS_SERVER) ? describe : describe.skip;

  describeWithRedisServer('when Redis goes away', () => {
    let redis: ChildProcess;
    let t: TestApp;
    beforeAll(async () => {
      const port = await freePort();
      redis = spawn(REDIS_SERVER, ['--port', String(port), '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      await waitForPort(port);
      t = await startTestApp({
        REDIS_URL: `redis://127.0.0.1:${port}`,
        SOCKET_ADAPTER: 'memory',
        RATE_LIMIT_LOGIN_PER_ACCOUNT: '2/60',
      });
    });
    afterAll(async () => {
      redis?.kill('SIGKILL');
      await t?.close();
    });

    it('falls back to counting in this process, without stalling requests', async () => {
      const user = await new TestContext(t).newUser();
      const login = (password: string) =>
        t.http.post('/api/v1/auth/login', { body: { username: user.username, password } });
      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));

      const started = Date.now();
      expect((await login(PASSWORD)).status).toBe(200);
      expect((await login('guess 1')).status).toBe(401);
      expect((await login('guess 2')).status).toBe(401);
      expectRateLimited(await login(PASSWORD), 60);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
      socket.once('close', () => socket.destroy());
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}
