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

  describe('the seed scenario, live', () => {
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
});
