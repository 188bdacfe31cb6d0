import { Session, TestContext } from '../utils/context';
import { cursorOf, IMPOSSIBLE_TIMESTAMPS } from '../utils/cursors';
import { expectError } from '../utils/expect-error';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Every list that takes ?cursor=, fed cursors in its own JSON shape whose values are well-formed
 * but impossible: each must be a 400 INVALID_CURSOR, never reach SQL and never be a 500.
 */
describe('forged cursors', () => {
  let t: TestApp;
  let ctx: TestContext;
  let me: Session;
  let friend: Session;
  let chatId: number;

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
    me = await ctx.newUser();
    friend = await ctx.newUser();
    const blocked = await ctx.newUser();
    // Each list has a row, so a cursor that got through would be compared against real data.
    await ctx.befriend(me, friend);
    chatId = (await ctx.group(me, 'forged cursors', [friend])).id;
    await ctx.send(me, chatId, 'hello');
    const block = await t.http.post('/api/v1/blocks', {
      token: me.accessToken,
      body: { userId: blocked.id },
    });
    expect(block.status).toBe(201);
  });
  afterAll(() => t.close());

  const list = (path: string, cursor: string) =>
    t.http.get(`${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`, {
      token: me.accessToken,
    });

  describe.each(IMPOSSIBLE_TIMESTAMPS)('with the timestamp %s', (timestamp) => {
    it('GET /chats is a 400 INVALID_CURSOR', async () => {
      expectError(
        await list('/api/v1/chats', cursorOf({ at: timestamp, id: 1 })),
        400,
        'INVALID_CURSOR',
      );
    });

    it('GET /friends is a 400 INVALID_CURSOR', async () => {
      const cursor = cursorOf({ since: timestamp, userId: friend.id });
      expectError(await list('/api/v1/friends', cursor), 400, 'INVALID_CURSOR');
    });

    it('GET /blocks is a 400 INVALID_CURSOR', async () => {
      const cursor = cursorOf({ since: timestamp, userId: 1 });
      expectError(await list('/api/v1/blocks', cursor), 400, 'INVALID_CURSOR');
    });
  });

  it('still pages with the cursors the server hands out', async () => {
    for (const path of ['/api/v1/chats', '/api/v1/friends', '/api/v1/blocks']) {
      const second = await ctx.newUser();
      await ctx.befriend(me, second);
      await ctx.group(me, 'another', [second]);
      const block = await t.http.post('/api/v1/blocks', {
        token: me.accessToken,
        body: { userId: (await ctx.newUser()).id },
      });
      expect(block.status).toBe(201);
      const first = await t.http.get(`${path}?limit=1`, { token: me.accessToken });
      expect(first.status).toBe(200);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const next = await list(`${path}?limit=1`, first.body.nextCursor);
      expect({ path, status: next.status }).toEqual({ path, status: 200 });
      expect(next.body.items).toHaveLength(1);
      expect(next.body.items[0]).not.toEqual(first.body.items[0]);
    }
  });

  // The lists keyed by ids or usernames: the same rule, with their own shapes.
  it.each([
    ['/api/v1/friend-requests?direction=outgoing', { id: 0 }],
    ['/api/v1/friend-requests?direction=outgoing', { id: 2 ** 31 }],
    ['/api/v1/friend-requests?direction=outgoing', { id: -1 }],
    ['/api/v1/users?q=user', { u: 'İvan' }],
    ['/api/v1/users?q=user', { u: 'x'.repeat(33) }],
    ['/api/v1/users?q=user', { u: '' }],
  ])('GET %s with the cursor %j is a 400 INVALID_CURSOR', async (path, key) => {
    expectError(await list(path, cursorOf(key)), 400, 'INVALID_CURSOR');
  });

  it.each([
    { before: -1 },
    { after: 2 ** 53 },
    { before: 1.5 },
    { before: 1, after: 2 },
    { at: 1 },
  ])('GET /chats/:chatId/messages with the cursor %j is a 400 INVALID_CURSOR', async (key) => {
    const res = await list(`/api/v1/chats/${chatId}/messages`, cursorOf(key));
    expectError(res, 400, 'INVALID_CURSOR');
  });
});
