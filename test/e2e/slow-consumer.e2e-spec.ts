import WebSocket from 'ws';
import { TestContext } from '../utils/context';
import { ClientSocket, connectSocket, nextEvent, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * A client that stops reading must not make the server buffer without bound: past
 * SOCKET_SLOW_CONSUMER_BYTES its socket is dropped, and everyone else carries on.
 */
describe('a slow consumer', () => {
  let t: TestApp;
  const sockets: ClientSocket[] = [];
  let stalled: WebSocket | undefined;

  beforeAll(async () => {
    t = await startTestApp({
      SOCKET_SLOW_CONSUMER_BYTES: '262144',
      SOCKET_MAX_PAYLOAD_BYTES: '65536',
    });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    stalled?.terminate();
    await t.close();
  });

  it('is disconnected once too much waits for it, while a reading client keeps receiving', async () => {
    const ctx = new TestContext(t);
    const [sender, slow, reader] = await Promise.all([ctx.newUser(), ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(sender, slow);
    await ctx.befriend(sender, reader);
    await ctx.befriend(slow, reader);
    const group = await ctx.group(sender, 'firehose', [slow, reader]);

    stalled = await rawSocketThatStopsReading(t.baseUrl, slow.accessToken);
    const senderSocket = await connectSocket(t.baseUrl, { token: sender.accessToken });
    const readerSocket = await connectSocket(t.baseUrl, { token: reader.accessToken });
    sockets.push(senderSocket, readerSocket);
    // The slow user's only socket going away is what their friends see as "offline". 15 s is well
    // inside Socket.IO's own ping timeout (45 s), so only the guard can explain the drop.
    const dropped = nextEvent(
      readerSocket,
      'presence',
      (p) => p.userId === slow.id && !p.online,
      15_000,
    );
    let droppedYet = false;
    void dropped.then(() => (droppedYet = true));

    const body = '🙂'.repeat(4000);
    for (let i = 0; i < 2000 && !droppedYet; i += 1) {
      const ack = await send(senderSocket, 'message:send', {
        chatId: group.id,
        body,
        clientMessageId: `flood-${i}`,
      });
      expect(ack.ok).toBe(true);
    }
    await dropped;
    const last = nextEvent(readerSocket, 'message:new', (m) => m.body === 'still flowing');
    await send(senderSocket, 'message:send', {
      chatId: group.id,
      body: 'still flowing',
      clientMessageId: 'after',
    });
    await last;
    expect((await t.http.get('/health/ready')).status).toBe(200);
  }, 120_000);
});

/** Speaks just enough Engine.IO/Socket.IO to join as a user, then stops reading its TCP socket. */
function rawSocketThatStopsReading(baseUrl: string, token: string): Promise<WebSocket> {
  const url = `${baseUrl.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', (data) => {
      const packet = data.toString();
      if (packet.startsWith('0')) socket.send(`40${JSON.stringify({ token })}`);
      if (packet.startsWith('40')) {
        (socket as unknown as { _socket: { pause(): void } })._socket.pause();
        resolve(socket);
      }
    });
  });
}
