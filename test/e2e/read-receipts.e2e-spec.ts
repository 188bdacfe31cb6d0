import { Session, TestContext } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { barrier, ClientSocket, connectSocket, nextEvent, record } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Issue 17, read receipts: GET /chats/:chatId/read-markers and the `shareReadReceipts` setting.
 * A user who keeps receipts private is listed to no one else and `chat:read` about them reaches
 * only their own devices; their own unread counts keep working.
 */
describe('read receipts', () => {
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

  async function group() {
    const [owner, b, c] = await Promise.all([ctx.newUser(), ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(owner, b);
    await ctx.befriend(owner, c);
    const chat = await ctx.group(owner, 'receipts', [b, c]);
    return { owner, b, c, chat };
  }

  const markers = (me: Session, chatId: number) =>
    t.http.get(`/api/v1/chats/${chatId}/read-markers`, { token: me.accessToken });
  const read = (me: Session, chatId: number, messageId: number) =>
    t.http.post(`/api/v1/chats/${chatId}/read`, { token: me.accessToken, body: { messageId } });
  const setSharing = (me: Session, shareReadReceipts: unknown) =>
    t.http.patch('/api/v1/users/me', { token: me.accessToken, body: { shareReadReceipts } });

  it('lists how far each participant has read, with when; a sender has read their own message', async () => {
    const { owner, b, c, chat } = await group();
    const first = await ctx.send(owner, chat.id, 'one');
    const second = await ctx.send(owner, chat.id, 'two');
    expect((await read(b, chat.id, first.id)).status).toBe(204);

    const res = await markers(c, chat.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      [
        { userId: owner.id, messageId: second.id, seq: 2, readAt: expect.stringMatching(ISO_MS) },
        { userId: b.id, messageId: first.id, seq: 1, readAt: expect.stringMatching(ISO_MS) },
      ].sort((x, y) => x.userId - y.userId),
    );
    const { rows } = await t.db.query(
      'SELECT last_read_at FROM chat_participants WHERE chat_id = $1 AND user_id = $2',
      [chat.id, b.id],
    );
    expect(res.body.find((m: any) => m.userId === b.id).readAt).toBe(
      (rows[0].last_read_at as Date).toISOString(),
    );
  });

  it('keeps a private reader out of the list and out of chat:read, but not from their own devices', async () => {
    const { owner, b, c, chat } = await group();
    const message = await ctx.send(owner, chat.id, 'hello');
    const off = await setSharing(b, false);
    expect(off.status).toBe(200);
    expect(off.body.shareReadReceipts).toBe(false);

    const [ownerSocket, bOther, cSocket] = await Promise.all([online(owner), online(b), online(c)]);
    const heardByOthers = [record(ownerSocket, 'chat:read'), record(cSocket, 'chat:read')];
    const mine = nextEvent<any>(bOther, 'chat:read');
    expect((await read(b, chat.id, message.id)).status).toBe(204);
    expect(await mine).toEqual({ chatId: chat.id, userId: b.id, messageId: message.id });
    // c reads too, so that a chat:read reaches everyone; by then b's would have arrived as well.
    const cRead = nextEvent<any>(ownerSocket, 'chat:read', (p) => p.userId === c.id);
    expect((await read(c, chat.id, message.id)).status).toBe(204);
    await cRead;
    await barrier(cSocket);
    for (const heard of heardByOthers) {
      expect(heard.map((event: any) => event.userId)).not.toContain(b.id);
    }

    const seenByOwner = await markers(owner, chat.id);
    expect(seenByOwner.body.map((m: any) => m.userId)).not.toContain(b.id);
    const seenByB = await markers(b, chat.id);
    expect(seenByB.body.map((m: any) => m.userId)).toContain(b.id);
    // b's own unread count still follows the marker.
    const chatForB = await t.http.get(`/api/v1/chats/${chat.id}`, { token: b.accessToken });
    expect(chatForB.body.unreadCount).toBe(0);

    expect((await setSharing(b, true)).status).toBe(200);
    const again = await markers(owner, chat.id);
    expect(again.body.find((m: any) => m.userId === b.id)).toMatchObject({ messageId: message.id });
  });

  it('answers 404 to a non-participant and to a removed member', async () => {
    const { owner, b, chat } = await group();
    const stranger = await ctx.newUser();
    expectError(await markers(stranger, chat.id), 404, 'CHAT_NOT_FOUND');
    const removed = await t.http.delete(`/api/v1/chats/${chat.id}/participants/${b.id}`, {
      token: owner.accessToken,
    });
    expect(removed.status).toBe(204);
    expectError(await markers(b, chat.id), 404, 'CHAT_NOT_FOUND');
    expectError(await markers(owner, 999_999_999), 404, 'CHAT_NOT_FOUND');
  });

  it.each([null, 'false', 0, 'no'])('refuses shareReadReceipts %j with 400', async (value) => {
    const me = await ctx.newUser();
    expectError(await setSharing(me, value), 400, 'VALIDATION_FAILED');
    const { rows } = await t.db.query('SELECT share_read_receipts FROM users WHERE id = $1', [
      me.id,
    ]);
    expect(rows[0].share_read_receipts).toBe(true);
  });
});
