import { PASSWORD, TestContext } from '../utils/context';
import { fileForm, solidPng } from '../utils/images';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 20: a person downloads their own data. Everything of theirs is in it; of other people only
 * ids, never a word they wrote (messages, or the text of a request they sent).
 */
describe('GET /api/v1/users/me/export', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  it("holds all of mine and none of other people's words", async () => {
    const [me, friend, asker, blocked, stranger] = await Promise.all(
      Array.from({ length: 5 }, () => ctx.newUser()),
    );
    await ctx.befriend(me, friend, 'my own request words');
    const received = await t.http.post('/api/v1/friend-requests', {
      token: asker.accessToken,
      body: { toUserId: me.id, message: 'SECRET words of the asker' },
    });
    expect(received.status).toBe(201);
    await t.http.post('/api/v1/blocks', { token: me.accessToken, body: { userId: blocked.id } });
    const group = await ctx.group(me, 'export group', [friend]);
    const mine = await ctx.send(me, group.id, 'my own message');
    const theirs = await ctx.send(friend, group.id, 'SECRET words of my friend');
    await t.http.put(`/api/v1/chats/${group.id}/messages/${theirs.id}/reactions/thumbsup`, {
      token: me.accessToken,
    });
    const upload = await t.http.post('/api/v1/uploads', {
      token: me.accessToken,
      rawBody: fileForm(solidPng(8, 8), 'photo.png'),
    });
    expect(upload.status).toBe(201);

    const res = await t.http.get('/api/v1/users/me/export', { token: me.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="chat-export-${me.id}.json"`,
    );
    const exported = JSON.parse(res.text);
    expect(exported).toMatchObject({
      profile: { id: me.id, username: me.username },
      friends: [{ userId: friend.id }],
      blocks: [{ userId: blocked.id }],
      memberships: [expect.objectContaining({ chatId: group.id, type: 'group', role: 'owner' })],
      reactions: [{ chatId: group.id, messageId: theirs.id, emoji: 'thumbsup' }],
      uploads: [expect.objectContaining({ id: upload.body.id, name: 'photo.png' })],
      messages: [expect.objectContaining({ id: mine.id, body: 'my own message' })],
    });
    expect(exported.friendRequests).toEqual([
      expect.objectContaining({
        direction: 'sent',
        otherUserId: friend.id,
        message: 'my own request words',
      }),
      expect.objectContaining({ direction: 'received', otherUserId: asker.id, message: null }),
    ]);
    expect(res.text).not.toContain('SECRET');
    expect(res.text).not.toContain(PASSWORD);
    expect(res.text).not.toContain(stranger.username);
  });

  it('streams every message of a large account, oldest first', async () => {
    const [me, friend] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(me, friend);
    const chat = await ctx.directChat(me, friend);
    // Written straight to the table: 1,200 sends would take the test's time, not the export's.
    await t.db.query(
      `WITH counter AS (
         UPDATE chat_sessions SET last_seq = last_seq + 1200, last_rev = last_rev + 1200
          WHERE id = $1 RETURNING last_seq - 1200 AS base)
       INSERT INTO messages (chat_id, sender_id, seq, rev, body)
       SELECT $1, $2, base + n, base + n, 'message ' || n FROM counter, generate_series(1, 1200) n`,
      [chat.id, me.id],
    );
    const res = await t.http.get('/api/v1/users/me/export', { token: me.accessToken });
    const { messages } = JSON.parse(res.text);
    expect(messages).toHaveLength(1200);
    expect(messages[0].body).toBe('message 1');
    expect(messages[1199].body).toBe('message 1200');
    const ids = messages.map((m: { id: number }) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('needs a token', async () => {
    expect((await t.http.get('/api/v1/users/me/export')).status).toBe(401);
  });
});
