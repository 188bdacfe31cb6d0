import { PASSWORD, Session, TestContext, uniqueUsername } from '../utils/context';
import { fileForm, solidPng } from '../utils/images';
import { ClientSocket, connectSocket } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Pool starvation: on a pool of two connections, many concurrent calls of every write use case are
 * each answered normally (never 503 or 500, never a hang) and leave the right rows. A use case that
 * holds a transaction's connection while something inside it takes another from the pool (the
 * direct-chat bug: the users repository ignored the ambient transaction) fails here at once: two
 * such calls hold both connections and wait for a third, which ends in a 503 where the pool's wait
 * is bounded and in a hang (caught by the client-side timeouts) where it is not.
 */
const CALLS = 20;
const TIMEOUT_MS = 10_000;

/** How one call was answered: its HTTP status, `ok` or the error code of a socket ack, or `timeout`. */
interface Answer {
  outcome: string;
  body: any;
}

interface UseCase<S> {
  name: string;
  setup(): Promise<S>;
  /** The i-th of the concurrent calls. */
  call(state: S, i: number): Promise<Answer>;
  /** How many calls end with each outcome, e.g. `{ 201: 1, 200: 19 }`. */
  expected: Record<string, number>;
  check(state: S, answers: Answer[]): Promise<void>;
  calls?: number;
}

/** Types each use case's calls and checks by what its setup made. */
const useCase = <S>(spec: UseCase<S>): UseCase<any> => spec;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { outcome } of answers) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

const FRIENDSHIPS_OF = 'friendships WHERE $1 IN (user_low_id, user_high_id)';

describe('pool starvation: concurrent writes on a pool of two connections', () => {
  let t: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: '2' });
    ctx = new TestContext(t);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(() => t.close());

  async function api(
    method: string,
    path: string,
    as: Session | null,
    options: { body?: unknown; rawBody?: FormData } = {},
  ): Promise<Answer> {
    try {
      const res = await t.http.request(method, `/api/v1${path}`, {
        token: as?.accessToken,
        ...options,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return { outcome: String(res.status), body: res.body };
    } catch (error) {
      const { name, message } = error as Error;
      return { outcome: name === 'TimeoutError' ? 'timeout' : `failed: ${message}`, body: null };
    }
  }

  const post = (path: string, as: Session | null, body?: unknown) =>
    api('POST', path, as, { body });
  const patch = (path: string, as: Session, body: unknown) => api('PATCH', path, as, { body });
  const del = (path: string, as: Session) => api('DELETE', path, as);

  async function emit(socket: ClientSocket, event: string, payload: unknown): Promise<Answer> {
    try {
      const ack = await socket.timeout(TIMEOUT_MS).emitWithAck(event, payload);
      return { outcome: ack.ok ? 'ok' : ack.error.code, body: ack };
    } catch {
      return { outcome: 'timeout', body: null };
    }
  }

  /** Asserts the first row of a query made on the test's own connection to the database. */
  async function expectRow(sql: string, params: unknown[], expected: Record<string, unknown>) {
    const { rows } = await t.db.query(sql, params);
    expect(rows[0]).toEqual(expected);
  }
  const expectCount = (from: string, params: unknown[], n: number) =>
    expectRow(`SELECT count(*)::int AS n FROM ${from}`, params, { n });

  const users = (n: number) => Promise.all(range(n).map(() => ctx.newUser(uniqueUsername('ps'))));

  /** A user and n others, befriended or not. */
  async function hub(n: number, befriend: boolean) {
    const [me, ...others] = await users(n + 1);
    if (befriend) await Promise.all(others.map((other) => ctx.befriend(me, other)));
    return { me, others };
  }

  async function friendRequest(from: Session, to: Session): Promise<number> {
    const res = await post('/friend-requests', from, { toUserId: to.id });
    if (res.outcome !== '201') throw new Error(`friend request failed: ${res.outcome}`);
    return res.body.id;
  }

  /** A user with 20 pending friend requests, to them (`in`) or from them (`out`). */
  async function pending(direction: 'in' | 'out') {
    const { me, others } = await hub(CALLS, false);
    const send = (other: Session) =>
      direction === 'in' ? friendRequest(other, me) : friendRequest(me, other);
    return { me, ids: await Promise.all(others.map(send)) };
  }

  /** n sessions of one new user, each with its own refresh token. */
  async function sessions(n: number): Promise<Session[]> {
    const [user] = await users(1);
    const credentials = { username: user.username, password: PASSWORD };
    const login = async () => {
      const { body } = await post('/auth/login', null, credentials);
      return { ...user, accessToken: body.accessToken, refreshToken: body.refreshToken };
    };
    return Promise.all(range(n).map(login));
  }

  async function directChat(messages = 0) {
    const [a, b] = await users(2);
    await ctx.befriend(a, b);
    const chatId: number = (await ctx.directChat(a, b)).id;
    const messageIds: number[] = [];
    for (const i of range(messages)) messageIds.push((await ctx.send(a, chatId, `m${i}`)).id);
    return { a, b, chatId, messageIds };
  }

  async function group(members: number) {
    const { me: owner, others } = await hub(members, true);
    const chatId: number = (await ctx.group(owner, 'starved', others)).id;
    return { owner, others, chatId };
  }

  const online = (session: Session, n: number) =>
    Promise.all(
      range(n).map(async () => {
        const socket = await connectSocket(t.baseUrl, { token: session.accessToken });
        sockets.push(socket);
        return socket;
      }),
    );

  /** Small valid PNGs, each a different colour. */
  const avatarForms = (n: number): FormData[] =>
    range(n).map((i) => fileForm(solidPng(8, 8, [i, 0, 0]), 'a.png', 'file', 'image/png'));

  const expectMessages = (chatId: number, n: number) =>
    expectRow(
      `SELECT count(*)::int AS messages, count(DISTINCT seq)::int AS seqs, max(seq)::int AS "maxSeq",
              (SELECT last_seq::int FROM chat_sessions WHERE id = $1) AS "lastSeq"
         FROM messages WHERE chat_id = $1`,
      [chatId],
      { messages: n, seqs: n, maxSeq: n, lastSeq: n },
    );

  /** Exactly n direct chats with these users in them, each with its two participants. */
  const expectDirectChats = (userIds: number[], n: number) =>
    expectRow(
      `SELECT count(DISTINCT c.id)::int AS chats, count(*)::int AS participants
         FROM chat_sessions c JOIN chat_participants p ON p.chat_id = c.id
        WHERE c.type = 'direct' AND (c.user_1_id = ANY($1) OR c.user_2_id = ANY($1))`,
      [userIds],
      { chats: n, participants: 2 * n },
    );

  const useCases: UseCase<any>[] = [
    useCase({
      name: 'auth: register 20 users',
      setup: async () => range(CALLS).map(() => uniqueUsername('reg')),
      call: (names, i) => post('/auth/register', null, { username: names[i], password: PASSWORD }),
      expected: { 201: CALLS },
      check: (names) =>
        expectCount(
          'users u JOIN refresh_tokens t ON t.user_id = u.id WHERE u.username = ANY($1)',
          [names],
          CALLS,
        ),
    }),
    useCase({
      name: 'auth: register one username 20 times (409 but for one)',
      setup: async () => uniqueUsername('same'),
      call: (username) => post('/auth/register', null, { username, password: PASSWORD }),
      expected: { 201: 1, 409: CALLS - 1 },
      check: (username) => expectCount('users WHERE lower(username) = lower($1)', [username], 1),
    }),
    useCase({
      name: 'auth: log in 20 times',
      setup: async () => (await users(1))[0],
      call: ({ username }) => post('/auth/login', null, { username, password: PASSWORD }),
      expected: { 200: CALLS },
      check: (user) => expectCount('refresh_tokens WHERE user_id = $1', [user.id], CALLS + 1),
    }),
    useCase({
      name: 'auth: refresh 20 sessions',
      setup: () => sessions(CALLS),
      call: (all, i) => post('/auth/refresh', null, { refreshToken: all[i].refreshToken }),
      expected: { 200: CALLS },
      check: (all) =>
        expectCount(
          'refresh_tokens WHERE user_id = $1 AND used_at IS NOT NULL',
          [all[0].id],
          CALLS,
        ),
    }),
    useCase({
      name: 'auth: refresh one token 20 times (one wins; the reuse revokes the session: 401)',
      setup: async () => (await users(1))[0],
      call: ({ refreshToken }) => post('/auth/refresh', null, { refreshToken }),
      expected: { 200: 1, 401: CALLS - 1 },
      check: (user) =>
        expectRow(
          `SELECT count(*)::int AS tokens, count(*) FILTER (WHERE revoked_at IS NULL)::int AS live
             FROM refresh_tokens WHERE user_id = $1`,
          [user.id],
          { tokens: 2, live: 0 },
        ),
    }),
    useCase({
      name: 'auth: log out 20 sessions',
      setup: () => sessions(CALLS),
      call: (all, i) => post('/auth/logout', all[i], { refreshToken: all[i].refreshToken }),
      expected: { 204: CALLS },
      check: (all) =>
        expectCount('refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL', [all[0].id], 1),
    }),
    useCase({
      name: 'users: PATCH me 20 times',
      setup: async () => (await users(1))[0],
      call: (user, i) => patch('/users/me', user, { displayName: `Name ${i}` }),
      expected: { 200: CALLS },
      check: (user) =>
        expectCount(`users WHERE id = $1 AND display_name ~ '^Name \\d+$'`, [user.id], 1),
    }),
    useCase({
      name: 'users: PUT me/avatar 20 times',
      setup: async () => ({ user: (await users(1))[0], forms: avatarForms(CALLS) }),
      call: ({ user, forms }, i) => api('PUT', '/users/me/avatar', user, { rawBody: forms[i] }),
      expected: { 200: CALLS },
      // One avatar row, and the user points at the one that was stored last.
      check: ({ user }) =>
        expectRow(
          `SELECT count(*)::int AS avatars, bool_and(a.etag = u.avatar_etag) AS consistent
             FROM user_avatars a JOIN users u ON u.id = a.user_id WHERE a.user_id = $1`,
          [user.id],
          { avatars: 1, consistent: true },
        ),
    }),
    useCase({
      name: 'friend requests: send 20 to one user',
      setup: () => hub(CALLS, false),
      call: ({ me, others }, i) => post('/friend-requests', others[i], { toUserId: me.id }),
      expected: { 201: CALLS },
      check: ({ me }) =>
        expectCount(`friend_requests WHERE to_user_id = $1 AND status = 'pending'`, [me.id], CALLS),
    }),
    useCase({
      name: 'friend requests: send 10 each way between two users (one sent, one completed, 409s)',
      setup: () => users(2),
      call: ([a, b], i) => {
        const [from, to] = i % 2 ? [b, a] : [a, b];
        return post('/friend-requests', from, { toUserId: to.id });
      },
      expected: { 201: 1, 200: 1, 409: CALLS - 2 },
      check: async ([a]) => {
        await expectCount(FRIENDSHIPS_OF, [a.id], 1);
        await expectRow(
          `SELECT array_agg(status) AS statuses
             FROM friend_requests WHERE $1 IN (from_user_id, to_user_id)`,
          [a.id],
          { statuses: ['accepted'] },
        );
      },
    }),
    useCase({
      name: 'friend requests: accept 20',
      setup: () => pending('in'),
      call: ({ me, ids }, i) => post(`/friend-requests/${ids[i]}/accept`, me),
      expected: { 200: CALLS },
      check: ({ me }) => expectCount(FRIENDSHIPS_OF, [me.id], CALLS),
    }),
    useCase({
      name: 'friend requests: accept one 20 times (409 but for one)',
      setup: async () => {
        const [a, b] = await users(2);
        return { b, id: await friendRequest(a, b) };
      },
      call: ({ b, id }) => post(`/friend-requests/${id}/accept`, b),
      expected: { 200: 1, 409: CALLS - 1 },
      check: ({ b }) => expectCount(FRIENDSHIPS_OF, [b.id], 1),
    }),
    useCase({
      name: 'friend requests: reject 20',
      setup: () => pending('in'),
      call: ({ me, ids }, i) => post(`/friend-requests/${ids[i]}/reject`, me),
      expected: { 200: CALLS },
      check: ({ me }) =>
        expectCount(
          `friend_requests WHERE to_user_id = $1 AND status = 'rejected'`,
          [me.id],
          CALLS,
        ),
    }),
    useCase({
      name: 'friend requests: withdraw 20',
      setup: () => pending('out'),
      call: ({ me, ids }, i) => del(`/friend-requests/${ids[i]}`, me),
      expected: { 204: CALLS },
      check: ({ me }) => expectCount('friend_requests WHERE from_user_id = $1', [me.id], 0),
    }),
    useCase({
      name: 'blocks: block 20 friends',
      setup: () => hub(CALLS, true),
      call: ({ me, others }, i) => post('/blocks', me, { userId: others[i].id }),
      expected: { 201: CALLS },
      check: async ({ me }) => {
        await expectCount('user_blocks WHERE blocker_id = $1', [me.id], CALLS);
        await expectCount(FRIENDSHIPS_OF, [me.id], 0);
      },
    }),
    useCase({
      name: 'blocks: unblock 20',
      setup: async () => {
        const { me, others } = await hub(CALLS, false);
        const block = (other: Session) => post('/blocks', me, { userId: other.id });
        await Promise.all(others.map(block));
        return { me, others };
      },
      call: ({ me, others }, i) => del(`/blocks/${others[i].id}`, me),
      expected: { 204: CALLS },
      check: ({ me }) => expectCount('user_blocks WHERE blocker_id = $1', [me.id], 0),
    }),
    useCase({
      name: 'friends: unfriend 20',
      setup: () => hub(CALLS, true),
      call: ({ me, others }, i) => del(`/friends/${others[i].id}`, me),
      expected: { 204: CALLS },
      check: ({ me }) => expectCount(FRIENDSHIPS_OF, [me.id], 0),
    }),
    useCase({
      name: 'chats: open the direct chat from both sides of 30 pairs (the original failure)',
      calls: 60,
      setup: async () => {
        const people = await users(60);
        const pairs = range(30).map((p) => [people[2 * p], people[2 * p + 1]]);
        await Promise.all(pairs.map(([a, b]) => ctx.befriend(a, b)));
        return { pairs, ids: people.map((person) => person.id) };
      },
      call: ({ pairs }, i) => {
        const [a, b] = pairs[i >> 1];
        const [me, other] = i % 2 ? [b, a] : [a, b];
        return post('/chats/direct', me, { userId: other.id });
      },
      expected: { 201: 30, 200: 30 },
      check: async ({ ids }, answers) => {
        for (const p of range(30)) expect(answers[2 * p].body.id).toBe(answers[2 * p + 1].body.id);
        await expectDirectChats(ids, 30);
      },
    }),
    useCase({
      name: 'chats: open one direct chat 20 times from both sides',
      setup: async () => {
        const [a, b] = await users(2);
        await ctx.befriend(a, b);
        return [a, b];
      },
      call: ([a, b], i) => {
        const [me, other] = i % 2 ? [b, a] : [a, b];
        return post('/chats/direct', me, { userId: other.id });
      },
      expected: { 201: 1, 200: CALLS - 1 },
      check: async ([a], answers) => {
        expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
        await expectDirectChats([a.id], 1);
      },
    }),
    useCase({
      name: 'chats: create 20 groups',
      setup: () => hub(3, true),
      call: ({ me, others }, i) =>
        post('/chats/groups', me, {
          name: `group ${i}`,
          memberIds: others.map((other) => other.id),
        }),
      expected: { 201: CALLS },
      check: ({ me }) =>
        expectRow(
          `SELECT count(DISTINCT chat_id)::int AS groups, count(*)::int AS participants
             FROM chat_participants WHERE chat_id IN
               (SELECT chat_id FROM chat_participants WHERE user_id = $1 AND role = 'owner')`,
          [me.id],
          { groups: CALLS, participants: 4 * CALLS },
        ),
    }),
    useCase({
      name: 'chats: rename a group 20 times',
      setup: () => group(1),
      call: ({ owner, chatId }, i) => patch(`/chats/${chatId}`, owner, { name: `renamed ${i}` }),
      expected: { 200: CALLS },
      check: ({ chatId }) =>
        expectCount(`chat_sessions WHERE id = $1 AND name ~ '^renamed \\d+$'`, [chatId], 1),
    }),
    useCase({
      name: 'chats: add 20 participants, one per call',
      setup: async () => {
        const { me: owner, others } = await hub(CALLS, true);
        return { owner, others, chatId: (await ctx.group(owner, 'growing', [])).id as number };
      },
      call: ({ owner, others, chatId }, i) =>
        post(`/chats/${chatId}/participants`, owner, { userIds: [others[i].id] }),
      expected: { 200: CALLS },
      check: ({ chatId }) =>
        expectCount('chat_participants WHERE chat_id = $1', [chatId], CALLS + 1),
    }),
    useCase({
      name: 'chats: make 20 members admins',
      setup: () => group(CALLS),
      call: ({ owner, others, chatId }, i) =>
        patch(`/chats/${chatId}/participants/${others[i].id}`, owner, { role: 'admin' }),
      expected: { 200: CALLS },
      check: ({ chatId }) =>
        expectCount(`chat_participants WHERE chat_id = $1 AND role = 'admin'`, [chatId], CALLS),
    }),
    useCase({
      name: 'chats: remove 20 participants',
      setup: () => group(CALLS),
      call: ({ owner, others, chatId }, i) =>
        del(`/chats/${chatId}/participants/${others[i].id}`, owner),
      expected: { 204: CALLS },
      check: ({ owner, chatId }) =>
        expectRow(
          'SELECT array_agg(user_id) AS members FROM chat_participants WHERE chat_id = $1',
          [chatId],
          { members: [owner.id] },
        ),
    }),
    useCase({
      name: 'messages: send 20 over REST',
      setup: () => directChat(),
      call: ({ a, b, chatId }, i) =>
        post(`/chats/${chatId}/messages`, i % 2 ? b : a, {
          body: `hello ${i}`,
          clientMessageId: `rest-${i}`,
        }),
      expected: { 201: CALLS },
      check: ({ chatId }) => expectMessages(chatId, CALLS),
    }),
    useCase({
      name: 'messages: edit one message 20 times',
      setup: () => directChat(1),
      call: ({ a, chatId, messageIds }, i) =>
        patch(`/chats/${chatId}/messages/${messageIds[0]}`, a, { body: `edit ${i}` }),
      expected: { 200: CALLS },
      // Edited, and the chat list's preview shows the edit that committed last.
      check: ({ messageIds }) =>
        expectCount(
          `messages m JOIN chat_sessions c ON c.id = m.chat_id
            WHERE m.id = $1 AND m.edited_at IS NOT NULL AND m.body ~ '^edit \\d+$'
              AND c.last_message->>'body' = m.body`,
          [messageIds[0]],
          1,
        ),
    }),
    useCase({
      name: 'messages: delete 20',
      setup: () => directChat(CALLS),
      call: ({ a, chatId, messageIds }, i) => del(`/chats/${chatId}/messages/${messageIds[i]}`, a),
      expected: { 204: CALLS },
      check: ({ chatId }) =>
        expectCount('messages WHERE chat_id = $1 AND deleted_at IS NOT NULL', [chatId], CALLS),
    }),
    useCase({
      name: 'messages: move the read marker 20 times',
      setup: () => directChat(CALLS),
      call: ({ b, chatId, messageIds }, i) =>
        post(`/chats/${chatId}/read`, b, { messageId: messageIds[i] }),
      expected: { 204: CALLS },
      // Never backward: the marker ends on the newest message whatever the order of the calls.
      check: ({ b, chatId, messageIds }) =>
        expectRow(
          `SELECT last_read_seq::int AS seq, last_read_message_id::int AS "messageId"
             FROM chat_participants WHERE chat_id = $1 AND user_id = $2`,
          [chatId, b.id],
          { seq: CALLS, messageId: messageIds[CALLS - 1] },
        ),
    }),
    useCase({
      name: 'socket: message:send 20 times from 20 sockets',
      setup: async () => {
        const chat = await directChat();
        const [a, b] = await Promise.all([online(chat.a, CALLS / 2), online(chat.b, CALLS / 2)]);
        return { chatId: chat.chatId, sockets: [...a, ...b] };
      },
      call: ({ sockets, chatId }, i) =>
        emit(sockets[i], 'message:send', { chatId, body: `live ${i}`, clientMessageId: `l-${i}` }),
      expected: { ok: CALLS },
      check: ({ chatId }) => expectMessages(chatId, CALLS),
    }),
    useCase({
      name: 'socket: sync 20 times',
      setup: async () => {
        const chat = await directChat(5);
        return { chatId: chat.chatId, sockets: await online(chat.b, CALLS) };
      },
      call: ({ sockets, chatId }, i) => emit(sockets[i], 'sync', { chatId, afterSeq: 0 }),
      expected: { ok: CALLS },
      check: async (_state, answers) => {
        for (const { body } of answers) {
          expect(body.messages.map((message: any) => message.seq)).toEqual([1, 2, 3, 4, 5]);
          expect(body.hasMore).toBe(false);
        }
      },
    }),
  ];

  it.each(useCases)(
    '$name',
    async (spec) => {
      const state = await spec.setup();
      const calls = range(spec.calls ?? CALLS).map((i) => spec.call(state, i));
      const answers = await Promise.all(calls);
      expect(tally(answers)).toEqual(spec.expected);
      await spec.check(state, answers);
    },
    60_000,
  );
});
