import { Session, TestContext, uniqueUsername } from '../utils/context';
import { barrier, ClientSocket, connectSocket, record, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * What reaches the other side of a direct chat passes the gate a send passes: once either user
 * blocks the other, or they are no longer friends, edits and typing are refused like sends, over
 * REST and sockets alike, and the other side hears nothing. Deleting one's own message stays allowed.
 */
describe('the send gate for edits and typing', () => {
  let t: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
  });
  afterEach(() => sockets.splice(0).forEach((socket) => socket.close()));
  afterAll(() => t.close());

  const online = async (session: Session) => {
    const socket = await connectSocket(t.baseUrl, { token: session.accessToken });
    sockets.push(socket);
    return socket;
  };

  const refused = {
    ok: false,
    error: { code: 'DIRECT_CHAT_NOT_ALLOWED', message: expect.any(String) },
  };

  /** Two friends with a direct chat and one message from `a`, then `cutOff` between them. */
  async function cutOffPair(cutOff: (a: Session, b: Session) => Promise<void>) {
    const [a, b] = await Promise.all([
      ctx.newUser(uniqueUsername('gate_a')),
      ctx.newUser(uniqueUsername('gate_b')),
    ]);
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    const message = await ctx.send(a, chat.id, 'before');
    await cutOff(a, b);
    return { a, b, chatId: chat.id as number, messageId: message.id as number };
  }

  async function block(blocker: Session, blocked: Session): Promise<void> {
    const res = await t.http.post('/api/v1/blocks', {
      token: blocker.accessToken,
      body: { userId: blocked.id },
    });
    expect(res.status).toBe(201);
  }

  const cases: [string, (a: Session, b: Session) => Promise<void>][] = [
    ['the recipient blocked the sender', (a, b) => block(b, a)],
    ['the sender blocked the recipient', (a, b) => block(a, b)],
    [
      'they are no longer friends',
      async (a, b) => {
        const res = await t.http.delete(`/api/v1/friends/${a.id}`, { token: b.accessToken });
        expect(res.status).toBe(204);
      },
    ],
  ];

  it.each(cases)('when %s, edits and typing are refused and never arrive', async (_, cutOff) => {
    const { a, b, chatId, messageId } = await cutOffPair(cutOff);
    const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
    const heard = [...['message:updated', 'typing'].map((event) => record(bSocket, event))];

    expect(await send(aSocket, 'message:edit', { chatId, messageId, body: 'rewritten' })).toEqual(
      refused,
    );
    const rest = await t.http.patch(`/api/v1/chats/${chatId}/messages/${messageId}`, {
      token: a.accessToken,
      body: { body: 'rewritten over REST' },
    });
    expect(rest.status).toBe(403);
    expect(rest.body.code).toBe('DIRECT_CHAT_NOT_ALLOWED');
    expect(await send(aSocket, 'typing', { chatId, isTyping: true })).toEqual(refused);

    await barrier(aSocket);
    await barrier(bSocket);
    expect(heard).toEqual([[], []]);
    const { rows } = await t.db.query('SELECT body, edited_at FROM messages WHERE id = $1', [
      messageId,
    ]);
    expect(rows).toEqual([{ body: 'before', edited_at: null }]);

    // Taking one's own words back stays allowed.
    expect(await send(aSocket, 'message:delete', { chatId, messageId })).toEqual({ ok: true });
  });

  it('lets friends who do not block each other edit and type as before', async () => {
    const { a, b, chatId, messageId } = await cutOffPair(async () => undefined);
    const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
    const typing = record(bSocket, 'typing');
    expect(await send(aSocket, 'message:edit', { chatId, messageId, body: 'fine' })).toMatchObject({
      ok: true,
      message: { body: 'fine' },
    });
    expect(await send(aSocket, 'typing', { chatId, isTyping: true })).toEqual({ ok: true });
    await barrier(aSocket);
    await barrier(bSocket);
    expect(typing).toEqual([{ chatId, userId: a.id, isTyping: true }]);
  });

  it('refuses typing in a group the user is not in, and carries on in one they are in', async () => {
    const [owner, member, outsider] = await Promise.all(
      ['gate_o', 'gate_m', 'gate_x'].map((name) => ctx.newUser(uniqueUsername(name))),
    );
    await ctx.befriend(owner, member);
    const group = await ctx.group(owner, 'gate group', [member]);
    const [outsiderSocket, memberSocket] = await Promise.all([online(outsider), online(member)]);
    expect(
      await send(outsiderSocket, 'typing', { chatId: group.id, isTyping: true }),
    ).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NOT_FOUND' },
    });
    expect(await send(memberSocket, 'typing', { chatId: group.id, isTyping: true })).toEqual({
      ok: true,
    });
  });
});
