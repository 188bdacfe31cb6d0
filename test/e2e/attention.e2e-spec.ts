import { Session, TestContext } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { barrier, ClientSocket, connectSocket, nextEvent, record, send } from '../utils/sockets';
import { statementsDuring } from '../utils/statements-during';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 17, attention: mentions on send and edit, unread mention counts on chats and the totals
 * of GET /me/unread (derived from rows and markers, checked against a model of the chats after
 * random sends, edits, deletes, reads and mutes), and each participant's own mute and archive.
 */
describe('mentions, unread totals and chat settings', () => {
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

  async function online(user: Session): Promise<ClientSocket> {
    const socket = await connectSocket(t.baseUrl, { token: user.accessToken });
    sockets.push(socket);
    return socket;
  }

  async function group(size = 3) {
    const users = await Promise.all(Array.from({ length: size }, () => ctx.newUser()));
    const [owner, ...members] = users;
    for (const member of members) await ctx.befriend(owner, member);
    const chat = await ctx.group(owner, 'attention', members);
    return { users, chat };
  }

  const post = (me: Session, chatId: number, body: Record<string, unknown>) =>
    t.http.post(`/api/v1/chats/${chatId}/messages`, { token: me.accessToken, body });
  const edit = (me: Session, chatId: number, id: number, body: Record<string, unknown>) =>
    t.http.patch(`/api/v1/chats/${chatId}/messages/${id}`, { token: me.accessToken, body });
  const remove = (me: Session, chatId: number, id: number) =>
    t.http.delete(`/api/v1/chats/${chatId}/messages/${id}`, { token: me.accessToken });
  const read = (me: Session, chatId: number, messageId: number) =>
    t.http.post(`/api/v1/chats/${chatId}/read`, { token: me.accessToken, body: { messageId } });
  const settings = (me: Session, chatId: number | string, body: unknown) =>
    t.http.patch(`/api/v1/chats/${chatId}/settings`, { token: me.accessToken, body });
  const chatOf = async (me: Session, chatId: number) =>
    (await t.http.get(`/api/v1/chats/${chatId}`, { token: me.accessToken })).body;
  const unread = async (me: Session) =>
    (await t.http.get('/api/v1/me/unread', { token: me.accessToken })).body;
  const listChats = async (me: Session, query = '') =>
    (await t.http.get(`/api/v1/chats?limit=100${query}`, { token: me.accessToken })).body.items;

  async function sendWith(me: Session, chatId: number, body: string, mentions: number[]) {
    const res = await post(me, chatId, { body, mentions });
    expect(res.status).toBe(201);
    return res.body;
  }

  describe('mentions', () => {
    it('are stored as rows, shown on the message everywhere and counted for those mentioned', async () => {
      const { users, chat } = await group();
      const [a, b, c] = users;
      const message = await sendWith(a, chat.id, 'hi @b and @c', [c.id, b.id]);
      expect(message.mentions).toEqual([b.id, c.id].sort((x, y) => x - y));

      const { rows } = await t.db.query(
        'SELECT user_id, chat_id, seq FROM message_mentions WHERE message_id = $1 ORDER BY user_id',
        [message.id],
      );
      expect(rows).toEqual(
        [b.id, c.id]
          .sort((x, y) => x - y)
          .map((user_id) => ({ user_id, chat_id: chat.id, seq: message.seq })),
      );
      const history = await t.http.get(`/api/v1/chats/${chat.id}/messages`, {
        token: b.accessToken,
      });
      expect(history.body.items[0].mentions).toEqual(message.mentions);
      const changes = await t.http.get(`/api/v1/chats/${chat.id}/changes?afterRev=0`, {
        token: c.accessToken,
      });
      expect(changes.body.messages.at(-1).mentions).toEqual(message.mentions);

      expect((await chatOf(b, chat.id)).unreadMentionCount).toBe(1);
      expect((await chatOf(a, chat.id)).unreadMentionCount).toBe(0);
      expect(await unread(b)).toEqual({ messages: 1, chats: 1, mentions: 1 });
      expect((await read(b, chat.id, message.id)).status).toBe(204);
      expect((await chatOf(b, chat.id)).unreadMentionCount).toBe(0);
      expect(await unread(b)).toEqual({ messages: 0, chats: 0, mentions: 0 });
    });

    it('travel with message:send and message:new over sockets', async () => {
      const { users, chat } = await group();
      const [a, b] = users;
      const [sa, sb] = await Promise.all([online(a), online(b)]);
      const heard = nextEvent<any>(sb, 'message:new');
      const ack = await send<any>(sa, 'message:send', {
        chatId: chat.id,
        body: 'ping',
        clientMessageId: 'mention-1',
        mentions: [b.id],
      });
      expect(ack.ok).toBe(true);
      expect(ack.message.mentions).toEqual([b.id]);
      expect((await heard).mentions).toEqual([b.id]);
      const refused = await send<any>(sa, 'message:send', {
        chatId: chat.id,
        body: 'ping',
        clientMessageId: 'mention-2',
        mentions: ['x'],
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    });

    it('an edit replaces them, a delete drops them, and the counts follow', async () => {
      const { users, chat } = await group();
      const [a, b, c] = users;
      const message = await sendWith(a, chat.id, 'hey @b', [b.id]);
      expect((await chatOf(b, chat.id)).unreadMentionCount).toBe(1);

      const moved = await edit(a, chat.id, message.id, { body: 'hey @c', mentions: [c.id] });
      expect(moved.status).toBe(200);
      expect(moved.body.mentions).toEqual([c.id]);
      expect((await chatOf(b, chat.id)).unreadMentionCount).toBe(0);
      expect((await chatOf(c, chat.id)).unreadMentionCount).toBe(1);

      // An edit without mentions keeps them.
      const kept = await edit(a, chat.id, message.id, { body: 'hey there @c' });
      expect(kept.body.mentions).toEqual([c.id]);
      expect((await chatOf(c, chat.id)).unreadMentionCount).toBe(1);

      expect((await remove(a, chat.id, message.id)).status).toBe(204);
      expect((await chatOf(c, chat.id)).unreadMentionCount).toBe(0);
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM message_mentions WHERE message_id = $1',
        [message.id],
      );
      expect(rows[0].n).toBe(0);
      const history = await t.http.get(`/api/v1/chats/${chat.id}/messages`, {
        token: c.accessToken,
      });
      expect(history.body.items[0]).toMatchObject({ id: message.id, mentions: [] });
    });

    it('must name participants of the chat: 400, and nothing is stored', async () => {
      const { users, chat } = await group();
      const [a, b, c] = users;
      const stranger = await ctx.newUser();
      expectError(
        await post(a, chat.id, { body: 'x', mentions: [stranger.id] }),
        400,
        'MENTION_NOT_PARTICIPANT',
      );
      expectError(
        await post(a, chat.id, { body: 'x', mentions: [b.id, 2_000_000_000] }),
        400,
        'MENTION_NOT_PARTICIPANT',
      );
      // A removed member is no longer a participant.
      const removed = await t.http.delete(`/api/v1/chats/${chat.id}/participants/${c.id}`, {
        token: a.accessToken,
      });
      expect(removed.status).toBe(204);
      expectError(
        await post(a, chat.id, { body: 'x', mentions: [c.id] }),
        400,
        'MENTION_NOT_PARTICIPANT',
      );
      const message = await sendWith(a, chat.id, 'ok', [b.id]);
      expectError(
        await edit(a, chat.id, message.id, { body: 'y', mentions: [c.id] }),
        400,
        'MENTION_NOT_PARTICIPANT',
      );
      // The refused edit changed nothing.
      const stored = await t.db.query('SELECT body FROM messages WHERE id = $1', [message.id]);
      expect(stored.rows[0].body).toBe('ok');
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM messages WHERE chat_id = $1',
        [chat.id],
      );
      expect(rows[0].n).toBe(1);
    });

    it('a resend returns the first message even when someone it mentions has left since', async () => {
      const { users, chat } = await group();
      const [a, b, c] = users;
      const first = await post(a, chat.id, {
        body: 'hi',
        clientMessageId: 'm-left',
        mentions: [c.id],
      });
      expect(first.status).toBe(201);
      await t.http.delete(`/api/v1/chats/${chat.id}/participants/${c.id}`, {
        token: a.accessToken,
      });
      const again = await post(a, chat.id, {
        body: 'hi',
        clientMessageId: 'm-left',
        mentions: [c.id, b.id],
      });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: first.body.id, mentions: [c.id] });
      // An edit may keep the mention of someone who left, not add one.
      const kept = await edit(a, chat.id, first.body.id, {
        body: 'hi all',
        mentions: [c.id, b.id],
      });
      expect(kept.status).toBe(200);
      expect(kept.body.mentions).toEqual([b.id, c.id].sort((x, y) => x - y));
    });

    it.each([
      ['not an array', 5],
      ['null', null],
      ['a string id', ['1']],
      ['a zero', [0]],
      ['a fraction', [1.5]],
      ['repeats', [1, 1]],
      ['more than 50', Array.from({ length: 51 }, (_, i) => i + 1)],
      ['an id past int4', [2_147_483_648]],
    ])('refuses mentions that are %s with 400', async (_label, mentions) => {
      const { users, chat } = await group(2);
      expectError(await post(users[0], chat.id, { body: 'x', mentions }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('chat settings', () => {
    it('mute and archive are mine only; my devices hear of them and nobody else does', async () => {
      const { users, chat } = await group();
      const [a, b] = users;
      const [mine1, mine2, theirs] = await Promise.all([online(a), online(a), online(b)]);
      const heardByOther = record(theirs, 'chat:settings');
      const onDevices = [mine1, mine2].map((s) => nextEvent<any>(s, 'chat:settings'));
      const res = await settings(a, chat.id, { muted: true });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ chatId: chat.id, muted: true, archived: false });
      for (const heard of await Promise.all(onDevices)) expect(heard).toEqual(res.body);

      const archived = await settings(a, chat.id, { archived: true });
      expect(archived.body).toEqual({ chatId: chat.id, muted: true, archived: true });
      expect(await chatOf(a, chat.id)).toMatchObject({ muted: true, archived: true });
      expect(await chatOf(b, chat.id)).toMatchObject({ muted: false, archived: false });
      await barrier(theirs);
      expect(heardByOther).toEqual([]);

      expect((await listChats(a, '&archived=true')).map((x: any) => x.id)).toEqual([chat.id]);
      expect((await listChats(a, '&archived=false')).map((x: any) => x.id)).not.toContain(chat.id);
      expect((await listChats(a)).map((x: any) => x.id)).toContain(chat.id);
      expect((await listChats(b, '&archived=false')).map((x: any) => x.id)).toContain(chat.id);
    });

    it('a message does not bring an archived chat back; one that mentions me does', async () => {
      const { users, chat } = await group();
      const [a, b, c] = users;
      await settings(b, chat.id, { archived: true });
      await settings(c, chat.id, { archived: true });
      const sb = await online(b);
      const heard = record(sb, 'chat:settings');
      await ctx.send(a, chat.id, 'no mention');
      expect((await chatOf(b, chat.id)).archived).toBe(true);

      const back = nextEvent<any>(sb, 'chat:settings');
      await sendWith(a, chat.id, 'now @b', [b.id]);
      expect(await back).toEqual({ chatId: chat.id, muted: false, archived: false });
      expect(heard).toHaveLength(1);
      expect((await chatOf(b, chat.id)).archived).toBe(false);
      expect((await chatOf(c, chat.id)).archived).toBe(true);

      // An edit that adds a mention brings it back too, unless I have read past the message.
      const message = await sendWith(a, chat.id, 'later', []);
      await edit(a, chat.id, message.id, { body: 'later @c', mentions: [c.id] });
      expect((await chatOf(c, chat.id)).archived).toBe(false);
      const read = await sendWith(a, chat.id, 'read already', []);
      await t.http.post(`/api/v1/chats/${chat.id}/read`, {
        token: b.accessToken,
        body: { messageId: read.id },
      });
      await settings(b, chat.id, { archived: true });
      await edit(a, chat.id, read.id, { body: 'read already @b', mentions: [b.id] });
      expect((await chatOf(b, chat.id)).archived).toBe(true);
    });

    it('a muted chat counts only its mentions in my totals', async () => {
      const { users, chat } = await group();
      const [a, b] = users;
      await settings(b, chat.id, { muted: true });
      await ctx.send(a, chat.id, 'one');
      await ctx.send(a, chat.id, 'two');
      expect(await unread(b)).toEqual({ messages: 0, chats: 0, mentions: 0 });
      expect((await chatOf(b, chat.id)).unreadCount).toBe(2);
      await sendWith(a, chat.id, '@b', [b.id]);
      expect(await unread(b)).toEqual({ messages: 1, chats: 1, mentions: 1 });
      await settings(b, chat.id, { muted: false });
      expect(await unread(b)).toEqual({ messages: 3, chats: 1, mentions: 1 });
    });

    it('refuses bad settings with 400 and chats I am not in with 404', async () => {
      const { users, chat } = await group(2);
      const [a, b] = users;
      const stranger = await ctx.newUser();
      for (const body of [
        { muted: 'yes' },
        { archived: 1 },
        { muted: null },
        { other: true },
        [],
      ]) {
        expectError(await settings(a, chat.id, body), 400, 'VALIDATION_FAILED');
      }
      expectError(await settings(a, 'abc', { muted: true }), 400, 'VALIDATION_FAILED');
      expectError(await settings(stranger, chat.id, { muted: true }), 404, 'CHAT_NOT_FOUND');
      expectError(await settings(a, 999_999_999, { muted: true }), 404, 'CHAT_NOT_FOUND');
      await t.http.delete(`/api/v1/chats/${chat.id}/participants/${b.id}`, {
        token: a.accessToken,
      });
      expectError(await settings(b, chat.id, { muted: true }), 404, 'CHAT_NOT_FOUND');
      for (const query of ['archived=yes', 'archived=1', 'archived=']) {
        const res = await t.http.get(`/api/v1/chats?${query}`, { token: a.accessToken });
        expectError(res, 400, 'VALIDATION_FAILED');
      }
      // An empty change answers the settings and announces nothing.
      const mine = await online(a);
      const heard = record(mine, 'chat:settings');
      expect((await settings(a, chat.id, {})).body).toEqual({
        chatId: chat.id,
        muted: false,
        archived: false,
      });
      await barrier(mine);
      expect(heard).toEqual([]);
    });
  });

  it('lists chats in two queries per page, mention counts included', async () => {
    const [me, ...others] = await Promise.all(Array.from({ length: 6 }, () => ctx.newUser()));
    for (const other of others) {
      await ctx.befriend(me, other);
      const chat = await ctx.directChat(me, other);
      await sendWith(other, chat.id, 'hi', [me.id]);
    }
    const [items, statements] = await statementsDuring(
      (text) => /chat_/.test(text),
      () => listChats(me),
    );
    expect(items).toHaveLength(5);
    for (const item of items) expect(item.unreadMentionCount).toBe(1);
    expect(statements).toHaveLength(2);
  });

  describe('unread totals', () => {
    /**
     * A model of what I should see: for each chat, its messages (seq, mentions of me, deleted),
     * my read marker and whether I muted it; compared with the API after every few random steps.
     */
    it('always equal a recount after random sends, edits, deletes, reads and mutes', async () => {
      const [me, x, y] = await Promise.all([ctx.newUser(), ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(x, me);
      await ctx.befriend(x, y);
      const chats = [
        await ctx.directChat(x, me),
        await ctx.group(x, 'g1', [me, y]),
        await ctx.group(x, 'g2', [me]),
      ];
      interface Sent {
        id: number;
        seq: number;
        mentionsMe: boolean;
        deleted: boolean;
        mine: boolean;
      }
      const model = chats.map((chat) => ({
        chat,
        sent: [] as Sent[],
        marker: 0,
        muted: false,
      }));
      let seed = 17;
      const random = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return seed % n;
      };
      const expected = () => {
        let messages = 0;
        let chatsWith = 0;
        let mentions = 0;
        const perChat = model.map((entry) => {
          const after = entry.sent.filter((m) => m.seq > entry.marker);
          const unreadMentions = after.filter((m) => m.mentionsMe && !m.deleted).length;
          const counted = entry.muted ? unreadMentions : after.length;
          messages += counted;
          mentions += unreadMentions;
          if (counted > 0) chatsWith += 1;
          return { unreadCount: after.length, unreadMentionCount: unreadMentions };
        });
        return { totals: { messages, chats: chatsWith, mentions }, perChat };
      };

      for (let step = 0; step < 60; step += 1) {
        const entry = model[random(model.length)];
        const chatId = entry.chat.id;
        const op = random(10);
        const theirs = entry.sent.filter((m) => !m.mine);
        if (op === 4) {
          // My own message: I have read everything up to it.
          const message = await sendWith(me, chatId, `mine${step}`, []);
          entry.sent.push({
            id: message.id,
            seq: message.seq,
            mentionsMe: false,
            deleted: false,
            mine: true,
          });
          entry.marker = message.seq;
        } else if (op < 5 || theirs.length === 0) {
          const mentionsMe = random(2) === 0;
          const message = await sendWith(x, chatId, `m${step}`, mentionsMe ? [me.id] : []);
          entry.sent.push({
            id: message.id,
            seq: message.seq,
            mentionsMe,
            deleted: false,
            mine: false,
          });
        } else if (op < 7) {
          const target = theirs[random(theirs.length)];
          const mentionsMe = random(2) === 0;
          const res = await edit(x, chatId, target.id, {
            body: `e${step}`,
            mentions: mentionsMe ? [me.id] : [],
          });
          if (!target.deleted) {
            expect(res.status).toBe(200);
            target.mentionsMe = mentionsMe;
          } else {
            expectError(res, 409, 'MESSAGE_DELETED');
          }
        } else if (op < 8) {
          const target = theirs[random(theirs.length)];
          expect((await remove(x, chatId, target.id)).status).toBe(204);
          target.deleted = true;
        } else if (op < 9) {
          const target = entry.sent[random(entry.sent.length)];
          expect((await read(me, chatId, target.id)).status).toBe(204);
          entry.marker = Math.max(entry.marker, target.seq);
        } else {
          entry.muted = !entry.muted;
          expect((await settings(me, chatId, { muted: entry.muted })).status).toBe(200);
        }
        if (step % 6 === 5 || step === 59) {
          const want = expected();
          expect({ step, totals: await unread(me) }).toEqual({ step, totals: want.totals });
          const listed = await listChats(me);
          model.forEach((m, i) => {
            const item = listed.find((chat: any) => chat.id === m.chat.id);
            expect({
              step,
              chat: i,
              unreadCount: item.unreadCount,
              mentions: item.unreadMentionCount,
            }).toEqual({
              step,
              chat: i,
              unreadCount: want.perChat[i].unreadCount,
              mentions: want.perChat[i].unreadMentionCount,
            });
          });
        }
      }
    });
  });
});
