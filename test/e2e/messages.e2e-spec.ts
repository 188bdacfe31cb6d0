import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChatsEvents } from '../../src/chats/events/chats.events';
import { MessagesEvents } from '../../src/messages/events/messages.events';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { startTestApp, TestApp } from '../utils/test-app';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX_ID = 2147483647;
const BAD_CHAT_IDS = ['abc', '0', '-1', '1e3', '0x10', '99999999999999999999'];
const BAD_MESSAGE_IDS = ['abc', '0', '-1', '1e3', '99999999999999999999'];

interface CapturedEvent {
  name: string;
  payload: any;
}

/** The base64url JSON the server uses for cursors, to build well-formed but hostile ones. */
const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('messages', () => {
  let t: TestApp;
  let ctx: TestContext;
  let events: CapturedEvent[];
  const detach: (() => void)[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
    const emitter = t.app.get(EventEmitter2);
    for (const name of [...Object.values(ChatsEvents), ...Object.values(MessagesEvents)]) {
      const listener = (payload: unknown) => events.push({ name, payload });
      emitter.on(name, listener);
      detach.push(() => emitter.off(name, listener));
    }
  });
  beforeEach(() => {
    events = [];
  });
  afterAll(async () => {
    detach.forEach((off) => off());
    await t.close();
  });

  // ---- helpers -------------------------------------------------------------------------------

  const user = (prefix = 'msg') => ctx.newUser(uniqueUsername(prefix));

  /** Two friends and their direct chat. */
  async function pair(): Promise<{ a: Session; b: Session; chat: any }> {
    const a = await user('a');
    const b = await user('b');
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    events = [];
    return { a, b, chat };
  }

  const post = (me: Session, chatId: unknown, body: unknown) =>
    t.http.post(`/api/v1/chats/${chatId}/messages`, { token: me.accessToken, body });
  const history = (me: Session, chatId: unknown, query = '') =>
    t.http.get(`/api/v1/chats/${chatId}/messages${query ? `?${query}` : ''}`, {
      token: me.accessToken,
    });
  const edit = (me: Session, chatId: unknown, messageId: unknown, body: unknown) =>
    t.http.patch(`/api/v1/chats/${chatId}/messages/${messageId}`, {
      token: me.accessToken,
      body: { body },
    });
  const remove = (me: Session, chatId: unknown, messageId: unknown) =>
    t.http.delete(`/api/v1/chats/${chatId}/messages/${messageId}`, { token: me.accessToken });
  const read = (me: Session, chatId: unknown, body: unknown) =>
    t.http.post(`/api/v1/chats/${chatId}/read`, { token: me.accessToken, body });
  const unreadOf = async (me: Session, chatId: number): Promise<number> => {
    const res = await t.http.get(`/api/v1/chats/${chatId}`, { token: me.accessToken });
    expect(res.status).toBe(200);
    return res.body.unreadCount;
  };
  async function markerOf(me: Session, chatId: number) {
    const { rows } = await t.db.query(
      `SELECT last_read_message_id::int AS "messageId", last_read_seq::int AS seq
         FROM chat_participants WHERE chat_id = $1 AND user_id = $2`,
      [chatId, me.id],
    );
    return rows[0];
  }
  async function rowOf(messageId: number) {
    const { rows } = await t.db.query(
      `SELECT chat_id, seq::int AS seq, sender_id, body, client_message_id,
              edited_at, deleted_at FROM messages WHERE id = $1`,
      [messageId],
    );
    return rows[0];
  }
  const countIn = async (chatId: number): Promise<number> => {
    const { rows } = await t.db.query(
      'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
      [chatId],
    );
    return rows[0].n;
  };

  // ---- sending -------------------------------------------------------------------------------

  describe('POST /chats/:chatId/messages', () => {
    it('stores the trimmed body and answers 201 with the message', async () => {
      const { a, chat } = await pair();
      const res = await post(a, chat.id, { body: '  helloo \n', clientMessageId: 'c-1' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        chatId: chat.id,
        seq: 1,
        rev: 2,
        senderId: a.id,
        body: 'helloo',
        clientMessageId: 'c-1',
        createdAt: expect.stringMatching(ISO_MS),
        editedAt: null,
        deletedAt: null,
        deletedBy: null,
        replyTo: null,
        reactions: [],
        mentions: [],
        attachmentCount: 0,
        attachments: [],
      });
      expect(await rowOf(res.body.id)).toEqual({
        chat_id: chat.id,
        seq: 1,
        sender_id: a.id,
        body: 'helloo',
        client_message_id: 'c-1',
        edited_at: null,
        deleted_at: null,
      });
      const withoutId = await post(a, chat.id, { body: 'no client id' });
      expect(withoutId.status).toBe(201);
      expect(withoutId.body).toMatchObject({ seq: 2, clientMessageId: null });
    });

    it('takes 4000 characters after trimming, not 4001', async () => {
      const { a, chat } = await pair();
      const longest = await post(a, chat.id, { body: `  ${'x'.repeat(4000)}  ` });
      expect(longest.status).toBe(201);
      expect(longest.body.body).toHaveLength(4000);
      expectError(await post(a, chat.id, { body: 'x'.repeat(4001) }), 400, 'VALIDATION_FAILED');
      expect(await countIn(chat.id)).toBe(1);
    });

    it('counts an emoji as one character (4000 of them fit)', async () => {
      const { a, chat } = await pair();
      const res = await post(a, chat.id, { body: '😀'.repeat(4000) });
      expect(res.status).toBe(201);
      expect(res.body.body).toBe('😀'.repeat(4000));
    });

    // "❤️" is two code points (U+2764 U+FE0F): 4000 of them are 8000 characters to PostgreSQL.
    it('answers a body the database cannot hold with 400, never a 500', async () => {
      const { a, chat } = await pair();
      const res = await post(a, chat.id, { body: '\u2764\uFE0F'.repeat(4000) });
      expectError(res, 400);
      expect(await countIn(chat.id)).toBe(0);
    });

    it('answers an edit the database cannot hold with 400, never a 500', async () => {
      const { a, chat } = await pair();
      const sent = await ctx.send(a, chat.id, 'short');
      const res = await edit(a, chat.id, sent.id, '\u2764\uFE0F'.repeat(4000));
      expectError(res, 400);
      expect(await rowOf(sent.id)).toMatchObject({ body: 'short', edited_at: null });
    });

    it.each([
      ['an empty body', { body: '' }],
      ['a blank body', { body: '   \n\t ' }],
      ['a body of 4001 characters', { body: 'y'.repeat(4001) }],
      ['a NUL character', { body: 'a\u0000b' }],
      ['a number', { body: 42 }],
      ['null', { body: null }],
      ['an array', { body: ['hi'] }],
      ['an object', { body: { text: 'hi' } }],
      ['a missing body', {}],
      ['an extra field', { body: 'hi', senderId: 1 }],
      ['a clientMessageId of 65 characters', { body: 'hi', clientMessageId: 'c'.repeat(65) }],
      ['a clientMessageId with a space', { body: 'hi', clientMessageId: 'has space' }],
      ['an empty clientMessageId', { body: 'hi', clientMessageId: '' }],
      ['a null clientMessageId', { body: 'hi', clientMessageId: null }],
      ['a numeric clientMessageId', { body: 'hi', clientMessageId: 12 }],
      ['a clientMessageId with a slash', { body: 'hi', clientMessageId: 'a/b' }],
      ['a non-ASCII clientMessageId', { body: 'hi', clientMessageId: 'über' }],
    ])('refuses %s with 400 and stores nothing', async (_label, body) => {
      const { a, chat } = await pair();
      expectError(await post(a, chat.id, body), 400, 'VALIDATION_FAILED');
      expect(await countIn(chat.id)).toBe(0);
      expect(events).toEqual([]);
    });

    it('refuses a body that is not a JSON object (400)', async () => {
      const { a, chat } = await pair();
      const res = await t.http.post(`/api/v1/chats/${chat.id}/messages`, {
        token: a.accessToken,
        rawBody: '["hi"]',
        headers: { 'content-type': 'application/json' },
      });
      expectError(res, 400);
    });

    it('takes a clientMessageId of 64 letters, digits and _ . : -', async () => {
      const { a, chat } = await pair();
      const id = `Az09_.:-${'k'.repeat(56)}`;
      expect(id).toHaveLength(64);
      const res = await post(a, chat.id, { body: 'ok', clientMessageId: id });
      expect(res.status).toBe(201);
      expect(res.body.clientMessageId).toBe(id);
    });

    it('numbers messages 1, 2, 3 per chat, independently across chats', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      await ctx.befriend(a, b);
      await ctx.befriend(a, c);
      const ab = await ctx.directChat(a, b);
      const group = await ctx.group(a, 'seqs', [b, c]);
      const seqs: [string, number][] = [];
      seqs.push(['ab', (await ctx.send(a, ab.id, '1')).seq]);
      seqs.push(['g', (await ctx.send(b, group.id, '1')).seq]);
      seqs.push(['ab', (await ctx.send(b, ab.id, '2')).seq]);
      seqs.push(['ab', (await ctx.send(a, ab.id, '3')).seq]);
      seqs.push(['g', (await ctx.send(c, group.id, '2')).seq]);
      seqs.push(['g', (await ctx.send(a, group.id, '3')).seq]);
      expect(seqs).toEqual([
        ['ab', 1],
        ['g', 1],
        ['ab', 2],
        ['ab', 3],
        ['g', 2],
        ['g', 3],
      ]);
    });

    it("keeps my own unreadCount at 0 and raises the others'", async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      await ctx.befriend(a, b);
      await ctx.befriend(a, c);
      const group = await ctx.group(a, 'unread', [b, c]);
      await ctx.send(a, group.id, 'one');
      await ctx.send(a, group.id, 'two');
      expect([await unreadOf(a, group.id), await unreadOf(b, group.id)]).toEqual([0, 2]);
      await ctx.send(b, group.id, 'three');
      expect(await unreadOf(a, group.id)).toBe(1);
      // b's own message counts b as having read up to it.
      expect(await unreadOf(b, group.id)).toBe(0);
      expect(await unreadOf(c, group.id)).toBe(3);
    });
  });

  // ---- who may touch a chat ------------------------------------------------------------------

  describe('access', () => {
    it('answers 404 CHAT_NOT_FOUND to a non-participant on every route, showing nothing', async () => {
      const { a, chat } = await pair();
      const secret = await ctx.send(a, chat.id, 'top secret');
      const outsider = await user('out');
      events = [];
      const answers = [
        await history(outsider, chat.id),
        await post(outsider, chat.id, { body: 'let me in' }),
        await edit(outsider, chat.id, secret.id, 'changed'),
        await remove(outsider, chat.id, secret.id),
        await read(outsider, chat.id, { messageId: secret.id }),
      ];
      const nonexistent = await history(outsider, MAX_ID);
      for (const res of answers) {
        expectError(res, 404, 'CHAT_NOT_FOUND');
        expect(res.body).toEqual(nonexistent.body);
        expect(res.text).not.toContain('top secret');
        expect(res.text).not.toContain(chat.topic);
      }
      expect(await rowOf(secret.id)).toMatchObject({ body: 'top secret', deleted_at: null });
      expect(await countIn(chat.id)).toBe(1);
      expect(await markerOf(outsider, chat.id)).toBeUndefined();
      expect(events).toEqual([]);
    });

    it('needs a token on every messages route (401)', async () => {
      const { a, chat } = await pair();
      const message = await ctx.send(a, chat.id, 'hi');
      const routes: [string, string, unknown][] = [
        ['GET', `/api/v1/chats/${chat.id}/messages`, undefined],
        ['POST', `/api/v1/chats/${chat.id}/messages`, { body: 'hi' }],
        ['PATCH', `/api/v1/chats/${chat.id}/messages/${message.id}`, { body: 'x' }],
        ['DELETE', `/api/v1/chats/${chat.id}/messages/${message.id}`, undefined],
        ['POST', `/api/v1/chats/${chat.id}/read`, { messageId: message.id }],
      ];
      for (const [method, path, body] of routes) {
        const res = await t.http.request(method, path, { body });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
        expect(res.body.code).toBe('TOKEN_MISSING');
      }
      expect(await rowOf(message.id)).toMatchObject({ body: 'hi', deleted_at: null });
    });

    it.each(BAD_CHAT_IDS)('refuses chatId %p with 400 on every route', async (id) => {
      const { a } = await pair();
      const answers = [
        await history(a, id),
        await post(a, id, { body: 'hi' }),
        await edit(a, id, 1, 'x'),
        await remove(a, id, 1),
        await read(a, id, { messageId: 1 }),
      ];
      for (const res of answers) expectError(res, 400, 'VALIDATION_FAILED');
    });

    it.each(BAD_MESSAGE_IDS)('refuses messageId %p with 400 on PATCH and DELETE', async (id) => {
      const { a, chat } = await pair();
      expectError(await edit(a, chat.id, id, 'x'), 400, 'VALIDATION_FAILED');
      expectError(await remove(a, chat.id, id), 400, 'VALIDATION_FAILED');
    });
  });

  describe('direct chat after a block', () => {
    it.each([
      ['a blocks b', true],
      ['b blocks a', false],
    ])('%s: neither can send (403), both still read the history', async (_label, aBlocks) => {
      const { a, b, chat } = await pair();
      await ctx.send(a, chat.id, 'before the block');
      const blocker = aBlocks ? a : b;
      const blocked = aBlocks ? b : a;
      const res = await t.http.post('/api/v1/blocks', {
        token: blocker.accessToken,
        body: { userId: blocked.id },
      });
      expect(res.status).toBe(201);
      events = [];

      expectError(await post(a, chat.id, { body: 'from a' }), 403, 'DIRECT_CHAT_NOT_ALLOWED');
      expectError(await post(b, chat.id, { body: 'from b' }), 403, 'DIRECT_CHAT_NOT_ALLOWED');
      expect(await countIn(chat.id)).toBe(1);
      expect(events).toEqual([]);
      for (const who of [a, b]) {
        const past = await history(who, chat.id);
        expect(past.status).toBe(200);
        expect(past.body.items.map((m: any) => m.body)).toEqual(['before the block']);
      }
    });
  });

  // ---- history -------------------------------------------------------------------------------

  describe('GET /chats/:chatId/messages', () => {
    it('lists newest first; before= walks back newest first; after= walks forward oldest first', async () => {
      const { a, b, chat } = await pair();
      const sent: any[] = [];
      for (let i = 1; i <= 6; i += 1) sent.push(await ctx.send(i % 2 ? a : b, chat.id, `m${i}`));
      const ids = sent.map((m) => m.id);

      const all = await history(a, chat.id);
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ items: [...sent].reverse(), nextCursor: null });

      const before = await history(a, chat.id, `before=${ids[3]}`);
      expect(before.body.items.map((m: any) => m.body)).toEqual(['m3', 'm2', 'm1']);

      const after = await history(b, chat.id, `after=${ids[2]}`);
      expect(after.body.items.map((m: any) => m.body)).toEqual(['m4', 'm5', 'm6']);

      const limited = await history(a, chat.id, `limit=2`);
      expect(limited.body.items.map((m: any) => m.body)).toEqual(['m6', 'm5']);
      expect(typeof limited.body.nextCursor).toBe('string');
      const next = await history(a, chat.id, `limit=2&cursor=${limited.body.nextCursor}`);
      expect(next.body.items.map((m: any) => m.body)).toEqual(['m4', 'm3']);

      const limitedAfter = await history(a, chat.id, `after=${ids[0]}&limit=2`);
      expect(limitedAfter.body.items.map((m: any) => m.body)).toEqual(['m2', 'm3']);
      const nextAfter = await history(a, chat.id, `limit=2&cursor=${limitedAfter.body.nextCursor}`);
      expect(nextAfter.body.items.map((m: any) => m.body)).toEqual(['m4', 'm5']);

      expect((await history(a, chat.id, `after=${ids[5]}`)).body).toEqual({
        items: [],
        nextCursor: null,
      });
      expect((await history(a, chat.id, `before=${ids[0]}`)).body.items).toEqual([]);
      expect((await history(a, chat.id, 'limit=1')).body.items).toHaveLength(1);
      expect((await history(a, chat.id, 'limit=100')).body.items).toHaveLength(6);
    });

    it('treats a message id of another chat in before/after as a bound, nothing more', async () => {
      const { a, chat } = await pair();
      const other = await pair();
      const m1 = await ctx.send(a, chat.id, 'm1');
      const foreign = await ctx.send(other.a, other.chat.id, 'elsewhere');
      const m2 = await ctx.send(a, chat.id, 'm2');
      expect(m1.id < foreign.id && foreign.id < m2.id).toBe(true);

      const before = await history(a, chat.id, `before=${foreign.id}`);
      expect(before.status).toBe(200);
      expect(before.body.items.map((m: any) => m.id)).toEqual([m1.id]);
      const after = await history(a, chat.id, `after=${foreign.id}`);
      expect(after.status).toBe(200);
      expect(after.body.items.map((m: any) => m.id)).toEqual([m2.id]);
      expect(after.text).not.toContain('elsewhere');
    });

    it.each([
      ['limit=0'],
      ['limit=101'],
      ['limit=abc'],
      ['limit=-1'],
      ['before=1e3'],
      ['before=-1'],
      ['before=abc'],
      ['after=1e3'],
      ['after=-1'],
      ['after=1.5'],
      ['before=99999999999999999999'],
    ])('refuses %s with 400', async (query) => {
      const { a, chat } = await pair();
      expectError(await history(a, chat.id, query), 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['not base64 JSON', '%%%'],
      ['a cursor of the chat list', cursorOf({ at: '2022-11-15T12:00:00.000Z', id: 1 })],
      ['a fractional bound', cursorOf({ before: 1.5 })],
      // Passes as a bound through `before`, then sends `after` to the database as is.
      ['a cursor with a bad second bound', cursorOf({ before: 5, after: 'x' })],
    ])('refuses %s as cursor with 400 INVALID_CURSOR', async (_label, cursor) => {
      const { a, chat } = await pair();
      await ctx.send(a, chat.id, 'hi');
      const res = await history(a, chat.id, `cursor=${encodeURIComponent(cursor)}`);
      expectError(res, 400, 'INVALID_CURSOR');
    });
  });

  // ---- editing -------------------------------------------------------------------------------

  describe('PATCH /chats/:chatId/messages/:messageId', () => {
    it('lets the sender edit: 200 with editedAt, trimmed body, message.updated', async () => {
      const { a, chat } = await pair();
      const sent = await ctx.send(a, chat.id, 'frist', 'e-1');
      events = [];
      const res = await edit(a, chat.id, sent.id, '  first  ');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...sent,
        body: 'first',
        editedAt: expect.stringMatching(ISO_MS),
        rev: sent.rev + 1,
      });
      expect(new Date(res.body.editedAt).getTime()).toBeGreaterThanOrEqual(
        new Date(sent.createdAt).getTime(),
      );
      const row = await rowOf(sent.id);
      expect(row.body).toBe('first');
      expect(row.edited_at).toBeInstanceOf(Date);
      expect(events).toEqual([
        { name: MessagesEvents.updated, payload: { message: res.body, topic: chat.topic } },
      ]);
      const listed = await history(a, chat.id);
      expect(listed.body.items).toEqual([res.body]);
    });

    it('refuses the other participant (403 NOT_MESSAGE_SENDER)', async () => {
      const { a, b, chat } = await pair();
      const sent = await ctx.send(a, chat.id, 'mine');
      events = [];
      expectError(await edit(b, chat.id, sent.id, 'yours now'), 403, 'NOT_MESSAGE_SENDER');
      expect(await rowOf(sent.id)).toMatchObject({ body: 'mine', edited_at: null });
      expect(events).toEqual([]);
    });

    it.each([
      ['empty', ''],
      ['blank', '    '],
      ['4001 characters', 'z'.repeat(4001)],
      ['holding a NUL', 'a\u0000'],
      ['a number', 7],
      ['null', null],
    ])('refuses a body that is %s with 400', async (_label, body) => {
      const { a, chat } = await pair();
      const sent = await ctx.send(a, chat.id, 'unchanged');
      events = [];
      expectError(await edit(a, chat.id, sent.id, body), 400, 'VALIDATION_FAILED');
      expect(await rowOf(sent.id)).toMatchObject({ body: 'unchanged', edited_at: null });
      expect(events).toEqual([]);
    });

    it('refuses extra fields (400) and takes 4000 characters', async () => {
      const { a, chat } = await pair();
      const sent = await ctx.send(a, chat.id, 'x');
      const extra = await t.http.patch(`/api/v1/chats/${chat.id}/messages/${sent.id}`, {
        token: a.accessToken,
        body: { body: 'y', clientMessageId: 'z' },
      });
      expectError(extra, 400, 'VALIDATION_FAILED');
      const longest = await edit(a, chat.id, sent.id, 'w'.repeat(4000));
      expect(longest.status).toBe(200);
      expect(longest.body.body).toHaveLength(4000);
    });

    it('refuses to edit a deleted message (409 MESSAGE_DELETED)', async () => {
      const { a, chat } = await pair();
      const sent = await ctx.send(a, chat.id, 'soon gone');
      expect((await remove(a, chat.id, sent.id)).status).toBe(204);
      events = [];
      expectError(await edit(a, chat.id, sent.id, 'back'), 409, 'MESSAGE_DELETED');
      expect(await rowOf(sent.id)).toMatchObject({ body: null, edited_at: null });
      expect(events).toEqual([]);
    });

    it('answers 404 MESSAGE_NOT_FOUND for a message of another chat or none at all', async () => {
      const { a, b, chat } = await pair();
      const c = await user();
      await ctx.befriend(a, c);
      const otherChat = await ctx.directChat(a, c);
      const elsewhere = await ctx.send(a, otherChat.id, 'in the other chat');
      events = [];
      expectError(await edit(a, chat.id, elsewhere.id, 'moved?'), 404, 'MESSAGE_NOT_FOUND');
      expectError(await edit(b, chat.id, elsewhere.id, 'moved?'), 404, 'MESSAGE_NOT_FOUND');
      expectError(await edit(a, chat.id, 2 ** 40, 'none'), 404, 'MESSAGE_NOT_FOUND');
      expect(await rowOf(elsewhere.id)).toMatchObject({ body: 'in the other chat' });
      expect(events).toEqual([]);
    });
  });

  // ---- deleting ------------------------------------------------------------------------------

  describe('DELETE /chats/:chatId/messages/:messageId', () => {
    it('leaves a tombstone in place (204), publishes message.deleted once', async () => {
      const { a, b, chat } = await pair();
      const first = await ctx.send(a, chat.id, 'first');
      const doomed = await ctx.send(a, chat.id, 'regret', 'r-1');
      const last = await ctx.send(b, chat.id, 'last');
      events = [];

      const res = await remove(a, chat.id, doomed.id);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(events).toEqual([
        {
          name: MessagesEvents.deleted,
          payload: {
            chatId: chat.id,
            messageId: doomed.id,
            topic: chat.topic,
            rev: last.rev + 1,
            deletedAt: expect.stringMatching(ISO_MS),
            deletedBy: a.id,
          },
        },
      ]);

      const row = await rowOf(doomed.id);
      expect(row).toMatchObject({ body: null, seq: 2, sender_id: a.id });
      expect(row.deleted_at).toBeInstanceOf(Date);
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM messages WHERE id = $1 AND body IS NULL AND deleted_at IS NOT NULL',
        [doomed.id],
      );
      expect(rows[0].n).toBe(1);

      const listed = await history(b, chat.id);
      expect(listed.body.items).toEqual([
        last,
        {
          ...doomed,
          body: null,
          deletedAt: expect.stringMatching(ISO_MS),
          deletedBy: a.id,
          rev: last.rev + 1,
        },
        first,
      ]);
      expect(listed.text).not.toContain('regret');

      events = [];
      const again = await remove(a, chat.id, doomed.id);
      expect(again.status).toBe(204);
      expect(events).toEqual([]);
      expect((await rowOf(doomed.id)).deleted_at).toEqual(row.deleted_at);
    });

    it('refuses the other participant (403 NOT_MESSAGE_SENDER)', async () => {
      const { a, b, chat } = await pair();
      const sent = await ctx.send(a, chat.id, 'keep me');
      events = [];
      expectError(await remove(b, chat.id, sent.id), 403, 'NOT_MESSAGE_SENDER');
      expect(await rowOf(sent.id)).toMatchObject({ body: 'keep me', deleted_at: null });
      expect(events).toEqual([]);
    });

    it('answers 404 MESSAGE_NOT_FOUND for a message of another chat', async () => {
      const { a, chat } = await pair();
      const other = await pair();
      const elsewhere = await ctx.send(other.a, other.chat.id, 'not here');
      const mineElsewhere = await ctx.send(a, (await ctx.group(a, 'solo', [])).id, 'mine');
      events = [];
      expectError(await remove(a, chat.id, elsewhere.id), 404, 'MESSAGE_NOT_FOUND');
      expectError(await remove(a, chat.id, mineElsewhere.id), 404, 'MESSAGE_NOT_FOUND');
      expectError(await remove(a, chat.id, 2 ** 40), 404, 'MESSAGE_NOT_FOUND');
      expect(await rowOf(mineElsewhere.id)).toMatchObject({ body: 'mine', deleted_at: null });
      expect(events).toEqual([]);
    });
  });

  // ---- edit and delete at the same time -----------------------------------------------------

  describe('concurrent edit and delete', () => {
    it('answers an edit racing a delete with 200 or 409, never a 500; a tombstone remains', async () => {
      const { a, b, chat } = await pair();
      for (let round = 0; round < 5; round += 1) {
        const sent = await ctx.send(a, chat.id, `round ${round}`);
        const [deleted, edited] = await Promise.all([
          remove(a, chat.id, sent.id),
          edit(a, chat.id, sent.id, 'edited meanwhile'),
        ]);
        const editStatus = [200, 409].includes(edited.status) ? '200 or 409' : edited.status;
        expect({ round, deleted: deleted.status, edited: editStatus }).toEqual({
          round,
          deleted: 204,
          edited: '200 or 409',
        });
        expect(await rowOf(sent.id)).toMatchObject({ body: null, deleted_at: expect.any(Date) });
        const chatView = await t.http.get(`/api/v1/chats/${chat.id}`, { token: b.accessToken });
        expect(chatView.body.lastMessage).toMatchObject({ id: sent.id, body: null });
      }
    });

    it('publishes one message.deleted for two concurrent deletes of a message', async () => {
      const { a, chat } = await pair();
      for (let round = 0; round < 5; round += 1) {
        const sent = await ctx.send(a, chat.id, `round ${round}`);
        events = [];
        const results = await Promise.all([
          remove(a, chat.id, sent.id),
          remove(a, chat.id, sent.id),
        ]);
        expect(results.map((r) => r.status)).toEqual([204, 204]);
        expect({
          round,
          deletedEvents: eventsNamed(events, MessagesEvents.deleted).length,
        }).toEqual({ round, deletedEvents: 1 });
      }
    });
  });

  // ---- read markers --------------------------------------------------------------------------

  describe('POST /chats/:chatId/read', () => {
    it('moves my marker forward (204): unread drops to the newer messages from others', async () => {
      const { a, b, chat } = await pair();
      const sent: any[] = [];
      for (let i = 1; i <= 5; i += 1) sent.push(await ctx.send(b, chat.id, `m${i}`));
      expect(await unreadOf(a, chat.id)).toBe(5);
      events = [];

      const res = await read(a, chat.id, { messageId: sent[1].id });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await unreadOf(a, chat.id)).toBe(3);
      expect(await markerOf(a, chat.id)).toEqual({ messageId: sent[1].id, seq: 2 });
      expect(events).toEqual([
        {
          name: ChatsEvents.read,
          payload: {
            chatId: chat.id,
            topic: chat.topic,
            userId: a.id,
            messageId: sent[1].id,
            shared: true,
          },
        },
      ]);
      // b's count is unaffected.
      expect(await unreadOf(b, chat.id)).toBe(0);

      events = [];
      expect((await read(a, chat.id, { messageId: sent[4].id })).status).toBe(204);
      expect(await unreadOf(a, chat.id)).toBe(0);
      expect(eventsNamed(events, ChatsEvents.read)).toHaveLength(1);
    });

    it('never moves the marker back, and publishes nothing when it does not move', async () => {
      const { a, b, chat } = await pair();
      const sent: any[] = [];
      for (let i = 1; i <= 5; i += 1) sent.push(await ctx.send(b, chat.id, `m${i}`));
      expect((await read(a, chat.id, { messageId: sent[3].id })).status).toBe(204);
      expect(await unreadOf(a, chat.id)).toBe(1);
      const marker = await markerOf(a, chat.id);
      events = [];

      expect((await read(a, chat.id, { messageId: sent[0].id })).status).toBe(204);
      expect((await read(a, chat.id, { messageId: sent[3].id })).status).toBe(204);
      expect(await unreadOf(a, chat.id)).toBe(1);
      expect(await markerOf(a, chat.id)).toEqual(marker);
      expect(events).toEqual([]);
    });

    it('does not publish chat.read for my own message, already read by sending it', async () => {
      const { a, chat } = await pair();
      const mine = await ctx.send(a, chat.id, 'mine');
      events = [];
      expect((await read(a, chat.id, { messageId: mine.id })).status).toBe(204);
      expect(events).toEqual([]);
      expect(await markerOf(a, chat.id)).toEqual({ messageId: mine.id, seq: 1 });
    });

    it('answers 404 MESSAGE_NOT_FOUND for a message of another chat', async () => {
      const { a, b, chat } = await pair();
      await ctx.send(b, chat.id, 'here');
      const other = await pair();
      const elsewhere = await ctx.send(other.a, other.chat.id, 'there');
      events = [];
      expectError(await read(a, chat.id, { messageId: elsewhere.id }), 404, 'MESSAGE_NOT_FOUND');
      expectError(await read(a, chat.id, { messageId: 2 ** 40 }), 404, 'MESSAGE_NOT_FOUND');
      expect(await markerOf(a, chat.id)).toEqual({ messageId: null, seq: 0 });
      expect(events).toEqual([]);
    });

    it.each([
      ['a string id', { messageId: '5' }],
      ['zero', { messageId: 0 }],
      ['a negative id', { messageId: -5 }],
      ['a fraction', { messageId: 1.5 }],
      ['null', { messageId: null }],
      ['a missing id', {}],
      ['an extra field', { messageId: 1, seq: 1 }],
    ])('refuses %s with 400', async (_label, body) => {
      const { a, chat } = await pair();
      expectError(await read(a, chat.id, body), 400, 'VALIDATION_FAILED');
    });
  });

  // ---- message.created -----------------------------------------------------------------------

  describe('message.created', () => {
    it('carries the message and the chat topic, published after the commit', async () => {
      const { a, chat } = await pair();
      const emitter = t.app.get(EventEmitter2);
      const seenInListener: Promise<unknown[]>[] = [];
      // A separate connection only sees committed rows.
      const listener = (payload: any) =>
        seenInListener.push(
          t.db
            .query('SELECT body FROM messages WHERE id = $1', [payload.message.id])
            .then((r) => r.rows),
        );
      emitter.on(MessagesEvents.created, listener);
      try {
        const res = await post(a, chat.id, { body: 'committed', clientMessageId: 'once' });
        expect(res.status).toBe(201);
        expect(events).toEqual([
          { name: MessagesEvents.created, payload: { message: res.body, topic: chat.topic } },
        ]);
        expect(seenInListener).toHaveLength(1);
        expect(await seenInListener[0]).toEqual([{ body: 'committed' }]);

        // A resend answered from the first message (200) publishes nothing new.
        events = [];
        const resent = await post(a, chat.id, { body: 'committed', clientMessageId: 'once' });
        expect(resent.status).toBe(200);
        expect(resent.body).toEqual(res.body);
        expect(events).toEqual([]);
        expect(seenInListener).toHaveLength(1);
      } finally {
        emitter.off(MessagesEvents.created, listener);
      }
    });
  });
});

function eventsNamed(events: CapturedEvent[], name: string): CapturedEvent[] {
  return events.filter((e) => e.name === name);
}
