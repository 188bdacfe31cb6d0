import { Session, TestContext, uniqueUsername } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { HttpResponse } from '../utils/http-client';
import { statementsDuring } from '../utils/statements-during';
import { barrier, ClientSocket, connectSocket, nextEvent, record, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 15: the change feed (`rev`, GET /chats/:chatId/changes, socket `sync {afterRev}`) and
 * replies (`replyToId`, `replyTo`), end to end over REST and real sockets, checked against the
 * tables. Reactions have their own file (reactions.e2e-spec.ts); here they are one more kind of
 * change in the feed.
 */

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const PREVIEW = 200;

const ackFailure = (code: string) => ({
  ok: false,
  error: { code, message: expect.stringMatching(/\S/) },
});

/** The first `n` characters (code points, not UTF-16 units) of a text. */
const firstChars = (text: string, n: number) => Array.from(text).slice(0, n).join('');

/** Where an event stands in a chat's feed: the chat, the rev it announces, the message if any. */
interface FeedPoint {
  chatId: number;
  rev: number;
  messageId: number | null;
}

interface FeedEvent extends FeedPoint {
  event: string;
  payload: any;
}

/** The events that carry a rev of the chat's feed (chat:read, typing, presence do not). */
function feedPointOf(event: string, payload: any): FeedPoint | null {
  switch (event) {
    case 'message:new':
    case 'message:updated':
      return { chatId: payload.chatId, rev: payload.rev, messageId: payload.id };
    case 'message:deleted':
    case 'message:reactions':
      return { chatId: payload.chatId, rev: payload.rev, messageId: payload.messageId };
    case 'chat:updated':
      return { chatId: payload.id, rev: payload.rev, messageId: null };
    case 'chat:member-added':
    case 'chat:member-removed':
      return { chatId: payload.chatId, rev: payload.rev, messageId: null };
    default:
      return null;
  }
}

/** Every feed event of the chat this socket hears from now on, in arrival order. */
function recordFeed(socket: ClientSocket, chatId: number): FeedEvent[] {
  const seen: FeedEvent[] = [];
  socket.onAny((event: string, payload: unknown) => {
    const point = feedPointOf(event, payload);
    if (point && point.chatId === chatId) seen.push({ event, payload, ...point });
  });
  return seen;
}

/** A client's copy of a chat: messages by id; applying a feed page puts each one's current state. */
function applyPage(copy: Map<number, any>, page: { messages: any[] }): void {
  for (const message of page.messages) copy.set(message.id, message);
}
const bySeq = (messages: Iterable<any>) => [...messages].sort((x, y) => x.seq - y.seq);

describe('change feed and replies', () => {
  let t: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(() => t.close());

  // ---- helpers -------------------------------------------------------------------------------

  const user = (prefix = 'cf') => ctx.newUser(uniqueUsername(prefix));
  const users = (n: number, prefix = 'cf') =>
    Promise.all(Array.from({ length: n }, () => user(prefix)));

  /** Two friends and their direct chat. */
  async function pair(): Promise<{ a: Session; b: Session; chat: any }> {
    const [a, b] = await users(2, 'pair');
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    return { a, b, chat };
  }

  /** An owner and `n` members (friends of the owner), and their group. */
  async function group(n: number): Promise<{ owner: Session; members: Session[]; chat: any }> {
    const owner = await user('owner');
    const members = await users(n, 'member');
    await Promise.all(members.map((member) => ctx.befriend(owner, member)));
    const chat = await ctx.group(owner, uniqueUsername('g'), members);
    return { owner, members, chat };
  }

  async function online(session: Session): Promise<ClientSocket> {
    const socket = await connectSocket(t.baseUrl, { token: session.accessToken });
    sockets.push(socket);
    return socket;
  }

  const changes = (me: Session, chatId: unknown, query = '') =>
    t.http.get(`/api/v1/chats/${chatId}/changes${query ? `?${query}` : ''}`, {
      token: me.accessToken,
    });
  const post = (me: Session, chatId: unknown, body: unknown) =>
    t.http.post(`/api/v1/chats/${chatId}/messages`, { token: me.accessToken, body });
  const edit = (me: Session, chatId: number, messageId: number, body: string) =>
    t.http.patch(`/api/v1/chats/${chatId}/messages/${messageId}`, {
      token: me.accessToken,
      body: { body },
    });
  const remove = (me: Session, chatId: number, messageId: number) =>
    t.http.delete(`/api/v1/chats/${chatId}/messages/${messageId}`, { token: me.accessToken });
  const react = (me: Session, chatId: number, messageId: number, emoji: string) =>
    t.http.put(
      `/api/v1/chats/${chatId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`,
      { token: me.accessToken },
    );
  const getChat = async (me: Session, chatId: number) => {
    const res = await t.http.get(`/api/v1/chats/${chatId}`, { token: me.accessToken });
    expect(res.status).toBe(200);
    return res.body;
  };

  /** The whole history as `me` sees it now, oldest first. */
  async function fullHistory(me: Session, chatId: number): Promise<any[]> {
    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res: HttpResponse = await t.http.get(`/api/v1/chats/${chatId}/messages?${query}`, {
        token: me.accessToken,
      });
      expect(res.status).toBe(200);
      all.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    return bySeq(all);
  }

  /** Walks the feed from `afterRev` with pages of `limit`, checking each page's own promises. */
  async function walk(
    me: Session,
    chatId: number,
    afterRev: number,
    limit: number,
    between: (pageIndex: number) => Promise<void> = async () => undefined,
  ): Promise<{ pages: any[]; upToRev: number }> {
    const pages: any[] = [];
    let from = afterRev;
    for (;;) {
      const res = await changes(me, chatId, `afterRev=${from}&limit=${limit}`);
      expect(res.status).toBe(200);
      const page = res.body;
      pages.push(page);
      expect(page.messages.length).toBeLessThanOrEqual(limit);
      for (const message of page.messages) {
        expect(message.rev).toBeGreaterThan(from);
        expect(message.rev).toBeLessThanOrEqual(page.upToRev);
      }
      if (page.hasMore) {
        expect(page.messages).toHaveLength(limit);
        expect(page.upToRev).toBe(page.messages[limit - 1].rev);
      }
      expect(page.upToRev).toBeGreaterThanOrEqual(from);
      from = page.upToRev;
      if (!page.hasMore) return { pages, upToRev: from };
      await between(pages.length - 1);
      if (pages.length > 1000) throw new Error('the feed never ends');
    }
  }

  async function chatRow(
    chatId: number,
  ): Promise<{ lastSeq: number; lastRev: number; rev: number }> {
    const { rows } = await t.db.query(
      `SELECT last_seq::int AS "lastSeq", last_rev::int AS "lastRev", rev::int AS rev
         FROM chat_sessions WHERE id = $1`,
      [chatId],
    );
    return rows[0];
  }
  async function messageRows(
    chatId: number,
  ): Promise<
    { id: number; seq: number; rev: number; body: string | null; replyToId: number | null }[]
  > {
    const { rows } = await t.db.query(
      `SELECT id::int AS id, seq::int AS seq, rev::int AS rev, body, reply_to_id::int AS "replyToId"
         FROM messages WHERE chat_id = $1 ORDER BY seq`,
      [chatId],
    );
    return rows;
  }

  // ---- 1. GET /chats/:chatId/changes ------------------------------------------------------------

  describe('GET /chats/:chatId/changes', () => {
    it('from afterRev=0 returns every message in rev order, and the chat', async () => {
      const { a, b, chat } = await pair();
      expect(chat).toMatchObject({ rev: 1, lastRev: 1 });
      const sent: any[] = [];
      for (const body of ['one', 'two', 'three']) sent.push(await ctx.send(a, chat.id, body));
      expect(sent.map((m) => [m.seq, m.rev])).toEqual([
        [1, 2],
        [2, 3],
        [3, 4],
      ]);

      const res = await changes(b, chat.id, 'afterRev=0');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        messages: sent,
        chat: await getChat(b, chat.id),
        upToRev: 4,
        hasMore: false,
      });
      expect(res.body.chat).toMatchObject({ id: chat.id, rev: 1, lastRev: 4 });
      // Without afterRev: the same, from the start.
      expect((await changes(b, chat.id)).body).toEqual(res.body);
      expect(await chatRow(chat.id)).toEqual({ lastSeq: 3, lastRev: 4, rev: 1 });
      expect((await messageRows(chat.id)).map((row) => row.rev)).toEqual([2, 3, 4]);
    });

    it('after a client’s last rev: exactly the changed messages, in their current state', async () => {
      const { a, b, chat } = await pair();
      const sent: any[] = [];
      for (let i = 1; i <= 5; i += 1) sent.push(await ctx.send(a, chat.id, `message ${i}`));
      const held = (await getChat(b, chat.id)).lastRev;
      expect(held).toBe(6);

      expect((await edit(a, chat.id, sent[1].id, 'message 2, edited')).status).toBe(200);
      expect((await remove(a, chat.id, sent[3].id)).status).toBe(204);
      expect((await edit(a, chat.id, sent[0].id, 'message 1, edited')).status).toBe(200);

      const res = await changes(b, chat.id, `afterRev=${held}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        messages: [
          {
            ...sent[1],
            body: 'message 2, edited',
            editedAt: expect.stringMatching(ISO_MS),
            rev: 7,
          },
          {
            ...sent[3],
            body: null,
            deletedAt: expect.stringMatching(ISO_MS),
            deletedBy: a.id,
            rev: 8,
          },
          {
            ...sent[0],
            body: 'message 1, edited',
            editedAt: expect.stringMatching(ISO_MS),
            rev: 9,
          },
        ],
        chat: null,
        upToRev: 9,
        hasMore: false,
      });
      // Each is exactly what history shows now.
      const history = new Map((await fullHistory(b, chat.id)).map((m) => [m.id, m]));
      for (const message of res.body.messages) expect(message).toEqual(history.get(message.id));
      expect((await messageRows(chat.id)).map((row) => [row.seq, row.rev, row.body])).toEqual([
        [1, 9, 'message 1, edited'],
        [2, 7, 'message 2, edited'],
        [3, 4, 'message 3'],
        [4, 8, null],
        [5, 6, 'message 5'],
      ]);
      expect(await chatRow(chat.id)).toMatchObject({ lastRev: 9 });

      // From a later rev: only what changed after it; from the last one: nothing.
      const later = await changes(b, chat.id, 'afterRev=7');
      expect(later.body.messages.map((m: any) => [m.id, m.rev])).toEqual([
        [sent[3].id, 8],
        [sent[0].id, 9],
      ]);
      expect(later.body).toMatchObject({ chat: null, upToRev: 9, hasMore: false });
      expect((await changes(b, chat.id, 'afterRev=9')).body).toEqual({
        messages: [],
        chat: null,
        upToRev: 9,
        hasMore: false,
      });
    });

    it('pages with upToRev/hasMore walk the whole feed with no gaps and no repeats', async () => {
      const { a, b, chat } = await pair();
      const sent: any[] = [];
      for (let i = 1; i <= 12; i += 1) {
        sent.push(await ctx.send(i % 2 ? a : b, chat.id, `message ${i}`));
      }
      expect((await edit(a, chat.id, sent[0].id, 'first, edited')).status).toBe(200);
      expect((await remove(b, chat.id, sent[5].id)).status).toBe(204);
      expect((await react(b, chat.id, sent[2].id, 'thumbsup')).status).toBe(200);
      expect((await edit(b, chat.id, sent[11].id, 'last, edited')).status).toBe(200);
      const { lastRev } = await chatRow(chat.id);
      expect(lastRev).toBe(1 + 12 + 4);

      for (const limit of [1, 5, 12, 100]) {
        const { pages, upToRev } = await walk(b, chat.id, 0, limit);
        expect(upToRev).toBe(lastRev);
        const walked = pages.flatMap((page) => page.messages);
        // Every message exactly once, in rev order, each as history shows it now.
        const revs = walked.map((m) => m.rev);
        expect(revs).toEqual([...revs].sort((x, y) => x - y));
        expect(new Set(revs).size).toBe(revs.length);
        expect(walked.map((m) => m.id).sort((x, y) => x - y)).toEqual(
          sent.map((m) => m.id).sort((x, y) => x - y),
        );
        expect(bySeq(walked)).toEqual(await fullHistory(b, chat.id));
        // The chat (rev 1) comes once, on the first page.
        expect(pages.map((page) => page.chat !== null)).toEqual(pages.map((_, i) => i === 0));
        expect(pages[0].chat).toEqual(await getChat(b, chat.id));
        // Consecutive pages join up: no rev between one page's upToRev and the next page's first.
        for (let i = 1; i < pages.length; i += 1) {
          const previous = pages[i - 1];
          const first = pages[i].messages[0];
          if (first) {
            const dbRevs = (await messageRows(chat.id)).map((row) => row.rev);
            expect(dbRevs.filter((rev) => rev > previous.upToRev && rev < first.rev)).toEqual([]);
          }
        }
      }
      const dbRevs = (await messageRows(chat.id)).map((row) => row.rev).sort((x, y) => x - y);
      expect(dbRevs.every((rev) => rev <= lastRev)).toBe(true);
    });

    it('a client that walks the feed while others change the chat converges to a fresh GET', async () => {
      const { a, b, chat } = await pair();
      const sent: any[] = [];
      for (let i = 1; i <= 9; i += 1) sent.push(await ctx.send(a, chat.id, `message ${i}`));
      const copy = new Map<number, any>();
      const { pages } = await walk(b, chat.id, 0, 3, async (pageIndex) => {
        // Change messages the client already holds, and add new ones, between its pages.
        if (pageIndex === 0) {
          expect((await edit(a, chat.id, sent[0].id, 'one, edited mid-walk')).status).toBe(200);
          await ctx.send(b, chat.id, 'new during the walk');
        }
        if (pageIndex === 1) {
          expect((await remove(a, chat.id, sent[1].id)).status).toBe(204);
          expect((await react(b, chat.id, sent[2].id, 'wave')).status).toBe(200);
        }
      });
      for (const page of pages) applyPage(copy, page);
      expect(bySeq(copy.values())).toEqual(await fullHistory(b, chat.id));
      expect(pages[pages.length - 1].upToRev).toBe((await chatRow(chat.id)).lastRev);
    });

    it('a page with more to come lacks a message changed again after its upToRev: only the last page makes a copy whole', async () => {
      const { a, b, chat } = await pair();
      const first = await ctx.send(a, chat.id, 'first');
      const second = await ctx.send(a, chat.id, 'second');
      expect((await react(b, chat.id, first.id, 'wave')).status).toBe(200);
      expect([first.rev, second.rev, (await chatRow(chat.id)).lastRev]).toEqual([2, 3, 4]);

      const cut = await changes(b, chat.id, 'afterRev=1&limit=1');
      expect(cut.body).toMatchObject({ upToRev: 3, hasMore: true });
      // `first` was sent at rev 2, within the page, but its latest change (rev 4) is not: a client
      // that took rev 3 as "everything up to here" would meet the reaction event at rev 4 for a
      // message it does not hold.
      expect(cut.body.messages.map((m: any) => m.id)).toEqual([second.id]);

      const rest = await changes(b, chat.id, 'afterRev=3&limit=1');
      expect(rest.body).toMatchObject({ upToRev: 4, hasMore: false });
      expect(rest.body.messages).toEqual([
        expect.objectContaining({
          id: first.id,
          rev: 4,
          reactions: [{ emoji: 'wave', count: 1, me: true }],
        }),
      ]);
    });

    it('brings the chat when it changed itself after afterRev (rename, member added), else null', async () => {
      const { owner, members, chat } = await group(1);
      const newcomer = await user('newcomer');
      await ctx.befriend(owner, newcomer);
      expect(chat).toMatchObject({ rev: 1, lastRev: 1 });
      const first = await ctx.send(owner, chat.id, 'before the rename');
      expect(first.rev).toBe(2);
      expect((await changes(members[0], chat.id, 'afterRev=2')).body).toEqual({
        messages: [],
        chat: null,
        upToRev: 2,
        hasMore: false,
      });

      const renamed = await t.http.patch(`/api/v1/chats/${chat.id}`, {
        token: owner.accessToken,
        body: { name: 'renamed' },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ rev: 3, lastRev: 3, name: 'renamed' });
      expect((await changes(members[0], chat.id, 'afterRev=2')).body).toEqual({
        messages: [],
        chat: await getChat(members[0], chat.id),
        upToRev: 3,
        hasMore: false,
      });
      expect(await chatRow(chat.id)).toMatchObject({ lastRev: 3, rev: 3 });

      const second = await ctx.send(members[0], chat.id, 'after the rename');
      expect((await changes(owner, chat.id, 'afterRev=3')).body).toEqual({
        messages: [second],
        chat: null,
        upToRev: 4,
        hasMore: false,
      });

      const added = await t.http.post(`/api/v1/chats/${chat.id}/participants`, {
        token: owner.accessToken,
        body: { userIds: [newcomer.id] },
      });
      expect(added.status).toBe(200);
      const afterAdd = (await changes(members[0], chat.id, 'afterRev=4')).body;
      expect(afterAdd).toEqual({
        messages: [],
        chat: await getChat(members[0], chat.id),
        upToRev: 5,
        hasMore: false,
      });
      expect(afterAdd.chat.participants.map((p: any) => p.userId)).toContain(newcomer.id);
      expect(afterAdd.chat).toMatchObject({ rev: 5, lastRev: 5 });

      // Messages after the chat's change: the chat comes on the page whose upToRev reaches its rev.
      const third = await ctx.send(owner, chat.id, 'third');
      const fourth = await ctx.send(owner, chat.id, 'fourth');
      expect([third.rev, fourth.rev]).toEqual([6, 7]);
      const firstPage = (await changes(members[0], chat.id, 'afterRev=3&limit=1')).body;
      // Page 1 holds rev 4 only: the chat's rev 5 is beyond it.
      expect(firstPage).toEqual({ messages: [second], chat: null, upToRev: 4, hasMore: true });
      const secondPage = (await changes(members[0], chat.id, 'afterRev=4&limit=1')).body;
      expect(secondPage).toEqual({
        messages: [third],
        chat: await getChat(members[0], chat.id),
        upToRev: 6,
        hasMore: true,
      });
      const lastPage = (await changes(members[0], chat.id, 'afterRev=6&limit=1')).body;
      expect(lastPage).toEqual({ messages: [fourth], chat: null, upToRev: 7, hasMore: false });
    });

    it('refuses a bad afterRev or limit with 400', async () => {
      const { a, chat } = await pair();
      await ctx.send(a, chat.id, 'x');
      const queries = [
        'afterRev=-1',
        'afterRev=abc',
        'afterRev=1e3',
        'afterRev=1.5',
        'afterRev=0x10',
        'afterRev=9007199254740992',
        'afterRev=99999999999999999999',
        'limit=0',
        'limit=101',
        'limit=-1',
        'limit=abc',
        'afterRev=0&limit=1e1',
      ];
      for (const query of queries) {
        const res = await changes(a, chat.id, query);
        expect({ query, status: res.status, code: res.body?.code }).toEqual({
          query,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expectError(res, 400, 'VALIDATION_FAILED');
      }
      for (const badChatId of ['abc', '0', '-1', '1e3']) {
        expectError(await changes(a, badChatId, 'afterRev=0'), 400, 'VALIDATION_FAILED');
      }
      // The bounds themselves are fine.
      for (const query of ['limit=1', 'limit=100', 'afterRev=9007199254740991']) {
        expect((await changes(a, chat.id, query)).status).toBe(200);
      }
      const far = await changes(a, chat.id, 'afterRev=9007199254740991');
      expect(far.body).toEqual({ messages: [], chat: null, upToRev: MAX_SAFE, hasMore: false });
      expect((await t.http.get(`/api/v1/chats/${chat.id}/changes`)).status).toBe(401);
    });
  });

  // ---- 1b. socket sync ----------------------------------------------------------------------

  describe('socket sync', () => {
    it('sync {chatId, afterRev} answers exactly what GET /changes answers', async () => {
      const { a, b, chat } = await pair();
      const sent: any[] = [];
      for (let i = 1; i <= 6; i += 1) sent.push(await ctx.send(i % 2 ? a : b, chat.id, `m${i}`));
      expect((await edit(a, chat.id, sent[0].id, 'm1 edited')).status).toBe(200);
      expect((await remove(b, chat.id, sent[1].id)).status).toBe(204);
      // b's own reaction: `me` is computed for the reader in both forms.
      expect((await react(b, chat.id, sent[2].id, 'heart')).status).toBe(200);
      const socket = await online(b);

      for (const [afterRev, limit] of [
        [0, undefined],
        [0, 2],
        [3, 2],
        [5, 50],
        [10, 1],
        [999, 3],
      ] as [number, number | undefined][]) {
        const query = `afterRev=${afterRev}${limit === undefined ? '' : `&limit=${limit}`}`;
        const rest = await changes(b, chat.id, query);
        expect(rest.status).toBe(200);
        const ack = await send(socket, 'sync', {
          chatId: chat.id,
          afterRev,
          ...(limit === undefined ? {} : { limit }),
        });
        expect(ack).toEqual({ ok: true, ...rest.body });
      }
      const whole = await send(socket, 'sync', { chatId: chat.id, afterRev: 0 });
      expect(whole.messages.find((m: any) => m.id === sent[2].id).reactions).toEqual([
        { emoji: 'heart', count: 1, me: true },
      ]);
    });

    it('refuses more than one of afterRev, afterSeq and afterMessageId, and bad values', async () => {
      const { a, b, chat } = await pair();
      const first = await ctx.send(a, chat.id, 'hello');
      const socket = await online(b);
      for (const payload of [
        { chatId: chat.id, afterRev: 0, afterSeq: 0 },
        { chatId: chat.id, afterRev: 1, afterMessageId: first.id },
        { chatId: chat.id, afterSeq: 0, afterMessageId: first.id },
        { chatId: chat.id, afterRev: 0, afterSeq: 0, afterMessageId: 0 },
        { chatId: chat.id, afterRev: -1 },
        { chatId: chat.id, afterRev: '0' },
        { chatId: chat.id, afterRev: 1.5 },
        { chatId: chat.id, afterRev: null },
        { chatId: chat.id, afterRev: 0, limit: 0 },
        { chatId: chat.id, afterRev: 0, limit: 101 },
      ]) {
        expect({ payload, ack: await send(socket, 'sync', payload) }).toEqual({
          payload,
          ack: ackFailure('VALIDATION_FAILED'),
        });
      }
    });

    it('old sync {afterSeq} and {afterMessageId} still answer {messages, hasMore}, with the new fields', async () => {
      const { a, b, chat } = await pair();
      const sent: any[] = [];
      for (let i = 1; i <= 4; i += 1) sent.push(await ctx.send(a, chat.id, `m${i}`));
      const reply = await post(b, chat.id, { body: 'answer', replyToId: sent[0].id });
      expect(reply.status).toBe(201);
      const socket = await online(b);

      const bySeqAck = await send(socket, 'sync', { chatId: chat.id, afterSeq: 2, limit: 2 });
      expect(bySeqAck).toEqual({ ok: true, messages: [sent[2], sent[3]], hasMore: true });
      const rest = await send(socket, 'sync', { chatId: chat.id, afterSeq: 4 });
      expect(rest).toEqual({ ok: true, messages: [reply.body], hasMore: false });
      expect(rest.messages[0]).toMatchObject({
        rev: 6,
        replyTo: { id: sent[0].id, seq: 1, senderId: a.id, body: 'm1', deletedAt: null },
        reactions: [],
      });
      const byId = await send(socket, 'sync', { chatId: chat.id, afterMessageId: sent[1].id });
      expect(byId).toEqual({
        ok: true,
        messages: [sent[2], sent[3], reply.body],
        hasMore: false,
      });
      // Old sync is about new messages only: an edit does not bring an old one back.
      expect((await edit(a, chat.id, sent[0].id, 'm1 edited')).status).toBe(200);
      expect(await send(socket, 'sync', { chatId: chat.id, afterSeq: 5 })).toEqual({
        ok: true,
        messages: [],
        hasMore: false,
      });
    });
  });

  // ---- 2. offline edit of an old message ------------------------------------------------------

  it('an edit of seq 1 reaches a client that holds seq 100 and was offline during the edit', async () => {
    const { a, b, chat } = await pair();
    let bSocket = await online(b);
    const live = record(bSocket, 'message:new');
    // 100 messages, ten at a time.
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => ctx.send(a, chat.id, `m ${round * 10 + i + 1}`)),
      );
    }
    // The client holds everything up to seq 100, and the chat's lastRev.
    const copy = new Map((await fullHistory(b, chat.id)).map((m) => [m.id, m]));
    expect(bySeq(copy.values()).map((m) => m.seq)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    const held = (await getChat(b, chat.id)).lastRev;
    expect(held).toBe(101);
    expect(Math.max(...[...copy.values()].map((m) => m.rev))).toBe(held);
    await barrier(bSocket);
    expect(live).toHaveLength(100);

    bSocket.close();
    const [seq1, seq50] = [1, 50].map((seq) => bySeq(copy.values())[seq - 1]);
    const edited = await edit(a, chat.id, seq1.id, 'seq 1, edited while b was away');
    expect(edited.status).toBe(200);
    expect(edited.body.rev).toBe(102);
    expect((await remove(a, chat.id, seq50.id)).status).toBe(204);
    expect(await chatRow(chat.id)).toMatchObject({ lastSeq: 100, lastRev: 103 });

    bSocket = await online(b);
    const caughtUp = await send(bSocket, 'sync', { chatId: chat.id, afterRev: held });
    expect(caughtUp).toEqual({
      ok: true,
      messages: [
        {
          ...seq1,
          body: 'seq 1, edited while b was away',
          editedAt: expect.stringMatching(ISO_MS),
          rev: 102,
        },
        {
          ...seq50,
          body: null,
          deletedAt: expect.stringMatching(ISO_MS),
          deletedBy: a.id,
          rev: 103,
        },
      ],
      chat: null,
      upToRev: 103,
      hasMore: false,
    });
    applyPage(copy, caughtUp);
    expect(bySeq(copy.values())).toEqual(await fullHistory(b, chat.id));
    // Nothing further: the client is up to date.
    expect(await send(bSocket, 'sync', { chatId: chat.id, afterRev: caughtUp.upToRev })).toEqual({
      ok: true,
      messages: [],
      chat: null,
      upToRev: 103,
      hasMore: false,
    });
  });

  // ---- 3. rev order under concurrent writers --------------------------------------------------

  it('revs are unique and gap-free, each announced once, and in commit order for every writer, under 20 concurrent writers', async () => {
    const { owner, members, chat } = await group(4);
    const people = [owner, ...members];
    const seeds: any[] = [];
    for (const person of people)
      seeds.push(await ctx.send(person, chat.id, `seed of ${person.id}`));
    const socketOf = await Promise.all(people.map(online));
    const listener = await online(owner);
    const heard = recordFeed(listener, chat.id);
    await barrier(listener);
    const startRev = (await chatRow(chat.id)).lastRev;
    expect(startRev).toBe(1 + people.length);

    /** `rev`: the rev the answer carries (a delete's answer carries none: its event tells it). */
    type Outcome = {
      what: string;
      ok: boolean;
      message?: any;
      detail?: unknown;
      rev?: number;
      deletedId?: number;
    };
    const viaRest = async (what: string, res: Promise<HttpResponse>): Promise<Outcome> => {
      const r = await res;
      return { what, ok: r.status < 300, message: r.body, detail: r.status, rev: r.body?.rev };
    };
    const viaSocket = async (what: string, ack: Promise<any>): Promise<Outcome> => {
      const answer = await ack;
      const rev = (answer.message ?? answer.reaction)?.rev;
      return { what, ok: answer.ok === true, message: answer.message, detail: answer.error, rev };
    };

    const writer = async (i: number): Promise<Outcome[]> => {
      const u = i % people.length;
      const me = people[u];
      const socket = socketOf[u];
      const rest = i < 10;
      const outcomes: Outcome[] = [];
      const sendOne = (body: string, replyToId?: number) =>
        rest
          ? viaRest(`w${i} send`, post(me, chat.id, { body, ...(replyToId ? { replyToId } : {}) }))
          : viaSocket(
              `w${i} send`,
              send(socket, 'message:send', {
                chatId: chat.id,
                body,
                clientMessageId: `w${i}-${body.length}-${outcomes.length}`,
                ...(replyToId ? { replyToId } : {}),
              }),
            );
      const editOne = (messageId: number, body: string) =>
        rest
          ? viaRest(`w${i} edit`, edit(me, chat.id, messageId, body))
          : viaSocket(
              `w${i} edit`,
              send(socket, 'message:edit', { chatId: chat.id, messageId, body }),
            );

      const first = await sendOne(`w${i} first`);
      outcomes.push(first);
      const target = seeds[(u + 1) % people.length].id;
      outcomes.push(
        rest
          ? await viaRest(`w${i} react`, react(me, chat.id, target, `w${i}`))
          : await viaSocket(
              `w${i} react`,
              send(socket, 'reaction:set', {
                chatId: chat.id,
                messageId: target,
                emoji: `w${i}`,
                on: true,
              }),
            ),
      );
      outcomes.push(await editOne(seeds[u].id, `seed of ${me.id}, edited by w${i}`));
      const second = await sendOne(`w${i} second, a reply`, first.message?.id);
      outcomes.push(second);
      // Editing the first takes a rev for it and one for the reply to it.
      outcomes.push(await editOne(first.message?.id, `w${i} first, edited`));
      if (i % 4 === 0) {
        const deleted = rest
          ? await viaRest(`w${i} delete`, remove(me, chat.id, second.message?.id))
          : await viaSocket(
              `w${i} delete`,
              send(socket, 'message:delete', { chatId: chat.id, messageId: second.message?.id }),
            );
        outcomes.push({ ...deleted, deletedId: second.message?.id });
      }
      return outcomes;
    };

    const byWriter = await Promise.all(Array.from({ length: 20 }, (_, i) => writer(i)));
    const outcomes = byWriter.flat();
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);

    // Everything announced has arrived: the listener's own round trip comes after it.
    await barrier(listener);

    // Commit order: a writer sends each change only once the one before is answered, that is
    // committed, so its changes took their revs one after another, each above the one before.
    const deleteRevs = new Map(
      heard.filter((e) => e.event === 'message:deleted').map((e) => [e.messageId, e.rev]),
    );
    for (const [i, own] of byWriter.entries()) {
      const revs = own.map((o) =>
        o.deletedId === undefined ? o.rev : deleteRevs.get(o.deletedId),
      );
      const increasing = revs.every(
        (rev, k) => Number.isInteger(rev) && rev! > (k === 0 ? startRev : revs[k - 1]!),
      );
      expect({ writer: i, revs, increasing }).toEqual({ writer: i, revs, increasing: true });
    }
    const { lastRev } = await chatRow(chat.id);
    const rows = await messageRows(chat.id);
    // sends 40, reactions 20, seed edits 20, first edits 20 (+20 replies touched), deletes 5.
    expect(lastRev - startRev).toBe(40 + 20 + 20 + 20 + 20 + 5);

    // The table: one rev per message, unique within the chat, none beyond the chat's counter.
    const revs = rows.map((row) => row.rev);
    expect(new Set(revs).size).toBe(revs.length);
    expect(revs.filter((rev) => rev > lastRev || rev < 1)).toEqual([]);
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, i) => i + 1));

    // The live events: every rev from startRev + 1 to lastRev announced by exactly one event.
    const after = heard.filter((e) => e.rev > startRev);
    expect(heard.filter((e) => e.rev <= startRev)).toEqual([]);
    const announced = after.map((e) => e.rev);
    expect([...announced].sort((x, y) => x - y)).toEqual(
      Array.from({ length: lastRev - startRev }, (_, i) => startRev + 1 + i),
    );
    // And they arrived in rev order: on one replica sends, reactions, edits and deletes all go
    // through its group commit, one flush at a time, each announced as it commits. (Across
    // replicas nothing orders them: clients keep the highest rev they applied contiguously and sync
    // on a gap, docs/realtime.md; the convergence property test holds them to it.)
    expect(announced).toEqual([...announced].sort((x, y) => x - y));

    // Each message's rev in the table is the rev of the latest event about it.
    const lastEventRev = new Map<number, number>();
    for (const e of after) {
      if (e.messageId !== null) {
        lastEventRev.set(e.messageId, Math.max(e.rev, lastEventRev.get(e.messageId) ?? 0));
      }
    }
    for (const row of rows) {
      if (row.rev > startRev)
        expect({ id: row.id, rev: lastEventRev.get(row.id) }).toEqual({ id: row.id, rev: row.rev });
      else expect(lastEventRev.has(row.id)).toBe(false);
    }

    // The feed from startRev holds exactly the messages changed since, as history shows them.
    const { pages, upToRev } = await walk(owner, chat.id, startRev, 17);
    expect(upToRev).toBe(lastRev);
    const walked = pages.flatMap((page) => page.messages);
    expect(walked.map((m) => m.id)).toEqual(
      rows
        .filter((row) => row.rev > startRev)
        .sort((x, y) => x.rev - y.rev)
        .map((row) => row.id),
    );
    const history = new Map((await fullHistory(owner, chat.id)).map((m) => [m.id, m]));
    for (const message of walked) expect(message).toEqual(history.get(message.id));
  });

  // ---- 4. replies ---------------------------------------------------------------------------

  describe('replies', () => {
    it('replyToId over REST and the socket: the message carries replyTo, stored and announced', async () => {
      const { a, b, chat } = await pair();
      const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
      const target = await ctx.send(a, chat.id, 'the question');

      const arrival = nextEvent(aSocket, 'message:new', (m) => m.senderId === b.id);
      const overRest = await post(b, chat.id, { body: 'the answer', replyToId: target.id });
      expect(overRest.status).toBe(201);
      const preview = {
        id: target.id,
        seq: 1,
        senderId: a.id,
        body: 'the question',
        deletedAt: null,
      };
      expect(overRest.body).toMatchObject({ seq: 2, rev: 3, replyTo: preview, reactions: [] });
      expect(await arrival).toEqual(overRest.body);

      const seen = nextEvent(aSocket, 'message:new', (m) => m.clientMessageId === 'r-2');
      const ack = await send(bSocket, 'message:send', {
        chatId: chat.id,
        body: 'another answer',
        clientMessageId: 'r-2',
        replyToId: target.id,
      });
      expect(ack).toEqual({
        ok: true,
        message: expect.objectContaining({ seq: 3, rev: 4, replyTo: preview }),
      });
      expect(await seen).toEqual(ack.message);
      // A resend of the same clientMessageId: the first message, not a copy.
      const resend = await send(bSocket, 'message:send', {
        chatId: chat.id,
        body: 'another answer',
        clientMessageId: 'r-2',
        replyToId: target.id,
      });
      expect(resend).toEqual(ack);

      const history = await fullHistory(a, chat.id);
      expect(history.map((m) => m.replyTo)).toEqual([null, preview, preview]);
      expect((await messageRows(chat.id)).map((row) => row.replyToId)).toEqual([
        null,
        target.id,
        target.id,
      ]);
    });

    it('shows at most 200 characters of the target, counting characters, not UTF-16 units', async () => {
      const { a, b, chat } = await pair();
      const bSocket = await online(b);
      // 4000 characters: an astral emoji early on, and one as the 200th character.
      const body = `${'a'.repeat(10)}\u{1F600}${'b'.repeat(188)}\u{1F389}${'c'.repeat(3800)}`;
      expect(Array.from(body)).toHaveLength(4000);
      const target = await post(a, chat.id, { body });
      expect(target.status).toBe(201);
      expect(target.body.body).toBe(body);

      const expected = firstChars(body, PREVIEW);
      expect(expected.endsWith('\u{1F389}')).toBe(true);
      expect(expected).toHaveLength(PREVIEW + 2); // two surrogate pairs

      const overRest = await post(b, chat.id, { body: 'long one', replyToId: target.body.id });
      expect(overRest.status).toBe(201);
      expect(overRest.body.replyTo).toEqual({
        id: target.body.id,
        seq: 1,
        senderId: a.id,
        body: expected,
        deletedAt: null,
      });
      const ack = await send(bSocket, 'message:send', {
        chatId: chat.id,
        body: 'long two',
        clientMessageId: 'long-2',
        replyToId: target.body.id,
      });
      expect(ack.ok).toBe(true);
      expect(ack.message.replyTo.body).toBe(expected);
      const history = await fullHistory(b, chat.id);
      expect(history.slice(1).map((m) => m.replyTo.body)).toEqual([expected, expected]);
      const feed = (await changes(b, chat.id, 'afterRev=0')).body.messages;
      expect(feed.slice(1).map((m: any) => m.replyTo.body)).toEqual([expected, expected]);
      // The target itself keeps its whole body.
      expect(history[0].body).toBe(body);
    });

    it('refuses a target of another chat or a missing one with 400 REPLY_TARGET_INVALID, storing nothing', async () => {
      const { a, b, chat } = await pair();
      const c = await user('c');
      await ctx.befriend(a, c);
      const elsewhere = await ctx.directChat(a, c);
      const foreign = await ctx.send(a, elsewhere.id, 'in another chat');
      const own = await ctx.send(a, chat.id, 'in this chat');
      const bSocket = await online(b);
      const before = await chatRow(chat.id);
      expect(before).toMatchObject({ lastSeq: 1, lastRev: 2 });

      for (const replyToId of [foreign.id, own.id + 1000, MAX_SAFE]) {
        expectError(
          await post(b, chat.id, { body: 'nope', replyToId }),
          400,
          'REPLY_TARGET_INVALID',
        );
        expect(
          await send(bSocket, 'message:send', {
            chatId: chat.id,
            body: 'nope',
            clientMessageId: `nope-${replyToId}`,
            replyToId,
          }),
        ).toEqual(ackFailure('REPLY_TARGET_INVALID'));
      }
      expect(await chatRow(chat.id)).toEqual(before);
      expect((await messageRows(chat.id)).map((row) => row.id)).toEqual([own.id]);

      // No seq and no rev consumed: the next message takes the next ones.
      const next = await post(b, chat.id, { body: 'fine', replyToId: own.id });
      expect(next.status).toBe(201);
      expect(next.body).toMatchObject({ seq: 2, rev: 3 });
      // The refused clientMessageIds were not used up either.
      const retried = await send(bSocket, 'message:send', {
        chatId: chat.id,
        body: 'now fine',
        clientMessageId: `nope-${foreign.id}`,
      });
      expect(retried).toMatchObject({ ok: true, message: { seq: 3, rev: 4, replyTo: null } });
      // And the other chat is untouched.
      expect((await messageRows(elsewhere.id)).map((row) => row.id)).toEqual([foreign.id]);
    });

    it('answers an outsider 404, not 400, whatever the replyToId', async () => {
      const { a, chat } = await pair();
      const outsider = await user('outsider');
      const target = await ctx.send(a, chat.id, 'private');
      const outsiderSocket = await online(outsider);
      const before = await chatRow(chat.id);
      for (const replyToId of [target.id, target.id + 1000]) {
        expectError(
          await post(outsider, chat.id, { body: 'hi', replyToId }),
          404,
          'CHAT_NOT_FOUND',
        );
        expect(
          await send(outsiderSocket, 'message:send', {
            chatId: chat.id,
            body: 'hi',
            clientMessageId: `o-${replyToId}`,
            replyToId,
          }),
        ).toEqual(ackFailure('CHAT_NOT_FOUND'));
      }
      expect(await chatRow(chat.id)).toEqual(before);
      expect(await messageRows(chat.id)).toHaveLength(1);
    });

    it('refuses a replyToId that is not a positive integer with 400 VALIDATION_FAILED', async () => {
      const { a, b, chat } = await pair();
      await ctx.send(a, chat.id, 'target');
      const bSocket = await online(b);
      const before = await chatRow(chat.id);
      const bad: unknown[] = [0, -1, 'x', 1.5, null, '1', true, MAX_SAFE + 1];
      for (const replyToId of bad) {
        const res = await post(b, chat.id, { body: 'reply', replyToId });
        expect({ replyToId, status: res.status, code: res.body?.code }).toEqual({
          replyToId,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expectError(res, 400, 'VALIDATION_FAILED');
        const ack = await send(bSocket, 'message:send', {
          chatId: chat.id,
          body: 'reply',
          clientMessageId: 'bad-reply',
          replyToId,
        });
        expect({ replyToId, ack }).toEqual({ replyToId, ack: ackFailure('VALIDATION_FAILED') });
      }
      expect(await chatRow(chat.id)).toEqual(before);
    });

    it('deleting the target turns replyTo into a tombstone: in history, in the feed and live', async () => {
      const { a, b, chat } = await pair();
      const bSocket = await online(b);
      const target = await ctx.send(a, chat.id, 'regrettable');
      const first = (await post(b, chat.id, { body: 'what?', replyToId: target.id })).body;
      const unrelated = await ctx.send(a, chat.id, 'unrelated');
      const second = (await post(a, chat.id, { body: 'never mind', replyToId: target.id })).body;
      expect([first.rev, unrelated.rev, second.rev]).toEqual([3, 4, 5]);
      const held = 5;
      // Everything announced so far has arrived; from here on, only the delete's events.
      await barrier(bSocket);
      const heard = recordFeed(bSocket, chat.id);

      const updates = nextEvent(bSocket, 'message:updated', (m) => m.id === second.id);
      expect((await remove(a, chat.id, target.id)).status).toBe(204);
      await updates;
      await barrier(bSocket);
      const { deletedAt } = (await fullHistory(b, chat.id))[0];
      expect(deletedAt).toMatch(ISO_MS);
      const tombstone = { id: target.id, seq: 1, senderId: a.id, body: null, deletedAt };

      // Live: the delete (rev 6), then each reply with its new preview (revs 7, 8).
      expect(heard.map((e) => [e.event, e.messageId, e.rev])).toEqual([
        ['message:deleted', target.id, 6],
        ['message:updated', first.id, 7],
        ['message:updated', second.id, 8],
      ]);
      expect(heard[0].payload).toEqual({
        chatId: chat.id,
        messageId: target.id,
        rev: 6,
        deletedAt,
        deletedBy: a.id,
      });
      expect(heard[1].payload).toEqual({ ...first, rev: 7, replyTo: tombstone });
      expect(heard[2].payload).toEqual({ ...second, rev: 8, replyTo: tombstone });

      // History.
      const history = await fullHistory(b, chat.id);
      expect(history).toEqual([
        { ...target, body: null, deletedAt, deletedBy: a.id, rev: 6 },
        { ...first, rev: 7, replyTo: tombstone },
        unrelated,
        { ...second, rev: 8, replyTo: tombstone },
      ]);
      // The feed: the replies come after the delete, with revs beyond it.
      const feed = (await changes(b, chat.id, `afterRev=${held}`)).body;
      expect(feed).toEqual({
        messages: [history[0], history[1], history[3]],
        chat: null,
        upToRev: 8,
        hasMore: false,
      });
      expect(await chatRow(chat.id)).toMatchObject({ lastRev: 8 });
      expect((await messageRows(chat.id)).map((row) => [row.id, row.rev])).toEqual([
        [target.id, 6],
        [first.id, 7],
        [unrelated.id, 4],
        [second.id, 8],
      ]);
      // The deleted message can still be answered: the preview is a tombstone from the start.
      const late = await post(b, chat.id, { body: 'too late', replyToId: target.id });
      expect(late.status).toBe(201);
      expect(late.body).toMatchObject({ seq: 5, rev: 9, replyTo: tombstone });
    });

    it('editing the target updates the preview of its replies: in history, in the feed and live', async () => {
      const { a, b, chat } = await pair();
      const bSocket = await online(b);
      const target = await ctx.send(a, chat.id, 'draft');
      const reply = (await post(b, chat.id, { body: 'nice', replyToId: target.id })).body;
      const held = reply.rev;
      await barrier(bSocket);
      const heard = recordFeed(bSocket, chat.id);

      const longer = `${'\u{1F680}'.repeat(150)}${'z'.repeat(300)}`;
      const updated = nextEvent(bSocket, 'message:updated', (m) => m.id === reply.id);
      const edited = await edit(a, chat.id, target.id, longer);
      expect(edited.status).toBe(200);
      expect(edited.body.rev).toBe(held + 1);
      const preview = {
        id: target.id,
        seq: 1,
        senderId: a.id,
        body: firstChars(longer, PREVIEW),
        deletedAt: null,
      };
      expect(await updated).toEqual({ ...reply, rev: held + 2, replyTo: preview });
      await barrier(bSocket);
      expect(heard.map((e) => [e.event, e.messageId, e.rev])).toEqual([
        ['message:updated', target.id, held + 1],
        ['message:updated', reply.id, held + 2],
      ]);

      const history = await fullHistory(b, chat.id);
      expect(history[1]).toEqual({ ...reply, rev: held + 2, replyTo: preview });
      expect(history[1].replyTo.body).toBe(`${'\u{1F680}'.repeat(150)}${'z'.repeat(50)}`);
      expect((await changes(b, chat.id, `afterRev=${held}`)).body).toEqual({
        messages: [edited.body, history[1]],
        chat: null,
        upToRev: held + 2,
        hasMore: false,
      });
      expect(await chatRow(chat.id)).toMatchObject({ lastRev: held + 2 });
    });
  });

  // ---- 5. who may read the feed -------------------------------------------------------------

  describe('authorization', () => {
    it('a non-participant gets 404 over REST and the socket, for a chat that exists or not', async () => {
      const { a, chat } = await pair();
      await ctx.send(a, chat.id, 'private');
      const outsider = await user('outsider');
      const socket = await online(outsider);
      expectError(await changes(outsider, chat.id, 'afterRev=0'), 404, 'CHAT_NOT_FOUND');
      expectError(await changes(outsider, 2147483647, 'afterRev=0'), 404, 'CHAT_NOT_FOUND');
      expect(await send(socket, 'sync', { chatId: chat.id, afterRev: 0 })).toEqual(
        ackFailure('CHAT_NOT_FOUND'),
      );
      expect(await send(socket, 'sync', { chatId: chat.id, afterSeq: 0 })).toEqual(
        ackFailure('CHAT_NOT_FOUND'),
      );
    });

    it('a removed member gets 404 and no longer hears the chat; the others see the chat change', async () => {
      const { owner, members, chat } = await group(2);
      const [leaving, staying] = members;
      const message = await ctx.send(owner, chat.id, 'while all are in');
      const [ownerSocket, leavingSocket] = await Promise.all([online(owner), online(leaving)]);
      expect((await changes(leaving, chat.id, 'afterRev=0')).status).toBe(200);

      const removedEvent = nextEvent(leavingSocket, 'chat:member-removed');
      const removal = await t.http.delete(`/api/v1/chats/${chat.id}/participants/${leaving.id}`, {
        token: owner.accessToken,
      });
      expect(removal.status).toBe(204);
      expect(await removedEvent).toEqual({ chatId: chat.id, userId: leaving.id, rev: 3 });
      expect(await chatRow(chat.id)).toMatchObject({ lastRev: 3, rev: 3 });

      expectError(await changes(leaving, chat.id, 'afterRev=0'), 404, 'CHAT_NOT_FOUND');
      expectError(await changes(leaving, chat.id, 'afterRev=3'), 404, 'CHAT_NOT_FOUND');
      expect(await send(leavingSocket, 'sync', { chatId: chat.id, afterRev: 0 })).toEqual(
        ackFailure('CHAT_NOT_FOUND'),
      );

      // Changes after the removal reach the room, not the removed member.
      await barrier(ownerSocket);
      const heardByLeaver = recordFeed(leavingSocket, chat.id);
      const heardByOwner = recordFeed(ownerSocket, chat.id);
      const later = await ctx.send(owner, chat.id, 'after the removal');
      expect((await edit(owner, chat.id, message.id, 'edited after')).status).toBe(200);
      expect((await react(staying, chat.id, later.id, 'eyes')).status).toBe(200);
      expect((await remove(owner, chat.id, later.id)).status).toBe(204);
      await barrier(ownerSocket);
      await barrier(leavingSocket);
      expect(heardByOwner.map((e) => e.rev)).toEqual([4, 5, 6, 7]);
      expect(heardByLeaver).toEqual([]);

      // Those who stay see the chat without them in the feed.
      const feed = (await changes(staying, chat.id, 'afterRev=2')).body;
      expect(feed.chat).toEqual(await getChat(staying, chat.id));
      expect(feed.chat.participants.map((p: any) => p.userId)).not.toContain(leaving.id);
      expect(feed.messages.map((m: any) => m.rev)).toEqual([5, 7]);
      expect(feed.upToRev).toBe(7);
    });
  });

  // ---- 6. what a page costs -----------------------------------------------------------------

  it('reads the reactions of a whole page with it: 40 messages take the statements 2 do, in history and in the feed', async () => {
    const { owner, members, chat: small } = await group(2);
    const big = await ctx.group(owner, uniqueUsername('g'), members);
    const [reader, other] = members;
    const THUMBS = '\u{1F44D}';
    const PARTY = '\u{1F389}';
    // Message i: the owner's thumbs up, and the reader's thumbs up (even i) or the other's party.
    const fill = async (chatId: number, n: number) => {
      for (let i = 0; i < n; i += 1) {
        const message = await ctx.send(owner, chatId, `m${i}`);
        const [who, emoji] = i % 2 === 0 ? [reader, THUMBS] : [other, PARTY];
        const answers = await Promise.all([
          react(owner, chatId, message.id, THUMBS),
          react(who, chatId, message.id, emoji),
        ]);
        expect(answers.map((res) => res.status)).toEqual([200, 200]);
      }
    };
    await fill(small.id, 2);
    await fill(big.id, 40);
    const reactionsOf = (body: string) =>
      Number(body.slice(1)) % 2 === 0
        ? [{ emoji: THUMBS, count: 2, me: true }]
        : [
            { emoji: PARTY, count: 1, me: false },
            { emoji: THUMBS, count: 1, me: false },
          ];

    const pages: [string, (chatId: number) => string, (body: any) => any[]][] = [
      ['history', (chatId) => `/api/v1/chats/${chatId}/messages?limit=100`, (body) => body.items],
      [
        'feed',
        (chatId) => `/api/v1/chats/${chatId}/changes?afterRev=0&limit=100`,
        (body) => body.messages,
      ],
    ];
    for (const [page, pathOf, messagesOf] of pages) {
      const cost = async (chatId: number, size: number) => {
        const get = () => t.http.get(pathOf(chatId), { token: reader.accessToken });
        // Once before counting, so that both counts are taken alike, whatever is cached.
        expect((await get()).status).toBe(200);
        const [res, statements] = await statementsDuring(
          (text) => /message|chat_/.test(text) && !/pgboss/.test(text),
          get,
        );
        expect(res.status).toBe(200);
        const messages = messagesOf(res.body);
        expect(messages).toHaveLength(size);
        for (const message of messages) {
          expect({ body: message.body, reactions: message.reactions }).toEqual({
            body: message.body,
            reactions: reactionsOf(message.body),
          });
        }
        return statements;
      };
      const two = await cost(small.id, 2);
      const forty = await cost(big.id, 40);
      expect({ page, statements: forty }).toEqual({ page, statements: two });
      expect(two.filter((text) => /message_reactions/.test(text))).toHaveLength(1);
    }
  });
});
