import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChatsEvents } from '../../src/chats/events/chats.events';
import { MessagesEvents } from '../../src/messages/events/messages.events';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { startTestApp, TestApp } from '../utils/test-app';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX_ID = 2147483647;
const BAD_IDS = ['abc', '0', '-1', '1e3', '0x10', '1.5', '2147483648', '99999999999999999999'];

interface CapturedEvent {
  name: string;
  payload: any;
}

/** The base64url JSON the server uses for cursors, to build well-formed but hostile ones. */
const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('chats', () => {
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

  const user = (prefix = 'ch') => ctx.newUser(uniqueUsername(prefix));

  /** An owner and `n` friends of theirs. */
  async function circle(n: number): Promise<[Session, ...Session[]]> {
    const owner = await user('own');
    const friends: Session[] = [];
    for (let i = 0; i < n; i += 1) {
      const friend = await user('mem');
      await ctx.befriend(owner, friend);
      friends.push(friend);
    }
    return [owner, ...friends];
  }

  const openDirect = (me: Session, userId: unknown) =>
    t.http.post('/api/v1/chats/direct', { token: me.accessToken, body: { userId } });
  const createGroup = (me: Session, body: unknown) =>
    t.http.post('/api/v1/chats/groups', { token: me.accessToken, body });
  const listChats = (me: Session, query = '') =>
    t.http.get(`/api/v1/chats${query ? `?${query}` : ''}`, { token: me.accessToken });
  const getChat = (me: Session, chatId: unknown) =>
    t.http.get(`/api/v1/chats/${chatId}`, { token: me.accessToken });
  const rename = (me: Session, chatId: unknown, name: unknown) =>
    t.http.patch(`/api/v1/chats/${chatId}`, { token: me.accessToken, body: { name } });
  const addMembers = (me: Session, chatId: unknown, userIds: unknown) =>
    t.http.post(`/api/v1/chats/${chatId}/participants`, {
      token: me.accessToken,
      body: { userIds },
    });
  const setRole = (me: Session, chatId: unknown, userId: unknown, role: unknown) =>
    t.http.patch(`/api/v1/chats/${chatId}/participants/${userId}`, {
      token: me.accessToken,
      body: { role },
    });
  const removeMember = (me: Session, chatId: unknown, userId: unknown) =>
    t.http.delete(`/api/v1/chats/${chatId}/participants/${userId}`, { token: me.accessToken });
  const unfriend = (me: Session, userId: number) =>
    t.http.delete(`/api/v1/friends/${userId}`, { token: me.accessToken });
  const block = (me: Session, userId: number) =>
    t.http.post('/api/v1/blocks', { token: me.accessToken, body: { userId } });

  /** userId → role, from the chat_participants rows. */
  async function rolesIn(chatId: number): Promise<Record<number, string>> {
    const { rows } = await t.db.query(
      'SELECT user_id, role FROM chat_participants WHERE chat_id = $1 ORDER BY user_id',
      [chatId],
    );
    return Object.fromEntries(rows.map((row) => [row.user_id, row.role]));
  }

  const eventsNamed = (name: string) => events.filter((e) => e.name === name);

  const chatShape = (overrides: object) => ({
    id: expect.any(Number),
    type: expect.any(String),
    name: expect.anything(),
    topic: expect.stringMatching(/^chat:/),
    createdAt: expect.stringMatching(ISO_MS),
    updatedAt: expect.stringMatching(ISO_MS),
    participants: expect.any(Array),
    rev: expect.any(Number),
    lastRev: expect.any(Number),
    lastMessage: null,
    unreadCount: 0,
    unreadMentionCount: 0,
    muted: false,
    archived: false,
    ...overrides,
  });

  // ---- direct chats --------------------------------------------------------------------------

  describe('POST /chats/direct', () => {
    it('creates the chat once (201), then returns the same one (200) from either side', async () => {
      const [a, b] = await circle(1);
      const first = await openDirect(a, b.id);
      expect(first.status).toBe(201);
      expect(first.body).toEqual(
        chatShape({
          type: 'direct',
          name: `${a.username}/${b.username}`,
          participants: expect.arrayContaining([
            { userId: a.id, role: 'member', joinedAt: expect.stringMatching(ISO_MS) },
            { userId: b.id, role: 'member', joinedAt: expect.stringMatching(ISO_MS) },
          ]),
        }),
      );
      expect(first.body.participants).toHaveLength(2);
      expect(eventsNamed(ChatsEvents.created)).toHaveLength(1);
      expect(events[0].payload.chat).toMatchObject({ id: first.body.id, topic: first.body.topic });
      expect(events[0].payload.chat).not.toHaveProperty('unreadCount');

      events = [];
      const again = await openDirect(a, b.id);
      const fromOtherSide = await openDirect(b, a.id);
      expect([again.status, fromOtherSide.status]).toEqual([200, 200]);
      expect(again.body).toEqual(first.body);
      expect(fromOtherSide.body.id).toBe(first.body.id);
      expect(fromOtherSide.body.name).toBe(`${a.username}/${b.username}`);
      expect(events).toEqual([]);

      const { rows } = await t.db.query(
        `SELECT c.id, c.topic, (SELECT count(*)::int FROM chat_participants p WHERE p.chat_id = c.id) AS members
           FROM chat_sessions c WHERE c.type = 'direct' AND $1 IN (c.user_1_id, c.user_2_id)`,
        [a.id],
      );
      expect(rows).toEqual([{ id: first.body.id, topic: first.body.topic, members: 2 }]);
    });

    it('gives each chat its own topic', async () => {
      const [a, b, c] = await circle(2);
      const ab = await ctx.directChat(a, b);
      const ac = await ctx.directChat(a, c);
      const group = await ctx.group(a, 'topics', [b, c]);
      expect(new Set([ab.topic, ac.topic, group.topic]).size).toBe(3);
      for (const topic of [ab.topic, ac.topic, group.topic]) expect(topic).toMatch(/^chat:.+/);
    });

    it('refuses users who are not friends with 403 DIRECT_CHAT_NOT_ALLOWED', async () => {
      const a = await user();
      const b = await user();
      const res = await openDirect(a, b.id);
      expectError(res, 403, 'DIRECT_CHAT_NOT_ALLOWED');

      // A pending request is not a friendship either.
      const sent = await t.http.post('/api/v1/friend-requests', {
        token: a.accessToken,
        body: { toUserId: b.id },
      });
      expect(sent.status).toBe(201);
      expectError(await openDirect(b, a.id), 403, 'DIRECT_CHAT_NOT_ALLOWED');
      expect(eventsNamed(ChatsEvents.created)).toEqual([]);
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM chat_sessions WHERE $1 IN (user_1_id, user_2_id)`,
        [a.id],
      );
      expect(rows[0].n).toBe(0);
    });

    it('refuses after unfriending, and returns the old chat (200) once friends again', async () => {
      const [a, b] = await circle(1);
      const chat = await ctx.directChat(a, b);
      expect((await unfriend(b, a.id)).status).toBe(204);
      events = [];
      expectError(await openDirect(a, b.id), 403, 'DIRECT_CHAT_NOT_ALLOWED');
      expectError(await openDirect(b, a.id), 403, 'DIRECT_CHAT_NOT_ALLOWED');
      expect(events).toEqual([]);

      await ctx.befriend(b, a);
      const reopened = await openDirect(b, a.id);
      expect(reopened.status).toBe(200);
      expect(reopened.body.id).toBe(chat.id);
    });

    it.each([
      ['the initiator blocks the other', true],
      ['the other blocks the initiator', false],
    ])('refuses when %s (blocking ends the friendship)', async (_label, initiatorBlocks) => {
      const [a, b] = await circle(1);
      const blocked = initiatorBlocks ? await block(a, b.id) : await block(b, a.id);
      expect(blocked.status).toBe(201);
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM friendships WHERE $1 IN (user_low_id, user_high_id)',
        [a.id],
      );
      expect(rows[0].n).toBe(0);
      events = [];
      expectError(await openDirect(a, b.id), 403, 'DIRECT_CHAT_NOT_ALLOWED');
      expectError(await openDirect(b, a.id), 403, 'DIRECT_CHAT_NOT_ALLOWED');
      expect(events).toEqual([]);
    });

    it('refuses a chat with myself (400 DIRECT_CHAT_WITH_SELF)', async () => {
      const a = await user();
      expectError(await openDirect(a, a.id), 400, 'DIRECT_CHAT_WITH_SELF');
      expect(events).toEqual([]);
    });

    it('answers 404 USER_NOT_FOUND for a user who does not exist', async () => {
      const a = await user();
      expectError(await openDirect(a, MAX_ID), 404, 'USER_NOT_FOUND');
      expect(events).toEqual([]);
    });

    it.each([
      ['missing', {}],
      ['a string', { userId: '2' }],
      ['zero', { userId: 0 }],
      ['negative', { userId: -1 }],
      ['fractional', { userId: 1.5 }],
      ['out of range', { userId: MAX_ID + 1 }],
      ['null', { userId: null }],
      ['with an extra field', { userId: 1, name: 'x' }],
    ])('validates userId (%s → 400)', async (_label, body) => {
      const a = await user();
      const res = await t.http.post('/api/v1/chats/direct', { token: a.accessToken, body });
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });

  // ---- groups --------------------------------------------------------------------------------

  describe('POST /chats/groups', () => {
    it('makes the creator the owner and the others members', async () => {
      const [owner, b, c] = await circle(2);
      const res = await createGroup(owner, { name: 'group-1', memberIds: [b.id, c.id] });
      expect(res.status).toBe(201);
      expect(res.body).toEqual(
        chatShape({
          type: 'group',
          name: 'group-1',
          participants: expect.arrayContaining([
            { userId: owner.id, role: 'owner', joinedAt: expect.stringMatching(ISO_MS) },
            { userId: b.id, role: 'member', joinedAt: expect.stringMatching(ISO_MS) },
            { userId: c.id, role: 'member', joinedAt: expect.stringMatching(ISO_MS) },
          ]),
        }),
      );
      expect(res.body.participants).toHaveLength(3);
      expect(await rolesIn(res.body.id)).toEqual({
        [owner.id]: 'owner',
        [b.id]: 'member',
        [c.id]: 'member',
      });
      const { rows } = await t.db.query(
        'SELECT type, name, topic, user_1_id, user_2_id FROM chat_sessions WHERE id = $1',
        [res.body.id],
      );
      expect(rows).toEqual([
        { type: 'group', name: 'group-1', topic: res.body.topic, user_1_id: null, user_2_id: null },
      ]);
      // Only chat.created: the initial members are part of the new chat, not additions.
      expect(events.map((e) => e.name)).toEqual([ChatsEvents.created]);
      const { unreadCount, unreadMentionCount, muted, archived, ...everyones } = res.body;
      expect(events[0].payload.chat).toEqual(everyones);
      // What only the viewer sees stays out of what everyone hears.
      expect({ unreadCount, unreadMentionCount, muted, archived }).toEqual({
        unreadCount: 0,
        unreadMentionCount: 0,
        muted: false,
        archived: false,
      });

      // Every member sees the group.
      for (const member of [b, c]) {
        const seen = await getChat(member, res.body.id);
        expect(seen.status).toBe(200);
        expect(seen.body.participants).toHaveLength(3);
      }
    });

    it.each([
      ['a user who is not my friend', 'stranger'],
      ['a user who does not exist', 'nobody'],
    ])('refuses %s with 403 MEMBERS_NOT_FRIENDS and creates nothing', async (_label, kind) => {
      const [owner, friend] = await circle(1);
      const otherId = kind === 'stranger' ? (await user()).id : MAX_ID;
      const name = uniqueUsername('refused');
      const res = await createGroup(owner, { name, memberIds: [friend.id, otherId] });
      expectError(res, 403, 'MEMBERS_NOT_FRIENDS');
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM chat_sessions WHERE name = $1',
        [name],
      );
      expect(rows[0].n).toBe(0);
      expect(events).toEqual([]);
    });

    it('ignores the creator listed among the members (no duplicate, still the owner)', async () => {
      const [owner, b] = await circle(1);
      const res = await createGroup(owner, { name: 'me too', memberIds: [owner.id, b.id] });
      expect(res.status).toBe(201);
      expect(res.body.participants).toHaveLength(2);
      expect(await rolesIn(res.body.id)).toEqual({ [owner.id]: 'owner', [b.id]: 'member' });
    });

    it('allows an empty member list: a group of one', async () => {
      const owner = await user();
      const res = await createGroup(owner, { name: 'just me', memberIds: [] });
      expect(res.status).toBe(201);
      expect(res.body.participants).toEqual([
        { userId: owner.id, role: 'owner', joinedAt: expect.stringMatching(ISO_MS) },
      ]);
    });

    it('trims the name and takes 1 to 100 characters', async () => {
      const owner = await user();
      const trimmed = await createGroup(owner, { name: '  Trip \t', memberIds: [] });
      expect(trimmed.status).toBe(201);
      expect(trimmed.body.name).toBe('Trip');
      const { rows } = await t.db.query('SELECT name FROM chat_sessions WHERE id = $1', [
        trimmed.body.id,
      ]);
      expect(rows[0].name).toBe('Trip');

      const one = await createGroup(owner, { name: 'x', memberIds: [] });
      expect(one.status).toBe(201);
      const longest = await createGroup(owner, { name: ` ${'n'.repeat(100)} `, memberIds: [] });
      expect(longest.status).toBe(201);
      expect(longest.body.name).toBe('n'.repeat(100));
    });

    it.each([
      ['a missing name', { memberIds: [] }],
      ['an empty name', { name: '', memberIds: [] }],
      ['a blank name', { name: '    ', memberIds: [] }],
      ['a name of 101 characters', { name: 'n'.repeat(101), memberIds: [] }],
      ['a name that is not a string', { name: 42, memberIds: [] }],
      ['a name with a control character', { name: 'a\u0007b', memberIds: [] }],
      ['missing memberIds', { name: 'g' }],
      ['memberIds that is not an array', { name: 'g', memberIds: 2 }],
      ['memberIds as an object', { name: 'g', memberIds: { 0: 2 } }],
      ['memberIds containing a string', { name: 'g', memberIds: ['2'] }],
      ['memberIds containing 0', { name: 'g', memberIds: [0] }],
      ['memberIds containing a negative id', { name: 'g', memberIds: [-3] }],
      ['memberIds containing a fraction', { name: 'g', memberIds: [1.5] }],
      ['memberIds containing null', { name: 'g', memberIds: [null] }],
      ['duplicate memberIds', { name: 'g', memberIds: [7, 7] }],
      [
        '500 memberIds (at most 499)',
        { name: 'g', memberIds: Array.from({ length: 500 }, (_, i) => i + 1) },
      ],
      ['an extra field', { name: 'g', memberIds: [], type: 'direct' }],
    ])('refuses %s with 400', async (_label, body) => {
      const owner = await user();
      expectError(await createGroup(owner, body), 400, 'VALIDATION_FAILED');
      expect(events).toEqual([]);
    });

    // "❤️" is two code points (U+2764 U+FE0F): 60 of them pass a 100-character check that counts
    // them once, but are 120 characters to the varchar(100) column.
    it('answers a name the database cannot hold with 400, never a 500', async () => {
      const owner = await user();
      const name = '\u2764\uFE0F'.repeat(60);
      expectError(await createGroup(owner, { name, memberIds: [] }), 400, 'VALIDATION_FAILED');
      const group = await ctx.group(owner, 'short', []);
      expectError(await rename(owner, group.id, name), 400, 'VALIDATION_FAILED');
      expect((await getChat(owner, group.id)).body.name).toBe('short');
    });

    it('takes 499 memberIds through validation (then checks friendship)', async () => {
      const owner = await user();
      const memberIds = Array.from({ length: 499 }, (_, i) => MAX_ID - i);
      expectError(await createGroup(owner, { name: 'g', memberIds }), 403, 'MEMBERS_NOT_FRIENDS');
    });
  });

  // ---- listing -------------------------------------------------------------------------------

  describe('GET /chats', () => {
    it('lists my chats, most recent activity first; a new message moves a chat to the top', async () => {
      const [me, friend] = await circle(1);
      const older = await ctx.group(me, 'older', [friend]);
      const direct = await ctx.directChat(me, friend);
      const newer = await ctx.group(me, 'newer', []);
      // Someone else's chat is not mine.
      const [stranger, hisFriend] = await circle(1);
      await ctx.group(stranger, 'not mine', [hisFriend]);

      const before = await listChats(me);
      expect(before.status).toBe(200);
      expect(before.body.nextCursor).toBeNull();
      expect(before.body.items.map((c: any) => c.id)).toEqual([newer.id, direct.id, older.id]);

      await sleep(5);
      await ctx.send(friend, older.id, 'bump');
      const after = await listChats(me);
      expect(after.body.items.map((c: any) => c.id)).toEqual([older.id, newer.id, direct.id]);
      expect(after.body.items[0]).toEqual(
        chatShape({
          id: older.id,
          type: 'group',
          name: 'older',
          participants: expect.arrayContaining([
            expect.objectContaining({ userId: me.id, role: 'owner' }),
            expect.objectContaining({ userId: friend.id, role: 'member' }),
          ]),
          lastMessage: expect.objectContaining({ body: 'bump', senderId: friend.id, seq: 1 }),
          unreadCount: 1,
        }),
      );
      expect(after.body.items[0].participants).toHaveLength(2);
      expect(after.body.items[1]).toMatchObject({ lastMessage: null, unreadCount: 0 });

      await sleep(5);
      await ctx.send(me, direct.id, 'now the direct one');
      const last = await listChats(me);
      expect(last.body.items.map((c: any) => c.id)).toEqual([direct.id, older.id, newer.id]);
      // My own message is not unread for me, and raises my friend's count.
      expect(last.body.items[0]).toMatchObject({ unreadCount: 0 });
      const friends = await listChats(friend);
      expect(friends.body.items.map((c: any) => [c.id, c.unreadCount])).toEqual([
        [direct.id, 1],
        [older.id, 0],
      ]);
    });

    it('shows the newest message as lastMessage, updated on edit and as a tombstone on delete', async () => {
      const [me, friend] = await circle(1);
      const chat = await ctx.directChat(me, friend);
      const first = await ctx.send(friend, chat.id, 'first');
      const second = await ctx.send(me, chat.id, 'second');

      const lastOf = async () =>
        (await listChats(friend)).body.items.find((c: any) => c.id === chat.id).lastMessage;
      // The preview leaves out what changes without the chat row (rev, reply, reactions, mentions).
      const preview = ({
        rev: _rev,
        replyTo: _replyTo,
        reactions: _reactions,
        attachments: _attachments,
        mentions: _mentions,
        deletedBy: _deletedBy,
        ...rest
      }: any) => rest;
      expect(await lastOf()).toEqual(preview(second));

      // Editing an older message leaves the preview alone.
      const editedFirst = await t.http.patch(`/api/v1/chats/${chat.id}/messages/${first.id}`, {
        token: friend.accessToken,
        body: { body: 'first, edited' },
      });
      expect(editedFirst.status).toBe(200);
      expect(await lastOf()).toEqual(preview(second));

      const edited = await t.http.patch(`/api/v1/chats/${chat.id}/messages/${second.id}`, {
        token: me.accessToken,
        body: { body: 'second, edited' },
      });
      expect(edited.status).toBe(200);
      expect(await lastOf()).toEqual(preview(edited.body));
      expect((await getChat(me, chat.id)).body.lastMessage).toEqual(preview(edited.body));

      const deleted = await t.http.delete(`/api/v1/chats/${chat.id}/messages/${second.id}`, {
        token: me.accessToken,
      });
      expect(deleted.status).toBe(204);
      expect(await lastOf()).toEqual({
        ...preview(edited.body),
        body: null,
        deletedAt: expect.stringMatching(ISO_MS),
      });
    });

    it('pages with limit and cursor: every chat exactly once, in order', async () => {
      const [me, f1, f2] = await circle(2);
      const ids: number[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await ctx.group(me, `page ${i}`, [])).id);
      ids.push((await ctx.directChat(me, f1)).id);
      ids.push((await ctx.directChat(f2, me)).id);

      const full = await listChats(me);
      expect(full.body.items).toHaveLength(7);
      const order = full.body.items.map((c: any) => c.id);
      expect([...order].sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));

      const seen: number[] = [];
      const sizes: number[] = [];
      let query = 'limit=3';
      for (let page = 0; page < 10; page += 1) {
        const res = await listChats(me, query);
        expect(res.status).toBe(200);
        sizes.push(res.body.items.length);
        seen.push(...res.body.items.map((c: any) => c.id));
        if (!res.body.nextCursor) break;
        expect(typeof res.body.nextCursor).toBe('string');
        query = `limit=3&cursor=${encodeURIComponent(res.body.nextCursor)}`;
      }
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen).toEqual(order);
    });

    it('defaults to pages of 50', async () => {
      const me = await user();
      await ctx.group(me, 'only', []);
      const res = await listChats(me);
      expect(res.body).toEqual({ items: [expect.any(Object)], nextCursor: null });
    });

    it.each([
      ['not base64 JSON', '%%%not-a-cursor'],
      ['a JSON number', cursorOf(5)],
      ['a cursor of another list', cursorOf({ before: 5 })],
      ['a cursor with a bad date', cursorOf({ at: 'yesterday', id: 1 })],
      ['a cursor with a string id', cursorOf({ at: '2022-11-15T12:00:00.000Z', id: '1' })],
    ])('refuses %s with 400 INVALID_CURSOR', async (_label, cursor) => {
      const me = await user();
      const res = await listChats(me, `cursor=${encodeURIComponent(cursor)}`);
      expectError(res, 400, 'INVALID_CURSOR');
    });

    // Date.parse takes these, PostgreSQL does not; an id past the integer column is no id.
    it.each([
      ['a date only JavaScript reads', cursorOf({ at: '1', id: 1 })],
      ['an expanded-year date', cursorOf({ at: '+275760-09-13T00:00:00.000Z', id: 1 })],
      ['an id past the integer range', cursorOf({ at: '2022-11-15T12:00:00.000Z', id: 2 ** 40 })],
    ])('refuses %s with 400, never a 500', async (_label, cursor) => {
      const me = await user();
      await ctx.group(me, 'one', []);
      const res = await listChats(me, `cursor=${encodeURIComponent(cursor)}`);
      expectError(res, 400, 'INVALID_CURSOR');
    });

    it.each(['0', '101', 'abc', '-1', '1.5'])('refuses limit=%s with 400', async (limit) => {
      const me = await user();
      expectError(await listChats(me, `limit=${limit}`), 400, 'VALIDATION_FAILED');
    });
  });

  // ---- one chat ------------------------------------------------------------------------------

  describe('GET /chats/:chatId', () => {
    it('returns a chat I am in', async () => {
      const [me, friend] = await circle(1);
      const group = await ctx.group(me, 'mine', [friend]);
      const res = await getChat(friend, group.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(group);
    });

    it('answers 404 CHAT_NOT_FOUND alike for a chat I am not in and one that does not exist', async () => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'secret', [member]);
      const outsider = await user();
      const notMine = await getChat(outsider, group.id);
      const missing = await getChat(outsider, MAX_ID);
      expectError(notMine, 404, 'CHAT_NOT_FOUND');
      expect(notMine.body).toEqual(missing.body);
      expect(notMine.text).not.toContain('secret');
    });

    it.each(BAD_IDS)('refuses chatId %p with 400', async (id) => {
      const me = await user();
      expectError(await getChat(me, id), 400, 'VALIDATION_FAILED');
    });

    it('needs a token on every chats route (401)', async () => {
      const routes: [string, string][] = [
        ['POST', '/api/v1/chats/direct'],
        ['POST', '/api/v1/chats/groups'],
        ['GET', '/api/v1/chats'],
        ['GET', '/api/v1/chats/1'],
        ['PATCH', '/api/v1/chats/1'],
        ['POST', '/api/v1/chats/1/participants'],
        ['PATCH', '/api/v1/chats/1/participants/1'],
        ['DELETE', '/api/v1/chats/1/participants/1'],
      ];
      for (const [method, path] of routes) {
        const res = await t.http.request(method, path, {
          body: method === 'GET' || method === 'DELETE' ? undefined : {},
        });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      }
    });
  });

  // ---- rename --------------------------------------------------------------------------------

  describe('PATCH /chats/:chatId', () => {
    it('lets the owner and an admin rename, not a member', async () => {
      const [owner, admin, member] = await circle(2);
      const group = await ctx.group(owner, 'before', [admin, member]);
      expect((await setRole(owner, group.id, admin.id, 'admin')).status).toBe(200);
      events = [];

      const byOwner = await rename(owner, group.id, '  after  ');
      expect(byOwner.status).toBe(200);
      expect(byOwner.body).toMatchObject({ id: group.id, name: 'after' });
      expect(events.map((e) => e.name)).toEqual([ChatsEvents.updated]);
      expect(events[0].payload.chat).toMatchObject({ id: group.id, name: 'after' });

      events = [];
      const byAdmin = await rename(admin, group.id, 'by admin');
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.name).toBe('by admin');
      expect(eventsNamed(ChatsEvents.updated)).toHaveLength(1);

      events = [];
      expectError(await rename(member, group.id, 'by member'), 403, 'NOT_CHAT_ADMIN');
      expect(events).toEqual([]);
      const { rows } = await t.db.query('SELECT name FROM chat_sessions WHERE id = $1', [group.id]);
      expect(rows[0].name).toBe('by admin');
      expect((await getChat(member, group.id)).body.name).toBe('by admin');
    });

    it('refuses a direct chat (400 NOT_A_GROUP_CHAT) and a chat I am not in (404)', async () => {
      const [a, b] = await circle(1);
      const direct = await ctx.directChat(a, b);
      const group = await ctx.group(a, 'private', [b]);
      const outsider = await user();
      events = [];
      expectError(await rename(a, direct.id, 'renamed'), 400, 'NOT_A_GROUP_CHAT');
      expectError(await rename(outsider, group.id, 'renamed'), 404, 'CHAT_NOT_FOUND');
      expectError(await rename(outsider, direct.id, 'renamed'), 404, 'CHAT_NOT_FOUND');
      expectError(await rename(a, MAX_ID, 'renamed'), 404, 'CHAT_NOT_FOUND');
      expect(events).toEqual([]);
    });

    it.each([
      ['empty', ''],
      ['blank', '   '],
      ['101 characters', 'n'.repeat(101)],
      ['not a string', 5],
      ['null', null],
    ])('refuses a name that is %s with 400', async (_label, name) => {
      const owner = await user();
      const group = await ctx.group(owner, 'stays', []);
      expectError(await rename(owner, group.id, name), 400, 'VALIDATION_FAILED');
      expect((await getChat(owner, group.id)).body.name).toBe('stays');
    });
  });

  // ---- adding members ------------------------------------------------------------------------

  describe('POST /chats/:chatId/participants', () => {
    it('lets the owner add friends: 200 chat, one chat.member-added per added user', async () => {
      const [owner, b, c, d] = await circle(3);
      const group = await ctx.group(owner, 'growing', [b]);
      events = [];
      const res = await addMembers(owner, group.id, [c.id, d.id]);
      expect(res.status).toBe(200);
      expect(res.body.participants).toHaveLength(4);
      expect(res.body.participants).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ userId: c.id, role: 'member' }),
          expect.objectContaining({ userId: d.id, role: 'member' }),
        ]),
      );
      expect(await rolesIn(group.id)).toEqual({
        [owner.id]: 'owner',
        [b.id]: 'member',
        [c.id]: 'member',
        [d.id]: 'member',
      });
      expect(events.map((e) => e.name)).toEqual([ChatsEvents.memberAdded, ChatsEvents.memberAdded]);
      expect(events.map((e) => e.payload.userId).sort()).toEqual([c.id, d.id].sort());
      for (const event of events) {
        expect(event.payload.chat).toMatchObject({ id: group.id, topic: group.topic });
        expect(event.payload.chat.participants).toHaveLength(4);
      }
      expect((await getChat(d, group.id)).status).toBe(200);
    });

    it('skips members already in: 200, no duplicate rows, events only for new ones', async () => {
      const [owner, b, c] = await circle(2);
      const group = await ctx.group(owner, 'skip', [b]);
      events = [];
      const again = await addMembers(owner, group.id, [b.id]);
      expect(again.status).toBe(200);
      expect(again.body.participants).toHaveLength(2);
      expect(events).toEqual([]);

      const mixed = await addMembers(owner, group.id, [b.id, c.id]);
      expect(mixed.status).toBe(200);
      expect(mixed.body.participants).toHaveLength(3);
      expect(events.map((e) => [e.name, e.payload.userId])).toEqual([
        [ChatsEvents.memberAdded, c.id],
      ]);
      const { rows } = await t.db.query(
        'SELECT user_id, count(*)::int AS n FROM chat_participants WHERE chat_id = $1 GROUP BY user_id',
        [group.id],
      );
      expect(rows).toHaveLength(3);
      expect(rows.every((row) => row.n === 1)).toBe(true);
    });

    it("lets an admin add the admin's own friends, not others", async () => {
      const [owner, admin, ownersFriend] = await circle(2);
      const group = await ctx.group(owner, 'admins add', [admin]);
      expect((await setRole(owner, group.id, admin.id, 'admin')).status).toBe(200);
      const adminsFriend = await user();
      await ctx.befriend(admin, adminsFriend);
      events = [];

      expectError(await addMembers(admin, group.id, [ownersFriend.id]), 403, 'MEMBERS_NOT_FRIENDS');
      expectError(
        await addMembers(admin, group.id, [adminsFriend.id, ownersFriend.id]),
        403,
        'MEMBERS_NOT_FRIENDS',
      );
      expect(events).toEqual([]);
      expect(Object.keys(await rolesIn(group.id))).toHaveLength(2);

      const ok = await addMembers(admin, group.id, [adminsFriend.id]);
      expect(ok.status).toBe(200);
      expect(ok.body.participants.map((p: any) => p.userId)).toContain(adminsFriend.id);
    });

    it('refuses the owner adding a stranger or a user who does not exist (403)', async () => {
      const [owner] = await circle(0);
      const group = await ctx.group(owner, 'strangers', []);
      const stranger = await user();
      events = [];
      expectError(await addMembers(owner, group.id, [stranger.id]), 403, 'MEMBERS_NOT_FRIENDS');
      expectError(await addMembers(owner, group.id, [MAX_ID]), 403, 'MEMBERS_NOT_FRIENDS');
      expect(events).toEqual([]);
    });

    it('refuses a plain member (403 NOT_CHAT_ADMIN)', async () => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'members cannot add', [member]);
      const membersFriend = await user();
      await ctx.befriend(member, membersFriend);
      events = [];
      expectError(await addMembers(member, group.id, [membersFriend.id]), 403, 'NOT_CHAT_ADMIN');
      expect(events).toEqual([]);
      expect(Object.keys(await rolesIn(group.id))).toHaveLength(2);
    });

    it('refuses a direct chat (400) and a chat I am not in (404)', async () => {
      const [a, b, c] = await circle(2);
      const direct = await ctx.directChat(a, b);
      expectError(await addMembers(a, direct.id, [c.id]), 400, 'NOT_A_GROUP_CHAT');

      const [other, otherFriend] = await circle(1);
      const group = await ctx.group(other, 'not yours', []);
      await ctx.befriend(a, otherFriend);
      expectError(await addMembers(a, group.id, [otherFriend.id]), 404, 'CHAT_NOT_FOUND');
      expectError(await addMembers(a, MAX_ID, [otherFriend.id]), 404, 'CHAT_NOT_FOUND');
      expect(Object.keys(await rolesIn(group.id))).toHaveLength(1);
    });

    it.each([
      ['an empty list', []],
      ['not an array', 5],
      ['a string id', ['5']],
      ['duplicates', [5, 5]],
      ['null', null],
    ])('validates userIds (%s → 400)', async (_label, userIds) => {
      const owner = await user();
      const group = await ctx.group(owner, 'validate', []);
      expectError(await addMembers(owner, group.id, userIds), 400, 'VALIDATION_FAILED');
    });
  });

  // ---- roles ---------------------------------------------------------------------------------

  describe('PATCH /chats/:chatId/participants/:userId', () => {
    it('lets the owner make a member an admin and back', async () => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'roles', [member]);
      events = [];
      const promoted = await setRole(owner, group.id, member.id, 'admin');
      expect(promoted.status).toBe(200);
      expect(promoted.body.participants).toEqual(
        expect.arrayContaining([expect.objectContaining({ userId: member.id, role: 'admin' })]),
      );
      expect((await rolesIn(group.id))[member.id]).toBe('admin');
      expect(events.map((e) => e.name)).toEqual([ChatsEvents.updated]);
      expect(events[0].payload.chat.participants).toEqual(
        expect.arrayContaining([expect.objectContaining({ userId: member.id, role: 'admin' })]),
      );

      events = [];
      const demoted = await setRole(owner, group.id, member.id, 'member');
      expect(demoted.status).toBe(200);
      expect((await rolesIn(group.id))[member.id]).toBe('member');
      expect(eventsNamed(ChatsEvents.updated)).toHaveLength(1);
    });

    it('refuses an admin or a member (403 NOT_CHAT_OWNER)', async () => {
      const [owner, admin, member] = await circle(2);
      const group = await ctx.group(owner, 'owner only', [admin, member]);
      await setRole(owner, group.id, admin.id, 'admin');
      events = [];
      expectError(await setRole(admin, group.id, member.id, 'admin'), 403, 'NOT_CHAT_OWNER');
      expectError(await setRole(admin, group.id, admin.id, 'member'), 403, 'NOT_CHAT_OWNER');
      expectError(await setRole(member, group.id, member.id, 'admin'), 403, 'NOT_CHAT_OWNER');
      expect(events).toEqual([]);
      expect(await rolesIn(group.id)).toEqual({
        [owner.id]: 'owner',
        [admin.id]: 'admin',
        [member.id]: 'member',
      });
    });

    it.each(['admin', 'member'])("cannot change the owner's role (to %s)", async (role) => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'owner stays', [member]);
      events = [];
      const res = await setRole(owner, group.id, owner.id, role);
      expect(res.status).toBe(403);
      expect((await rolesIn(group.id))[owner.id]).toBe('owner');
      expect(events).toEqual([]);
    });

    it('answers 404 PARTICIPANT_NOT_FOUND for a user not in the group', async () => {
      const [owner, friend] = await circle(1);
      const group = await ctx.group(owner, 'not in', []);
      events = [];
      expectError(await setRole(owner, group.id, friend.id, 'admin'), 404, 'PARTICIPANT_NOT_FOUND');
      expectError(await setRole(owner, group.id, MAX_ID, 'admin'), 404, 'PARTICIPANT_NOT_FOUND');
      expect(events).toEqual([]);
    });

    it('refuses a chat I am not in (404) and a direct chat (400)', async () => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'x', [member]);
      const outsider = await user();
      expectError(await setRole(outsider, group.id, member.id, 'admin'), 404, 'CHAT_NOT_FOUND');
      const direct = await ctx.directChat(owner, member);
      expectError(await setRole(owner, direct.id, member.id, 'admin'), 400, 'NOT_A_GROUP_CHAT');
    });

    it.each([['owner'], ['boss'], [''], [null], [1]])('refuses role %p with 400', async (role) => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'bad role', [member]);
      expectError(await setRole(owner, group.id, member.id, role), 400, 'VALIDATION_FAILED');
      expect(await rolesIn(group.id)).toEqual({ [owner.id]: 'owner', [member.id]: 'member' });
    });

    it.each(BAD_IDS)('refuses userId %p in the path with 400', async (id) => {
      const owner = await user();
      const group = await ctx.group(owner, 'path', []);
      expectError(await setRole(owner, group.id, id, 'admin'), 400, 'VALIDATION_FAILED');
    });
  });

  // ---- removing and leaving ------------------------------------------------------------------

  describe('DELETE /chats/:chatId/participants/:userId', () => {
    it('lets a member leave (204): row gone, chat.member-removed, chat gone from my list', async () => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'leaving', [member]);
      events = [];
      const res = await removeMember(member, group.id, member.id);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await rolesIn(group.id)).toEqual({ [owner.id]: 'owner' });
      expect(events).toEqual([
        {
          name: ChatsEvents.memberRemoved,
          payload: {
            chatId: group.id,
            topic: group.topic,
            userId: member.id,
            chatDeleted: false,
            rev: expect.any(Number),
          },
        },
      ]);
      const list = await listChats(member);
      expect(list.body.items.map((c: any) => c.id)).not.toContain(group.id);
    });

    it('hands the group to the longest-standing member when the owner leaves', async () => {
      const owner = await user('own');
      // The later joiner has the lower id, so the hand-over cannot follow ids by accident.
      const laterJoiner = await user('late');
      const firstJoiner = await user('first');
      await ctx.befriend(owner, laterJoiner);
      await ctx.befriend(owner, firstJoiner);
      const group = await ctx.group(owner, 'succession', []);
      expect((await addMembers(owner, group.id, [firstJoiner.id])).status).toBe(200);
      await sleep(10);
      expect((await addMembers(owner, group.id, [laterJoiner.id])).status).toBe(200);
      expect((await setRole(owner, group.id, laterJoiner.id, 'admin')).status).toBe(200);

      events = [];
      const res = await removeMember(owner, group.id, owner.id);
      expect(res.status).toBe(204);
      expect(await rolesIn(group.id)).toEqual({
        [firstJoiner.id]: 'owner',
        [laterJoiner.id]: 'admin',
      });
      expect(events.map((e) => e.name)).toEqual([ChatsEvents.memberRemoved, ChatsEvents.updated]);
      expect(events[0].payload).toMatchObject({
        userId: owner.id,
        chatDeleted: false,
        rev: expect.any(Number),
      });
      expect(events[1].payload.chat.participants).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ userId: firstJoiner.id, role: 'owner' }),
        ]),
      );
      expect(events[1].payload.chat.participants).toHaveLength(2);

      // The new owner acts as one.
      expect((await setRole(firstJoiner, group.id, laterJoiner.id, 'member')).status).toBe(200);
      expectError(await getChat(owner, group.id), 404, 'CHAT_NOT_FOUND');
    });

    it('deletes the chat, with its messages, when the last member leaves', async () => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'last one out', [member]);
      await ctx.send(owner, group.id, 'one');
      await ctx.send(member, group.id, 'two');
      expect((await removeMember(member, group.id, member.id)).status).toBe(204);
      events = [];
      expect((await removeMember(owner, group.id, owner.id)).status).toBe(204);
      expect(events).toEqual([
        {
          name: ChatsEvents.memberRemoved,
          payload: {
            chatId: group.id,
            topic: group.topic,
            userId: owner.id,
            chatDeleted: true,
            rev: expect.any(Number),
          },
        },
      ]);
      const { rows } = await t.db.query(
        `SELECT (SELECT count(*)::int FROM chat_sessions WHERE id = $1) AS chats,
                (SELECT count(*)::int FROM chat_participants WHERE chat_id = $1) AS participants,
                (SELECT count(*)::int FROM messages WHERE chat_id = $1) AS messages`,
        [group.id],
      );
      expect(rows[0]).toEqual({ chats: 0, participants: 0, messages: 0 });
      expectError(await getChat(owner, group.id), 404, 'CHAT_NOT_FOUND');
    });

    it('lets an admin remove a member, but not another admin or the owner', async () => {
      const [owner, admin, otherAdmin, member] = await circle(3);
      const group = await ctx.group(owner, 'admin powers', [admin, otherAdmin, member]);
      await setRole(owner, group.id, admin.id, 'admin');
      await setRole(owner, group.id, otherAdmin.id, 'admin');
      events = [];

      expectError(
        await removeMember(admin, group.id, otherAdmin.id),
        403,
        'CANNOT_REMOVE_PARTICIPANT',
      );
      expectError(await removeMember(admin, group.id, owner.id), 403, 'CANNOT_REMOVE_PARTICIPANT');
      expect(events).toEqual([]);

      expect((await removeMember(admin, group.id, member.id)).status).toBe(204);
      expect(events.map((e) => [e.name, e.payload.userId])).toEqual([
        [ChatsEvents.memberRemoved, member.id],
      ]);
      // The owner may remove an admin.
      expect((await removeMember(owner, group.id, otherAdmin.id)).status).toBe(204);
      expect(await rolesIn(group.id)).toEqual({ [owner.id]: 'owner', [admin.id]: 'admin' });
    });

    it('refuses a member removing anyone (403 NOT_CHAT_ADMIN)', async () => {
      const [owner, member, other] = await circle(2);
      const group = await ctx.group(owner, 'no powers', [member, other]);
      events = [];
      expectError(await removeMember(member, group.id, other.id), 403, 'NOT_CHAT_ADMIN');
      expectError(await removeMember(member, group.id, owner.id), 403, 'NOT_CHAT_ADMIN');
      expect(events).toEqual([]);
      expect(Object.keys(await rolesIn(group.id))).toHaveLength(3);
    });

    it('answers 404 for a user not in the group and for a chat I am not in', async () => {
      const [owner, member, friend] = await circle(2);
      const group = await ctx.group(owner, 'who?', [member]);
      events = [];
      expectError(await removeMember(owner, group.id, friend.id), 404, 'PARTICIPANT_NOT_FOUND');
      expectError(await removeMember(owner, group.id, MAX_ID), 404, 'PARTICIPANT_NOT_FOUND');
      expectError(await removeMember(friend, group.id, member.id), 404, 'CHAT_NOT_FOUND');
      expectError(await removeMember(friend, group.id, friend.id), 404, 'CHAT_NOT_FOUND');
      expectError(await removeMember(owner, MAX_ID, owner.id), 404, 'CHAT_NOT_FOUND');
      expect(events).toEqual([]);
    });

    it('refuses a direct chat (400 NOT_A_GROUP_CHAT)', async () => {
      const [a, b] = await circle(1);
      const direct = await ctx.directChat(a, b);
      events = [];
      expectError(await removeMember(a, direct.id, a.id), 400, 'NOT_A_GROUP_CHAT');
      expectError(await removeMember(a, direct.id, b.id), 400, 'NOT_A_GROUP_CHAT');
      expect(Object.keys(await rolesIn(direct.id))).toHaveLength(2);
      expect(events).toEqual([]);
    });

    it('shuts a removed member out at once: 404 on the chat, history, send and read', async () => {
      const [owner, member] = await circle(1);
      const group = await ctx.group(owner, 'shut out', [member]);
      const message = await ctx.send(owner, group.id, 'before removal');
      expect((await removeMember(owner, group.id, member.id)).status).toBe(204);

      const token = member.accessToken;
      const answers = [
        await getChat(member, group.id),
        await t.http.get(`/api/v1/chats/${group.id}/messages`, { token }),
        await t.http.post(`/api/v1/chats/${group.id}/messages`, {
          token,
          body: { body: 'still here?' },
        }),
        await t.http.post(`/api/v1/chats/${group.id}/read`, {
          token,
          body: { messageId: message.id },
        }),
        await rename(member, group.id, 'mine now'),
      ];
      for (const res of answers) {
        expectError(res, 404, 'CHAT_NOT_FOUND');
        expect(res.text).not.toContain('before removal');
      }
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
        [group.id],
      );
      expect(rows[0].n).toBe(1);
    });

    it.each(BAD_IDS)('refuses userId %p in the path with 400', async (id) => {
      const owner = await user();
      const group = await ctx.group(owner, 'path', []);
      expectError(await removeMember(owner, group.id, id), 400, 'VALIDATION_FAILED');
      expectError(await removeMember(owner, id, owner.id), 400, 'VALIDATION_FAILED');
    });
  });
});
