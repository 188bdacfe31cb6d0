import { Session, TestContext, uniqueUsername } from '../utils/context';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * The sample scenario the API was shaped by (docs/api.md), over the API step by step: Shahn, Shivam
 * and Udit are friends; Shivam messages Shahn 1-1, finding or creating their direct chat, then writes
 * in their group chat "group-1", picked from his chat list by name.
 */
describe('the sample scenario', () => {
  let t: TestApp;
  let ctx: TestContext;
  let shahn: Session;
  let shivam: Session;
  let udit: Session;

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
    shahn = await ctx.newUser(uniqueUsername('shahn'));
    shivam = await ctx.newUser(uniqueUsername('shivam'));
    udit = await ctx.newUser(uniqueUsername('udit'));
    // Everyone is friends: shahn-shivam (the accepted "hi"), shahn-udit, shivam-udit.
    await ctx.befriend(shahn, shivam, 'hi');
    await ctx.befriend(shahn, udit);
    await ctx.befriend(shivam, udit);
  });
  afterAll(() => t.close());

  it('Shivam sends a 1-1 message to Shahn: find or create the chat, then send', async () => {
    const opened = await t.http.post('/api/v1/chats/direct', {
      token: shivam.accessToken,
      body: { userId: shahn.id },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      type: 'direct',
      name: `${shivam.username}/${shahn.username}`,
      topic: expect.stringMatching(/^chat:/),
      participants: expect.arrayContaining([
        expect.objectContaining({ userId: shivam.id, role: 'member' }),
        expect.objectContaining({ userId: shahn.id, role: 'member' }),
      ]),
      lastMessage: null,
      unreadCount: 0,
    });

    const again = await t.http.post('/api/v1/chats/direct', {
      token: shahn.accessToken,
      body: { userId: shivam.id },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(opened.body.id);

    const sent = await t.http.post(`/api/v1/chats/${opened.body.id}/messages`, {
      token: shivam.accessToken,
      body: { body: 'helloo' },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      chatId: opened.body.id,
      seq: 1,
      senderId: shivam.id,
      body: 'helloo',
    });

    const history = await t.http.get(`/api/v1/chats/${opened.body.id}/messages`, {
      token: shahn.accessToken,
    });
    expect(history.body.items.map((m: any) => m.body)).toEqual(['helloo']);
    const shahnsChat = await t.http.get(`/api/v1/chats/${opened.body.id}`, {
      token: shahn.accessToken,
    });
    expect(shahnsChat.body).toMatchObject({
      unreadCount: 1,
      lastMessage: { body: 'helloo', senderId: shivam.id },
    });
    const shivamsChat = await t.http.get(`/api/v1/chats/${opened.body.id}`, {
      token: shivam.accessToken,
    });
    expect(shivamsChat.body.unreadCount).toBe(0);
  });

  it('Shivam messages group-1: pulls his chats, picks the group, sends', async () => {
    const group = await ctx.group(shahn, 'group-1', [shivam, udit]);
    expect(group.participants).toHaveLength(3);

    const chats = await t.http.get('/api/v1/chats', { token: shivam.accessToken });
    const chosen = chats.body.items.find((chat: any) => chat.name === 'group-1');
    expect(chosen).toMatchObject({ id: group.id, type: 'group' });

    const sent = await ctx.send(shivam, chosen.id, 'hi group');
    expect(sent.seq).toBe(1);
    const forUdit = await t.http.get('/api/v1/chats', { token: udit.accessToken });
    expect(forUdit.body.items[0]).toMatchObject({
      id: group.id,
      unreadCount: 1,
      lastMessage: { body: 'hi group' },
    });
  });

  it('stores the rows the scenario describes', async () => {
    const friendships = await t.db.query(
      'SELECT count(*)::int AS n FROM friendships WHERE user_low_id < user_high_id',
    );
    expect(friendships.rows[0].n).toBe(3);
    const hi = await t.db.query(
      `SELECT status FROM friend_requests WHERE from_user_id = $1 AND to_user_id = $2 AND message = 'hi'`,
      [shahn.id, shivam.id],
    );
    expect(hi.rows).toEqual([{ status: 'accepted' }]);
    const message = await t.db.query(`SELECT sender_id FROM messages WHERE body = 'helloo'`);
    expect(message.rows).toEqual([{ sender_id: shivam.id }]);
  });
});
