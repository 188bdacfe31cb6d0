import { Session, TestContext } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { ClientSocket, connectSocket, nextEvent, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 20, group moderation: an owner or admin deletes any message of their group, and the
 * tombstone and the event say who; nobody else deletes another's message.
 */
describe('group moderation', () => {
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

  async function group() {
    const [owner, admin, member, other] = await Promise.all(
      Array.from({ length: 4 }, () => ctx.newUser()),
    );
    for (const user of [admin, member, other]) await ctx.befriend(owner, user);
    const chat = await ctx.group(owner, 'moderated', [admin, member, other]);
    const promoted = await t.http.patch(`/api/v1/chats/${chat.id}/participants/${admin.id}`, {
      token: owner.accessToken,
      body: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    return { owner, admin, member, other, chat };
  }

  const remove = (who: Session, chatId: number, messageId: number) =>
    t.http.delete(`/api/v1/chats/${chatId}/messages/${messageId}`, { token: who.accessToken });
  const deletedBy = async (messageId: number) =>
    (await t.db.query('SELECT deleted_by FROM messages WHERE id = $1', [messageId])).rows[0]
      .deleted_by;

  it('lets the owner and an admin delete any message; the tombstone and the event say who', async () => {
    const { owner, admin, member, chat } = await group();
    const first = await ctx.send(member, chat.id, 'spam');
    const second = await ctx.send(owner, chat.id, "owner's words");
    const watcher = await connectSocket(t.baseUrl, { token: member.accessToken });
    sockets.push(watcher);

    const heard = nextEvent<any>(watcher, 'message:deleted');
    expect((await remove(owner, chat.id, first.id)).status).toBe(204);
    expect(await heard).toMatchObject({ messageId: first.id, deletedBy: owner.id });
    expect(await deletedBy(first.id)).toBe(owner.id);

    // An admin may delete even the owner's message.
    expect((await remove(admin, chat.id, second.id)).status).toBe(204);
    expect(await deletedBy(second.id)).toBe(admin.id);

    const history = await t.http.get(`/api/v1/chats/${chat.id}/messages`, {
      token: member.accessToken,
    });
    expect(history.body.items.map((m: any) => [m.id, m.body, m.deletedBy])).toEqual([
      [second.id, null, admin.id],
      [first.id, null, owner.id],
    ]);
  });

  it('a sender deleting their own message is recorded as its deleter', async () => {
    const { member, chat } = await group();
    const mine = await ctx.send(member, chat.id, 'oops');
    const socket = await connectSocket(t.baseUrl, { token: member.accessToken });
    sockets.push(socket);
    expect(await send(socket, 'message:delete', { chatId: chat.id, messageId: mine.id })).toEqual({
      ok: true,
    });
    expect(await deletedBy(mine.id)).toBe(member.id);
  });

  it('refuses plain members, direct-chat partners, removed members and outsiders', async () => {
    const { owner, member, other, chat } = await group();
    const message = await ctx.send(other, chat.id, 'not yours');
    expectError(await remove(member, chat.id, message.id), 403, 'NOT_MESSAGE_SENDER');
    const stranger = await ctx.newUser();
    expectError(await remove(stranger, chat.id, message.id), 404, 'CHAT_NOT_FOUND');
    await t.http.delete(`/api/v1/chats/${chat.id}/participants/${member.id}`, {
      token: owner.accessToken,
    });
    expectError(await remove(member, chat.id, message.id), 404, 'CHAT_NOT_FOUND');

    const direct = await ctx.directChat(owner, other);
    const theirs = await ctx.send(other, direct.id, 'direct words');
    expectError(await remove(owner, direct.id, theirs.id), 403, 'NOT_MESSAGE_SENDER');
    expect(await deletedBy(message.id)).toBeNull();
    expect(await deletedBy(theirs.id)).toBeNull();
  });
});
