import { randomBytes } from 'node:crypto';
import { Session, TestContext } from '../utils/context';
import { testRedisUrl } from '../utils/redis';
import { barrier, ClientSocket, connectSocket, nextEvent, record, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Two replicas of the app on two ports, one database, one backplane: every emit, membership change
 * and presence update must cross between them. The Redis run needs a Redis (test/utils/redis.ts).
 */
const redisUrl = testRedisUrl('scale-out over the Redis adapter');
const ADAPTERS = [
  { name: 'postgres', env: {} as Record<string, string> },
  ...(redisUrl ? [{ name: 'redis', env: { REDIS_URL: redisUrl } }] : []),
];

describe.each(ADAPTERS)('two instances over the $name adapter', ({ name, env }) => {
  let one: TestApp;
  let two: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const shared = {
      ...env,
      SOCKET_ADAPTER: name,
      SOCKET_ADAPTER_CHANNEL: `test-${randomBytes(4).toString('hex')}`,
    };
    one = await startTestApp(shared);
    two = await startTestApp(shared, { databaseUrl: one.databaseUrl });
    ctx = new TestContext(one);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  async function on(app: TestApp, session: Session): Promise<ClientSocket> {
    const socket = await connectSocket(app.baseUrl, { token: session.accessToken });
    sockets.push(socket);
    return socket;
  }

  async function friends(): Promise<[Session, Session]> {
    const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(a, b);
    return [a, b];
  }

  it('delivers a message sent on one instance to a socket on the other', async () => {
    const [shivam, shahn] = await friends();
    const chat = await ctx.directChat(shivam, shahn);
    const shivamSocket = await on(two, shivam);
    const shahnSocket = await on(one, shahn);
    const arrival = nextEvent(shahnSocket, 'message:new');
    const ack = await send(shivamSocket, 'message:send', {
      chatId: chat.id,
      body: 'helloo',
      clientMessageId: 'x-1',
    });
    expect(ack.ok).toBe(true);
    expect(await arrival).toEqual(ack.message);

    const overRest = nextEvent(shivamSocket, 'message:new', (m) => m.body === 'via REST on one');
    await ctx.send(shahn, chat.id, 'via REST on one');
    await overRest;
  });

  it('joins and removes sockets on the other instance at once', async () => {
    const [owner, member] = await friends();
    const memberSocket = await on(two, member);
    const created = nextEvent(memberSocket, 'chat:created');
    const group = await ctx.group(owner, 'across', [member]);
    await created;
    const first = nextEvent(memberSocket, 'message:new');
    await ctx.send(owner, group.id, 'while a member');
    expect((await first).body).toBe('while a member');

    const removed = nextEvent(memberSocket, 'chat:member-removed');
    await one.http.delete(`/api/v1/chats/${group.id}/participants/${member.id}`, {
      token: owner.accessToken,
    });
    await removed;
    const afterwards = record(memberSocket, 'message:new');
    const ownerSocket = await on(one, owner);
    const ownerCopy = nextEvent(ownerSocket, 'message:new');
    await ctx.send(owner, group.id, 'after removal');
    await ownerCopy;
    await barrier(memberSocket);
    expect(afterwards).toEqual([]);
  });

  it('keeps presence across instances: online while any socket anywhere is connected', async () => {
    const [a, b] = await friends();
    const bSocket = await on(one, b);
    const cameOnline = nextEvent(bSocket, 'presence', (p) => p.userId === a.id && p.online);
    const aOnTwo = await on(two, a);
    await cameOnline;
    const aOnOne = await on(one, a);

    const updates = record(bSocket, 'presence');
    aOnTwo.close();
    // A round trip through instance two lets it process the disconnect.
    await barrier(await on(two, await ctx.newUser()));
    await barrier(bSocket);
    expect(updates.filter((p) => p.userId === a.id && !p.online)).toEqual([]);

    const offline = nextEvent(bSocket, 'presence', (p) => p.userId === a.id && !p.online);
    aOnOne.close();
    expect((await offline).lastSeenAt).toEqual(expect.any(String));
  });

  it("sends chat:settings to the user's own sockets on both instances and to no one else", async () => {
    const [a, b] = await friends();
    const chat = await ctx.directChat(a, b);
    const [aOnOne, aOnTwo, bOnTwo] = await Promise.all([on(one, a), on(two, a), on(two, b)]);
    const heardByB = record(bOnTwo, 'chat:settings');
    const expected = { chatId: chat.id, muted: true, archived: false };
    const arrivals = [aOnOne, aOnTwo].map((socket) => nextEvent(socket, 'chat:settings'));
    const res = await one.http.patch(`/api/v1/chats/${chat.id}/settings`, {
      token: a.accessToken,
      body: { muted: true },
    });
    expect(res.body).toEqual(expected);
    expect(await Promise.all(arrivals)).toEqual([expected, expected]);
    await barrier(bOnTwo);
    expect(heardByB).toEqual([]);
  });

  it('relays typing across instances', async () => {
    const [a, b] = await friends();
    const chat = await ctx.directChat(a, b);
    const aSocket = await on(one, a);
    const bSocket = await on(two, b);
    const typing = nextEvent(bSocket, 'typing');
    await send(aSocket, 'typing', { chatId: chat.id, isTyping: true });
    expect(await typing).toEqual({ chatId: chat.id, userId: a.id, isTyping: true });
  });

  it('carries payloads bigger than a NOTIFY can hold', async () => {
    const [a, b] = await friends();
    const chat = await ctx.directChat(a, b);
    const bSocket = await on(two, b);
    // 4000 code points, about 16 KB as UTF-8: past NOTIFY's 8000 bytes, so it goes by attachment.
    const body = '🙂'.repeat(4000);
    const arrival = nextEvent(bSocket, 'message:new');
    const sent = await ctx.send(a, chat.id, body);
    expect(await arrival).toEqual(sent);
  });
});
