import { ChatClient, type Message } from '../../sdk/src';
import { PASSWORD, Session, TestContext } from '../utils/context';
import { eventuallyPasses } from '../utils/eventually';
import { delay } from '../utils/recipe-client';
import { createTestDatabase, startTestApp, TestApp } from '../utils/test-app';
import { ServerProcess } from '../utils/server-process';
import { SwitchProxy } from '../utils/switch-proxy';

/**
 * Issue 18, the SDK against the real server: what every participant's SDK shows after sends from
 * every side, socket drops mid-send, changes made while offline, and a server restart.
 */

/** Polls until `check` passes: the SDK catches up asynchronously. */
const eventually = (check: () => unknown) => eventuallyPasses(check, 15_000);

/** Every `message` event an SDK client emitted, to check order and exactly-once per chat. */
function recordMessages(client: ChatClient): Message[] {
  const seen: Message[] = [];
  client.on('message', (message) => seen.push(message));
  return seen;
}

/**
 * Per chat, after the history the client started with: each state came once, in rev order (so new
 * messages in seq order).
 */
function expectOrderedOnce(events: Message[]): void {
  const byChat = new Map<number, Message[]>();
  for (const event of events)
    byChat.set(event.chatId, [...(byChat.get(event.chatId) ?? []), event]);
  for (const [chatId, list] of byChat) {
    const keys = list.map((m) => `${m.id}@${m.rev}`);
    expect({ chatId, duplicates: keys.length - new Set(keys).size }).toEqual({
      chatId,
      duplicates: 0,
    });
    // Changes reach the app in the chat's rev order: each rev once, none out of turn.
    const revs = list.map((m) => m.rev);
    expect({ chatId, revs }).toEqual({
      chatId,
      revs: [...new Set(revs)].sort((a, b) => a - b),
    });
  }
}

describe('the SDK', () => {
  describe('on one server', () => {
    let t: TestApp;
    let ctx: TestContext;
    const clients: ChatClient[] = [];

    beforeAll(async () => {
      t = await startTestApp();
      ctx = new TestContext(t);
    });
    afterEach(async () => {
      for (const client of clients.splice(0)) await client.close();
    });
    afterAll(() => t.close());

    async function sdkFor(user: Session): Promise<ChatClient> {
      const client = await ChatClient.login(
        { url: t.baseUrl, ackTimeoutMs: 2000 },
        user.username,
        PASSWORD,
      );
      clients.push(client);
      await client.start();
      return client;
    }

    async function group(size: number) {
      const users = await Promise.all(Array.from({ length: size }, () => ctx.newUser()));
      const [owner, ...members] = users;
      for (const member of members) await ctx.befriend(owner, member);
      const chat = await ctx.group(owner, 'sdk', members);
      return { users, chat };
    }

    it('logs in, lists chats, sends and receives live, in seq order, once', async () => {
      const { users, chat } = await group(2);
      const [a, b] = await Promise.all(users.map(sdkFor));
      expect(a.chats().map((c) => c.id)).toContain(chat.id);
      const heardByB = recordMessages(b);
      const sent = await a.send(chat.id, 'hello from the SDK');
      expect(sent).toMatchObject({ chatId: chat.id, seq: 1, body: 'hello from the SDK' });
      await eventually(() =>
        expect(b.messages(chat.id).map((m) => m.body)).toEqual(['hello from the SDK']),
      );
      expect(heardByB.map((m) => m.id)).toEqual([sent.id]);
      expect(b.chat(chat.id)).toMatchObject({ unreadCount: 1, lastMessage: { id: sent.id } });
      expect(await a.pending()).toEqual([]);
    });

    it('sends a message made while the previous one awaits its ack', async () => {
      const { users, chat } = await group(2);
      const [a] = await Promise.all(users.map(sdkFor));
      const [first, second] = await Promise.all([a.send(chat.id, 'one'), a.send(chat.id, 'two')]);
      expect([first.seq, second.seq]).toEqual([1, 2]);
      expect(await a.pending()).toEqual([]);
    });

    it('every message sent by any client is shown exactly once, in seq order, by every client', async () => {
      const { users, chat } = await group(3);
      const sdks = await Promise.all(users.map(sdkFor));
      const events = sdks.map(recordMessages);
      let seed = 7;
      const random = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return seed % n;
      };
      const sends: Promise<Message>[] = [];
      for (let i = 0; i < 60; i += 1) {
        const from = sdks[random(sdks.length)];
        sends.push(from.send(chat.id, `m${i}`));
        // Now and then a client's socket drops while its sends are in flight.
        if (random(10) === 0) from.socketIo!.io.engine.close();
        if (random(4) === 0) await delay(random(20));
      }
      const stored = await Promise.all(sends);
      expect(new Set(stored.map((m) => m.id)).size).toBe(60);
      const { rows } = await t.db.query(
        'SELECT id, seq FROM messages WHERE chat_id = $1 ORDER BY seq',
        [chat.id],
      );
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      for (const sdk of sdks) {
        await eventually(() =>
          expect(sdk.messages(chat.id).map((m) => m.id)).toEqual(rows.map((r) => Number(r.id))),
        );
        expect(await sdk.pending()).toEqual([]);
      }
      events.forEach(expectOrderedOnce);
    });

    it('a socket dropped right after a send: the resend is answered with the stored message, no copy', async () => {
      const { users, chat } = await group(2);
      const [a, b] = await Promise.all(users.map(sdkFor));
      const socket = a.socketIo!;
      let drops = 0;
      socket.onAnyOutgoing((event) => {
        // The first try goes out, then the connection drops before its ack can come back.
        if (event === 'message:send' && drops++ === 0)
          queueMicrotask(() => socket.io.engine.close());
      });
      const message = await a.send(chat.id, 'through a drop');
      socket.offAnyOutgoing();
      expect(drops).toBeGreaterThanOrEqual(2);
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
        [chat.id],
      );
      expect(rows[0].n).toBe(1);
      // The ack may land while the reconnect's catch-up syncs the chat: it shows right after.
      for (const client of [a, b]) {
        await eventually(() =>
          expect(client.messages(chat.id).map((m) => m.id)).toEqual([message.id]),
        );
      }
    });

    it('shows after a reconnect the edits, deletes and reactions made while it was offline', async () => {
      const { users, chat } = await group(2);
      const [a, b] = await Promise.all(users.map(sdkFor));
      const first = await a.send(chat.id, 'first');
      const second = await a.send(chat.id, 'second');
      await eventually(() => expect(b.messages(chat.id)).toHaveLength(2));
      const eventsOfB = recordMessages(b);

      b.socketIo!.disconnect();
      await a.edit(chat.id, first.id, 'first, edited');
      await a.remove(chat.id, second.id);
      await a.react(chat.id, first.id, '👍');
      const third = await a.send(chat.id, 'third');
      b.socketIo!.connect();

      await eventually(() => {
        const held = b.messages(chat.id);
        expect(held.map((m) => [m.id, m.body])).toEqual([
          [first.id, 'first, edited'],
          [second.id, null],
          [third.id, 'third'],
        ]);
        expect(held[0].reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
      });
      expectOrderedOnce(eventsOfB);
      // What B holds is exactly what a fresh GET shows.
      const fresh = await t.http.get(`/api/v1/chats/${chat.id}/messages?limit=100`, {
        token: (b.tokens as { accessToken: string }).accessToken,
      });
      expect(b.messages(chat.id)).toEqual([...fresh.body.items].reverse());
    });

    it('keeps sends made while offline in the outbox and delivers them on reconnect', async () => {
      const { users, chat } = await group(2);
      const [a, b] = await Promise.all(users.map(sdkFor));
      a.socketIo!.disconnect();
      const sending = [a.send(chat.id, 'offline 1'), a.send(chat.id, 'offline 2')];
      await eventually(async () => expect(await a.pending()).toHaveLength(2));
      a.socketIo!.connect();
      const stored = await Promise.all(sending);
      expect(stored.map((m) => m.seq)).toEqual([1, 2]);
      await eventually(() =>
        expect(b.messages(chat.id).map((m) => m.body)).toEqual(['offline 1', 'offline 2']),
      );
    });

    it('refuses a send for good with the server’s reason, and leaves the outbox empty', async () => {
      const { users, chat } = await group(2);
      const [a] = await Promise.all(users.map(sdkFor));
      await expect(a.send(chat.id, '', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(a.send(999_999, 'nowhere')).rejects.toMatchObject({ code: 'CHAT_NOT_FOUND' });
      expect(await a.pending()).toEqual([]);
    });

    it('renews the access token before it expires and keeps the socket working', async () => {
      const short = await startTestApp({ JWT_ACCESS_TTL_SECONDS: '10' });
      try {
        const shortCtx = new TestContext(short);
        const [x, y] = await Promise.all([shortCtx.newUser(), shortCtx.newUser()]);
        await shortCtx.befriend(x, y);
        const chat = await shortCtx.directChat(x, y);
        const client = await ChatClient.login(
          { url: short.baseUrl, refreshMarginMs: 8000 },
          x.username,
          PASSWORD,
        );
        clients.push(client);
        const first = client.tokens.accessToken;
        const renewed = new Promise<void>((resolve) =>
          client.on('session', (tokens) => tokens.accessToken !== first && resolve()),
        );
        await client.start();
        await renewed;
        // Past the first token's expiry the socket works on: it moved to the new token in time.
        await delay(10_500);
        expect(client.connected).toBe(true);
        const message = await client.send(chat.id, 'after renewal');
        expect(message.seq).toBe(1);
        await client.close();
      } finally {
        await short.close();
      }
    });
  });

  describe('across a server restart', () => {
    let server: ServerProcess;
    let databaseUrl: string;
    const jwtSecret = 'sdk-restart-secret-long-enough-0123456789abcdef';

    beforeAll(async () => {
      databaseUrl = await createTestDatabase();
      server = await ServerProcess.start({ databaseUrl, jwtSecret });
    }, 60_000);
    afterAll(() => server?.stop('SIGKILL'));

    it('delivers what was sent while the server was down, once, and catches up', async () => {
      const ctx = new TestContext({ http: server.http });
      const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(a, b);
      const chat = await ctx.directChat(a, b);
      const options = {
        url: server.baseUrl,
        ackTimeoutMs: 2000,
        socket: { reconnectionDelayMax: 500 },
      };
      const [sa, sb] = await Promise.all(
        [a, b].map(async (user) => {
          const client = await ChatClient.login(options, user.username, PASSWORD);
          await client.start();
          return client;
        }),
      );
      try {
        await sa.send(chat.id, 'before');
        const port = server.port;
        await server.stop('SIGKILL');
        const sending = sa.send(chat.id, 'while down');
        server = await ServerProcess.start({ databaseUrl, jwtSecret, port });
        const stored = await sending;
        expect(stored.seq).toBe(2);
        await eventually(() =>
          expect(sb.messages(chat.id).map((m) => m.body)).toEqual(['before', 'while down']),
        );
        expect(await sa.pending()).toEqual([]);
      } finally {
        await sa.close();
        await sb.close();
      }
    }, 90_000);
  });

  describe('across a replica switch behind one address', () => {
    let replicas: ServerProcess[] = [];
    let proxy: SwitchProxy;

    beforeAll(async () => {
      const databaseUrl = await createTestDatabase();
      const env = { SOCKET_ADAPTER: 'postgres', SOCKET_ADAPTER_CHANNEL: `sdk-${process.pid}` };
      const jwtSecret = 'sdk-replicas-secret-long-enough-0123456789abcdef';
      replicas = await Promise.all([
        ServerProcess.start({ databaseUrl, env, jwtSecret }),
        ServerProcess.start({ databaseUrl, env, jwtSecret }),
      ]);
      proxy = await SwitchProxy.start(replicas[0].port);
    }, 60_000);
    afterAll(async () => {
      await proxy?.close();
      await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));
    });

    it('moves to the other replica when its own dies, and nothing is lost or doubled', async () => {
      const [doomed, survivor] = replicas;
      const ctx = new TestContext({ http: survivor.http });
      const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(a, b);
      const chat = await ctx.directChat(a, b);
      const fast = { ackTimeoutMs: 2000, socket: { reconnectionDelayMax: 500 } };
      const sa = await ChatClient.login({ url: proxy.url, ...fast }, a.username, PASSWORD);
      const sb = await ChatClient.login({ url: survivor.baseUrl, ...fast }, b.username, PASSWORD);
      await Promise.all([sa.start(), sb.start()]);
      const [eventsOfA, eventsOfB] = [sa, sb].map(recordMessages);
      try {
        await sa.send(chat.id, 'one');
        await doomed.stop('SIGKILL');
        const sending = sa.send(chat.id, 'two');
        proxy.switchTo(survivor.port);
        await sending;
        await sb.send(chat.id, 'three');
        const bodies = ['one', 'two', 'three'];
        for (const client of [sa, sb]) {
          await eventually(() =>
            expect(client.messages(chat.id).map((m) => m.body)).toEqual(bodies),
          );
        }
        expect(eventsOfB.filter((m) => m.body !== null).map((m) => m.body)).toEqual(bodies);
        expect(eventsOfA.map((m) => m.body)).toEqual(bodies);
        [eventsOfA, eventsOfB].forEach(expectOrderedOnce);
      } finally {
        await sa.close();
        await sb.close();
      }
    }, 90_000);
  });
});
