import { PoolClient } from 'pg';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import { barrier, ClientSocket, connectSocket, send } from '../utils/sockets';
import { statementsDuring } from '../utils/statements-during';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 21: edits and deletes ride the message batcher's flushes, as sends and reactions do. A
 * test transaction holds the chat row's lock while one flush waits on it, so that everything sent
 * meanwhile forms the next flush; the test then checks what that flush did against the tables and
 * what a listener heard.
 */

interface Heard {
  event: string;
  rev: number;
  payload: any;
}

describe('edits and deletes in the flushes of sends', () => {
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

  async function online(session: Session): Promise<ClientSocket> {
    const socket = await connectSocket(t.baseUrl, { token: session.accessToken });
    sockets.push(socket);
    return socket;
  }

  /** Every rev-carrying event of the chat the socket hears from now on, in arrival order. */
  function recordRevs(socket: ClientSocket, chatId: number): Heard[] {
    const heard: Heard[] = [];
    socket.onAny((event: string, payload: any) => {
      if (payload?.chatId === chatId && typeof payload.rev === 'number') {
        heard.push({ event, rev: payload.rev, payload });
      }
    });
    return heard;
  }

  const post = async (me: Session, chatId: number, body: string, replyToId?: number) => {
    const res = await t.http.post(`/api/v1/chats/${chatId}/messages`, {
      token: me.accessToken,
      body: { body, ...(replyToId ? { replyToId } : {}) },
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  /** Holds the chat row's lock, as a flush does, until `release`. */
  async function holdChat(chatId: number): Promise<{ release: () => Promise<void> }> {
    const holder: PoolClient = await t.db.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM chat_sessions WHERE id = $1 FOR UPDATE', [chatId]);
    return {
      release: async () => {
        await holder.query('COMMIT');
        holder.release();
      },
    };
  }

  it('one flush carries the edits and deletes of many users: a rev each (and each reply one more), a fixed number of statements, announced in rev order', async () => {
    const [owner, m1, m2, m3, listenerUser] = await Promise.all(
      Array.from({ length: 5 }, (_, i) => ctx.newUser(uniqueUsername(`bc${i}`))),
    );
    const members = [m1, m2, m3, listenerUser];
    await Promise.all(members.map((member) => ctx.befriend(owner, member)));
    const chat = await ctx.group(owner, uniqueUsername('batch'), members);

    const o1 = await post(owner, chat.id, 'o1');
    const a1 = await post(m1, chat.id, 'a1');
    const x1 = await post(m1, chat.id, 'x1');
    const reply = await post(m2, chat.id, 'a reply to a1', a1.id);
    const c1 = await post(m3, chat.id, 'c1');
    const c2 = await post(m3, chat.id, 'c2');
    const last = await post(m2, chat.id, 'last');

    const [so, s1, s2, s3] = await Promise.all([owner, m1, m2, m3].map(online));
    const listener = await online(listenerUser);
    const heard = recordRevs(listener, chat.id);
    await barrier(listener);
    const before = (
      await t.db.query(
        'SELECT last_rev::int AS rev, last_activity_at AS at FROM chat_sessions WHERE id = $1',
        [chat.id],
      )
    ).rows[0];

    const lock = await holdChat(chat.id);
    // The first flush takes this reaction alone and waits for the lock; the rest queue behind it.
    const reacted = send(so, 'reaction:set', {
      chatId: chat.id,
      messageId: o1.id,
      emoji: '👍',
      on: true,
    });
    await barrier(so);
    const edit = (socket: ClientSocket, messageId: number, body: string) =>
      send(socket, 'message:edit', { chatId: chat.id, messageId, body });
    const remove = (socket: ClientSocket, messageId: number) =>
      send(socket, 'message:delete', { chatId: chat.id, messageId });
    const acks = {
      o1: edit(so, o1.id, 'o1, edited'),
      c1: remove(so, c1.id), // moderation: the owner deletes m3's message
      x1: edit(so, x1.id, 'not mine'),
      a1: edit(s1, a1.id, 'a1, edited once'),
      a1Again: edit(s1, a1.id, 'a1, edited twice'), // the same message: waits for the next flush
      reply: edit(s2, reply.id, 'the reply, edited'),
      last: edit(s2, last.id, 'last, edited'),
      c2: remove(s3, c2.id),
      c2Edit: edit(s3, c2.id, 'too late'), // after its delete, in the next flush
    };
    await Promise.all([so, s1, s2, s3].map(barrier));

    // The app's statements, not those of the job queue's workers polling meanwhile.
    const [answers, statements] = await statementsDuring(
      (text) => !text.includes('pgboss'),
      async () => {
        await lock.release();
        await reacted;
        const entries = await Promise.all(
          Object.entries(acks).map(async ([key, ack]) => [key, await ack] as const),
        );
        return Object.fromEntries(entries) as Record<keyof typeof acks, any>;
      },
    );

    // The refusals: not the sender, and an edit after the delete.
    expect(answers.x1).toEqual({
      ok: false,
      error: { code: 'NOT_MESSAGE_SENDER', message: expect.any(String) },
    });
    expect(answers.c2Edit).toEqual({
      ok: false,
      error: { code: 'MESSAGE_DELETED', message: expect.any(String) },
    });
    const ok = ['o1', 'c1', 'a1', 'a1Again', 'reply', 'last', 'c2'] as const;
    for (const key of ok) expect({ key, ok: answers[key].ok }).toEqual({ key, ok: true });
    expect(answers.o1.message).toMatchObject({ id: o1.id, body: 'o1, edited' });
    expect(answers.a1.message).toMatchObject({ id: a1.id, body: 'a1, edited once' });
    expect(answers.a1Again.message).toMatchObject({ id: a1.id, body: 'a1, edited twice' });
    expect(answers.a1Again.message.rev).toBeGreaterThan(answers.a1.message.rev);
    expect(answers.reply.message).toMatchObject({ id: reply.id, body: 'the reply, edited' });
    // The editor sees their own reaction as theirs.
    expect(answers.o1.message.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);

    // Revs: the reaction 1; then o1, c1, a1, the reply (changed itself, so it takes no second rev
    // for a1's edit: its own shows a1 as the flush left it), last, c2: 6; then a1 again (+1 for the
    // reply): 2. Each announced once, and in rev order, as the flushes commit.
    const after = (
      await t.db.query('SELECT last_rev::int AS rev FROM chat_sessions WHERE id = $1', [chat.id])
    ).rows[0].rev;
    expect(after - before.rev).toBe(9);
    await barrier(listener);
    expect(heard.map((e) => e.rev)).toEqual(
      Array.from({ length: 9 }, (_, i) => before.rev + 1 + i),
    );
    const count = (event: string) => heard.filter((e) => e.event === event).length;
    expect({
      reactions: count('message:reactions'),
      updated: count('message:updated'),
      deleted: count('message:deleted'),
    }).toEqual({ reactions: 1, updated: 6, deleted: 2 });
    const replyEvents = heard.filter((e) => e.payload.id === reply.id);
    expect(replyEvents.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        body: 'the reply, edited',
        replyTo: expect.objectContaining({ id: a1.id, body: 'a1, edited once' }),
      }),
      expect.objectContaining({
        body: 'the reply, edited',
        replyTo: expect.objectContaining({ id: a1.id, body: 'a1, edited twice' }),
      }),
    ]);
    // An event to the whole chat marks no reaction as anyone's.
    const o1Event = heard.find((e) => e.payload.id === o1.id)!;
    expect(o1Event.payload.reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);

    // The tables: each message as its last change left it, at the rev of its last event.
    const { rows } = await t.db.query(
      `SELECT id::int AS id, body, rev::int AS rev, edited_at IS NOT NULL AS edited, deleted_by AS "deletedBy"
         FROM messages WHERE chat_id = $1 ORDER BY seq`,
      [chat.id],
    );
    const row = (id: number) => rows.find((r: any) => r.id === id);
    expect(row(o1.id)).toMatchObject({ body: 'o1, edited', edited: true });
    expect(row(a1.id)).toMatchObject({ body: 'a1, edited twice', edited: true });
    expect(row(x1.id)).toMatchObject({ body: 'x1', edited: false });
    expect(row(reply.id)).toMatchObject({ body: 'the reply, edited', rev: replyEvents[1].rev });
    expect(row(c1.id)).toMatchObject({ body: null, deletedBy: owner.id });
    expect(row(c2.id)).toMatchObject({ body: null, deletedBy: m3.id });
    for (const e of heard) {
      const id = e.payload.id ?? e.payload.messageId;
      const lastEvent = heard.filter((h) => (h.payload.id ?? h.payload.messageId) === id).pop()!;
      expect({ id, rev: row(id).rev }).toEqual({ id, rev: lastEvent.rev });
    }

    // The chat's preview follows the edit of its last message; the list's order does not move.
    const chatNow = await t.http.get(`/api/v1/chats/${chat.id}`, { token: m2.accessToken });
    expect(chatNow.body.lastMessage).toMatchObject({ id: last.id, body: 'last, edited' });
    const at = (
      await t.db.query('SELECT last_activity_at AS at FROM chat_sessions WHERE id = $1', [chat.id])
    ).rows[0].at;
    expect(at).toEqual(before.at);

    // Three flushes (and the lock holder's COMMIT), each a transaction of a few statements, however
    // many changes they carry (a change in a transaction of its own took 9 or more).
    const commits = statements.filter((text) => /^\s*COMMIT/i.test(text));
    expect(commits).toHaveLength(4);
    expect(statements.length).toBeLessThanOrEqual(36); // 31 when written
  });
});
