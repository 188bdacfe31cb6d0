import { Session, TestContext, uniqueUsername } from '../utils/context';
import { barrier, ClientSocket, connectSocket, nextEvent, record, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

describe('realtime', () => {
  let t: TestApp;
  let ctx: TestContext;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({ TYPING_TIMEOUT_MS: '300' });
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

  describe('the sample scenario, live', () => {
    let shahn: Session;
    let shivam: Session;
    let udit: Session;
    let outsider: Session;

    beforeAll(async () => {
      [shahn, shivam, udit, outsider] = await Promise.all(
        ['shahn', 'shivam', 'udit', 'outsider'].map((name) => ctx.newUser(uniqueUsername(name))),
      );
      await ctx.befriend(shahn, shivam, 'hi');
      await ctx.befriend(shahn, udit);
      await ctx.befriend(shivam, udit);
    });

    it("delivers Shivam's helloo to both of Shahn's sockets, after the commit, and to no one else", async () => {
      const chat = await ctx.directChat(shivam, shahn);
      const shivamSocket = await online(shivam);
      const shahnPhone = await online(shahn);
      const shahnLaptop = await online(shahn);
      const uditSocket = await online(udit);
      const outsiderSocket = await online(outsider);
      const uditGot = record(uditSocket, 'message:new');
      const outsiderGot = record(outsiderSocket, 'message:new');

      const arrivals = Promise.all(
        [shahnPhone, shahnLaptop].map((s) => nextEvent(s, 'message:new')),
      );
      const ack = await send(shivamSocket, 'message:send', {
        chatId: chat.id,
        body: 'helloo',
        clientMessageId: 'c-1',
      });
      expect(ack).toMatchObject({
        ok: true,
        message: { chatId: chat.id, seq: 1, senderId: shivam.id, body: 'helloo' },
      });
      const { rows } = await t.db.query('SELECT body FROM messages WHERE id = $1', [
        ack.message.id,
      ]);
      expect(rows).toEqual([{ body: 'helloo' }]);

      for (const message of await arrivals) expect(message).toEqual(ack.message);
      await Promise.all([barrier(uditSocket), barrier(outsiderSocket)]);
      expect(uditGot).toEqual([]);
      expect(outsiderGot).toEqual([]);
    });

    it('delivers group-1 messages to every member', async () => {
      const group = await ctx.group(shahn, 'group-1', [shivam, udit]);
      const [shahnSocket, shivamSocket, uditSocket] = await Promise.all(
        [shahn, shivam, udit].map(online),
      );
      const arrivals = Promise.all(
        [shahnSocket, shivamSocket, uditSocket].map((s) =>
          nextEvent(s, 'message:new', (m) => m.chatId === group.id),
        ),
      );
      const ack = await send(shivamSocket, 'message:send', {
        chatId: group.id,
        body: 'hi all',
        clientMessageId: 'g-1',
      });
      expect(ack.ok).toBe(true);
      expect((await arrivals).map((m) => m.body)).toEqual(['hi all', 'hi all', 'hi all']);
    });
  });

  describe('events from REST and from sockets alike', () => {
    let a: Session;
    let b: Session;
    let chat: any;

    beforeEach(async () => {
      a = await ctx.newUser();
      b = await ctx.newUser();
      await ctx.befriend(a, b);
      chat = await ctx.directChat(a, b);
    });

    it('pushes a message sent over REST to sockets', async () => {
      const socket = await online(b);
      const arrival = nextEvent(socket, 'message:new');
      const sent = await ctx.send(a, chat.id, 'over REST');
      expect(await arrival).toEqual(sent);
    });

    it('pushes edits, deletions and read markers', async () => {
      const [aSocket, bSocket] = await Promise.all([online(a), online(b)]);
      const ack = await send(aSocket, 'message:send', {
        chatId: chat.id,
        body: 'first',
        clientMessageId: 'm1',
      });

      const updated = nextEvent(bSocket, 'message:updated');
      expect(
        await send(aSocket, 'message:edit', {
          chatId: chat.id,
          messageId: ack.message.id,
          body: 'edited',
        }),
      ).toMatchObject({ ok: true, message: { body: 'edited', editedAt: expect.any(String) } });
      expect(await updated).toMatchObject({ id: ack.message.id, body: 'edited' });

      const read = nextEvent(aSocket, 'chat:read');
      expect(
        await send(bSocket, 'chat:read', { chatId: chat.id, messageId: ack.message.id }),
      ).toEqual({ ok: true });
      expect(await read).toEqual({ chatId: chat.id, userId: b.id, messageId: ack.message.id });

      const deleted = nextEvent(bSocket, 'message:deleted');
      expect(
        await send(aSocket, 'message:delete', { chatId: chat.id, messageId: ack.message.id }),
      ).toEqual({
        ok: true,
      });
      expect(await deleted).toEqual({
        chatId: chat.id,
        messageId: ack.message.id,
        rev: expect.any(Number),
        deletedAt: expect.any(String),
        deletedBy: a.id,
      });
    });

    it('pushes friend requests to both sides', async () => {
      const c = await ctx.newUser();
      const [aSocket, cSocket] = await Promise.all([online(a), online(c)]);
      const incoming = nextEvent(cSocket, 'friend-request:new');
      const outgoing = nextEvent(aSocket, 'friend-request:new');
      const sent = await t.http.post('/api/v1/friend-requests', {
        token: a.accessToken,
        body: { toUserId: c.id },
      });
      expect(await incoming).toEqual(sent.body);
      expect(await outgoing).toEqual(sent.body);

      const updated = nextEvent(aSocket, 'friend-request:updated');
      await t.http.post(`/api/v1/friend-requests/${sent.body.id}/accept`, { token: c.accessToken });
      expect(await updated).toMatchObject({ id: sent.body.id, status: 'accepted' });
    });
  });

  describe('rooms follow membership', () => {
    it('joins members to a new group at once, without chat:join', async () => {
      const [owner, member] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(owner, member);
      const memberSocket = await online(member);
      const created = nextEvent(memberSocket, 'chat:created');
      const group = await ctx.group(owner, 'fresh', [member]);
      expect(await created).toMatchObject({ id: group.id, topic: group.topic, type: 'group' });
      const arrival = nextEvent(memberSocket, 'message:new');
      await ctx.send(owner, group.id, 'welcome');
      expect(await arrival).toMatchObject({ chatId: group.id, body: 'welcome' });
    });

    it('adds a new member’s sockets to the room and stops delivery at once on removal', async () => {
      const [owner, member] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(owner, member);
      const group = await ctx.group(owner, 'changing', []);
      const [ownerSocket, memberSocket] = await Promise.all([online(owner), online(member)]);

      const created = nextEvent(memberSocket, 'chat:created');
      const added = nextEvent(ownerSocket, 'chat:member-added');
      await t.http.post(`/api/v1/chats/${group.id}/participants`, {
        token: owner.accessToken,
        body: { userIds: [member.id] },
      });
      expect(await created).toMatchObject({ id: group.id });
      expect(await added).toEqual({ chatId: group.id, userId: member.id, rev: group.lastRev + 1 });
      const arrival = nextEvent(memberSocket, 'message:new');
      await ctx.send(owner, group.id, 'while a member');
      expect((await arrival).body).toBe('while a member');

      const removed = nextEvent(memberSocket, 'chat:member-removed');
      const removal = await t.http.delete(`/api/v1/chats/${group.id}/participants/${member.id}`, {
        token: owner.accessToken,
      });
      expect(removal.status).toBe(204);
      expect(await removed).toEqual({
        chatId: group.id,
        userId: member.id,
        rev: group.lastRev + 3,
      });
      const afterwards = record(memberSocket, 'message:new');
      await ctx.send(owner, group.id, 'after removal');
      await barrier(memberSocket);
      expect(afterwards).toEqual([]);
      expect(await send(memberSocket, 'chat:join', { chatId: group.id })).toMatchObject({
        ok: false,
        error: { code: 'CHAT_NOT_FOUND' },
      });
    });
  });

  describe('typing', () => {
    it('reaches the other participants only, and expires when the client goes quiet', async () => {
      const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(a, b);
      const chat = await ctx.directChat(a, b);
      const [aPhone, aLaptop, bSocket] = await Promise.all([online(a), online(a), online(b)]);
      const ownEcho = record(aLaptop, 'typing');

      const started = nextEvent(bSocket, 'typing');
      expect(await send(aPhone, 'typing', { chatId: chat.id, isTyping: true })).toEqual({
        ok: true,
      });
      expect(await started).toEqual({ chatId: chat.id, userId: a.id, isTyping: true });
      // TYPING_TIMEOUT_MS is 300 here: the server switches it off by itself.
      expect(await nextEvent(bSocket, 'typing')).toEqual({
        chatId: chat.id,
        userId: a.id,
        isTyping: false,
      });
      await barrier(aLaptop);
      expect(ownEcho).toEqual([]);
    });

    it('is switched off when the typing socket disconnects', async () => {
      // An app whose typing timeout is far away: only the disconnect can switch it off here.
      const patient = await startTestApp({ TYPING_TIMEOUT_MS: '60000' });
      try {
        const patientCtx = new TestContext(patient);
        const [a, b] = await Promise.all([patientCtx.newUser(), patientCtx.newUser()]);
        await patientCtx.befriend(a, b);
        const chat = await patientCtx.directChat(a, b);
        const aSocket = await connectSocket(patient.baseUrl, { token: a.accessToken });
        const bSocket = await connectSocket(patient.baseUrl, { token: b.accessToken });
        sockets.push(aSocket, bSocket);
        const started = nextEvent(bSocket, 'typing', (p) => p.isTyping);
        await send(aSocket, 'typing', { chatId: chat.id, isTyping: true });
        await started;
        const stopped = nextEvent(bSocket, 'typing', (p) => !p.isTyping);
        aSocket.close();
        expect(await stopped).toEqual({ chatId: chat.id, userId: a.id, isTyping: false });
      } finally {
        for (const socket of sockets.splice(0)) socket.close();
        await patient.close();
      }
    });
  });

  describe('presence', () => {
    it('tells friends when a user comes online and when their last socket goes', async () => {
      const [a, b, stranger] = await Promise.all([ctx.newUser(), ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(a, b);
      const bSocket = await online(b);
      const strangerSocket = await online(stranger);
      const strangerSaw = record(strangerSocket, 'presence');

      const cameOnline = nextEvent(bSocket, 'presence', (p) => p.userId === a.id);
      const aPhone = await online(a);
      expect(await cameOnline).toEqual({ userId: a.id, online: true, lastSeenAt: null });
      const aLaptop = await online(a);

      const updates = record(bSocket, 'presence');
      aPhone.close();
      await nextDisconnectOnServer();
      await barrier(bSocket);
      expect(updates.filter((p) => p.userId === a.id && !p.online)).toEqual([]);

      const wentOffline = nextEvent(bSocket, 'presence', (p) => p.userId === a.id && !p.online);
      aLaptop.close();
      const offline = await wentOffline;
      expect(offline.lastSeenAt).toEqual(expect.stringMatching(/Z$/));
      const { rows } = await t.db.query('SELECT last_seen_at FROM users WHERE id = $1', [a.id]);
      expect(rows[0].last_seen_at.toISOString()).toBe(offline.lastSeenAt);

      await barrier(strangerSocket);
      expect(strangerSaw.filter((p) => p.userId === a.id)).toEqual([]);
    });

    it('gives a connecting socket the presence of each friend before anything else', async () => {
      const [a, b, c] = await Promise.all([ctx.newUser(), ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(a, b);
      await ctx.befriend(a, c);
      await online(b);
      const snapshot: unknown[] = [];
      const socket = await connectSocket(t.baseUrl, {
        token: a.accessToken,
        onCreate: (created) => created.on('presence', (p) => snapshot.push(p)),
      });
      sockets.push(socket);
      // No waiting for it: the presence is sent with "connect", before the answer to any event.
      await barrier(socket);
      expect(snapshot).toHaveLength(2);
      expect(snapshot).toEqual(
        expect.arrayContaining([
          { userId: b.id, online: true, lastSeenAt: null },
          { userId: c.id, online: false, lastSeenAt: null },
        ]),
      );
    });

    /** The server handles a disconnect asynchronously; one barrier round trip on another socket lets it run. */
    async function nextDisconnectOnServer(): Promise<void> {
      const probe = await online(await ctx.newUser());
      await barrier(probe);
    }
  });

  describe('catching up', () => {
    it('returns exactly the messages missed while disconnected, oldest first', async () => {
      const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
      await ctx.befriend(a, b);
      const chat = await ctx.directChat(a, b);
      let bSocket = await online(b);
      const first = nextEvent(bSocket, 'message:new');
      await ctx.send(a, chat.id, 'seen live');
      const lastSeen = await first;
      bSocket.close();

      for (let i = 1; i <= 5; i += 1) await ctx.send(a, chat.id, `missed ${i}`);
      bSocket = await online(b);
      const page = await send(bSocket, 'sync', {
        chatId: chat.id,
        afterSeq: lastSeen.seq,
        limit: 3,
      });
      expect(page).toMatchObject({ ok: true, hasMore: true });
      expect(page.messages.map((m: any) => m.body)).toEqual(['missed 1', 'missed 2', 'missed 3']);
      const rest = await send(bSocket, 'sync', { chatId: chat.id, afterSeq: page.messages[2].seq });
      expect(rest).toMatchObject({ ok: true, hasMore: false });
      expect(rest.messages.map((m: any) => m.seq)).toEqual([5, 6]);
      const byId = await send(bSocket, 'sync', { chatId: chat.id, afterMessageId: lastSeen.id });
      expect(byId.messages).toHaveLength(5);
    });
  });
});
