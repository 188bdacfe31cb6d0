import { Env } from '../../src/config/load-config';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import {
  barrier,
  ClientSocket,
  connectSocket,
  nextDisconnect,
  nextEvent,
  record,
  send,
} from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * One user's flood must not reach another user: limits count per user over all their sockets,
 * events in flight on a socket are bounded, one user's database work takes turns, and what a
 * flood pushes at a victim (edits, friend requests, presence, typing) is limited per user.
 */
function useApp(env: Env) {
  const state = {} as { t: TestApp; ctx: TestContext; sockets: ClientSocket[] };
  beforeAll(async () => {
    state.t = await startTestApp(env);
    state.ctx = new TestContext(state.t);
    state.sockets = [];
  });
  afterEach(() => state.sockets.splice(0).forEach((socket) => socket.close()));
  afterAll(() => state.t.close());
  const online = async (session: Session) => {
    const socket = await connectSocket(state.t.baseUrl, { token: session.accessToken });
    state.sockets.push(socket);
    return socket;
  };
  return { state, online };
}

const codesOf = (acks: { ok: boolean; error?: { code: string } }[]) =>
  acks.reduce<Record<string, number>>((counts, ack) => {
    const key = ack.ok ? 'ok' : ack.error!.code;
    counts[key] = (counts[key] ?? 0) + 1;
    return counts;
  }, {});

describe('a sync flood from 25 sockets of one user, on a pool of 2 connections', () => {
  const { state, online } = useApp({
    DATABASE_POOL_SIZE: '2',
    RATE_LIMIT_SOCKET_EVENTS: '200/10',
    RATE_LIMIT_SOCKET_EVENTS_PER_USER: '400/10',
  });

  it('is cut at the per-user limit and leaves a bystander served normally', async () => {
    const { ctx } = state;
    const [flooder, bystander, friend] = await Promise.all(
      ['flood', 'flood_by', 'flood_fr'].map((name) => ctx.newUser(uniqueUsername(name))),
    );
    await ctx.befriend(flooder, friend);
    await ctx.befriend(bystander, friend);
    const floodChat = await ctx.directChat(flooder, friend);
    const quietChat = await ctx.directChat(bystander, friend);
    await ctx.send(bystander, quietChat.id, 'hello');

    const floodSockets = await Promise.all(Array.from({ length: 25 }, () => online(flooder)));
    const bystanderSocket = await online(bystander);
    const flood = floodSockets.flatMap((socket) =>
      Array.from({ length: 200 }, () => send(socket, 'sync', { chatId: floodChat.id })),
    );
    const waits: number[] = [];
    const answers = [];
    for (let i = 0; i < 20; i += 1) {
      const started = performance.now();
      answers.push(await send(bystanderSocket, 'sync', { chatId: quietChat.id }));
      waits.push(performance.now() - started);
    }
    const floodCodes = codesOf(await Promise.all(flood));

    expect(codesOf(answers)).toEqual({ ok: 20 });
    // Far more than the 400 allowed were refused, and none for want of a connection.
    expect(floodCodes.ok).toBeLessThanOrEqual(400);
    expect(floodCodes.RATE_LIMITED).toBeGreaterThanOrEqual(4600);
    expect(floodCodes.SERVICE_UNAVAILABLE).toBeUndefined();
    waits.sort((x, y) => x - y);
    console.log(
      `sync flood: bystander p50 ${waits[10].toFixed(1)} ms, max ${waits[19].toFixed(1)} ms; flood ${JSON.stringify(floodCodes)}`,
    );
  }, 60_000);
});

describe('events in flight on one socket', () => {
  const { state, online } = useApp({ SOCKET_MAX_IN_FLIGHT: '4' });

  it('are bounded: the ones past the bound are refused at once, the rest answered', async () => {
    const { ctx } = state;
    const [a, b] = await Promise.all(['inf_a', 'inf_b'].map((n) => ctx.newUser(uniqueUsername(n))));
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    const socket = await online(a);
    const acks = await Promise.all(
      Array.from({ length: 40 }, () => send(socket, 'sync', { chatId: chat.id })),
    );
    const codes = codesOf(acks);
    expect(codes.ok).toBeGreaterThanOrEqual(4);
    expect(codes.RATE_LIMITED).toBeGreaterThan(0);
    expect(codes.ok + codes.RATE_LIMITED).toBe(40);
    expect(await send(socket, 'sync', { chatId: chat.id })).toMatchObject({ ok: true });
  });
});

describe('oversized events', () => {
  const { state, online } = useApp({});

  it('answers a 100 KB message:send with PAYLOAD_TOO_LARGE and keeps the socket', async () => {
    const { ctx, t } = state;
    const [a, b] = await Promise.all(['big_a', 'big_b'].map((n) => ctx.newUser(uniqueUsername(n))));
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    const socket = await online(a);
    const ack = await send(socket, 'message:send', {
      chatId: chat.id,
      body: 'x'.repeat(100 * 1024),
      clientMessageId: 'too-big',
    });
    expect(ack).toEqual({
      ok: false,
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('65536') },
    });
    expect(socket.connected).toBe(true);
    expect(
      await send(socket, 'message:send', { chatId: chat.id, body: 'fits', clientMessageId: 'ok' }),
    ).toMatchObject({ ok: true });
    const { rows } = await t.db.query('SELECT body FROM messages WHERE chat_id = $1', [chat.id]);
    expect(rows).toEqual([{ body: 'fits' }]);
  });

  it('closes only a socket that sends more than 1 MiB', async () => {
    const { ctx } = state;
    const a = await ctx.newUser(uniqueUsername('huge'));
    const [offender, other] = await Promise.all([online(a), online(a)]);
    const dropped = nextDisconnect(offender);
    offender.emit('sync', { chatId: 1, pad: 'x'.repeat(1024 * 1024 + 1) }, () => undefined);
    expect(await dropped).toMatch(/transport (close|error)/);
    expect(other.connected).toBe(true);
  });
});

describe('floods at a victim, limited per user', () => {
  const { state, online } = useApp({
    RATE_LIMIT_MESSAGE_CHANGES_PER_USER: '10/60',
    RATE_LIMIT_FRIEND_REQUESTS_PER_USER: '5/600',
    RATE_LIMIT_TYPING: '3/60',
  });

  it('limits edits over REST and sockets together', async () => {
    const { ctx, t } = state;
    const [a, b] = await Promise.all(['ed_a', 'ed_b'].map((n) => ctx.newUser(uniqueUsername(n))));
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    const message = await ctx.send(a, chat.id, 'v0');
    const victim = await online(b);
    const updates = record(victim, 'message:updated');
    const path = `/api/v1/chats/${chat.id}/messages/${message.id}`;
    const statuses: number[] = [];
    for (let i = 1; i <= 12; i += 1) {
      const res = await t.http.patch(path, { token: a.accessToken, body: { body: `v${i}` } });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const socket = await online(a);
    expect(
      await send(socket, 'message:edit', { chatId: chat.id, messageId: message.id, body: 'v13' }),
    ).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    await barrier(victim);
    expect(updates).toHaveLength(10);
  });

  it('limits friend-request sends, withdrawn or not', async () => {
    const { ctx, t } = state;
    const [a, b] = await Promise.all(['fr_a', 'fr_b'].map((n) => ctx.newUser(uniqueUsername(n))));
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const sent = await t.http.post('/api/v1/friend-requests', {
        token: a.accessToken,
        body: { toUserId: b.id },
      });
      statuses.push(sent.status);
      if (sent.status === 201) {
        await t.http.delete(`/api/v1/friend-requests/${sent.body.id}`, { token: a.accessToken });
      }
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
  });

  it('limits typing per user, not per socket', async () => {
    const { ctx } = state;
    const [a, b] = await Promise.all(['ty_a', 'ty_b'].map((n) => ctx.newUser(uniqueUsername(n))));
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    const sockets = await Promise.all([online(a), online(a), online(a)]);
    const acks = [];
    for (const socket of sockets) {
      for (let i = 0; i < 2; i += 1) {
        acks.push(await send(socket, 'typing', { chatId: chat.id, isTyping: i === 0 }));
      }
    }
    expect(codesOf(acks)).toEqual({ ok: 3, RATE_LIMITED: 3 });
  });
});

describe('presence under connection churn', () => {
  const { state, online } = useApp({ PRESENCE_OFFLINE_DELAY_MS: '1000' });

  it('tells friends nothing while the user keeps coming back, and offline once they stay away', async () => {
    const { ctx } = state;
    const [churner, friend] = await Promise.all(
      ['churn', 'churn_fr'].map((n) => ctx.newUser(uniqueUsername(n))),
    );
    await ctx.befriend(churner, friend);
    const watcher = await online(friend);
    // What the watcher is told on connecting (the churner is offline) is not churn.
    await barrier(watcher);
    const presence = record<{ userId: number; online: boolean }>(watcher, 'presence');
    for (let i = 0; i < 30; i += 1) {
      const socket = await online(churner);
      socket.close();
    }
    const offline = nextEvent(watcher, 'presence', (p) => p.userId === churner.id && !p.online);
    await offline;
    const ofChurner = presence.filter((p) => p.userId === churner.id);
    expect(ofChurner.map((p) => p.online)).toEqual([true, false]);
  });
});
