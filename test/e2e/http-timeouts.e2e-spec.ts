import { io } from 'socket.io-client';
import { TestContext } from '../utils/context';
import { stalledExchange } from '../utils/raw-http';
import { ClientSocket, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

const TIMEOUT_MS = 1000;
/** Long past the timeout plus the server's check interval; before the fix nothing came at all. */
const WAIT_MS = 10_000;

const REQUEST_TIMEOUT = {
  statusCode: 408,
  error: 'Request Timeout',
  code: 'REQUEST_TIMEOUT',
  message: expect.any(String),
};

/** A login request whose body never finishes arriving. */
function halfABody(): Buffer {
  const body = JSON.stringify({ username: 'slow_client', password: 'correct horse battery' });
  return Buffer.from(
    'POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${body.length}\r\n\r\n${body.slice(0, body.length / 2)}`,
  );
}

describe('HTTP timeouts', () => {
  describe('for the whole request', () => {
    let t: TestApp;
    const sockets: ClientSocket[] = [];
    beforeAll(async () => {
      t = await startTestApp({
        HTTP_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
        HTTP_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
      });
    });
    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await t?.close();
    });

    it('answers 408 and hangs up on bodies that stop arriving, many at once', async () => {
      const stalled = await Promise.all(
        Array.from({ length: 20 }, () => stalledExchange(t.baseUrl, halfABody(), WAIT_MS)),
      );
      for (const { response, closed, elapsedMs } of stalled) {
        expect(response.status).toBe(408);
        expect(response.json).toEqual(REQUEST_TIMEOUT);
        expect(closed).toBe(true);
        expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      }
      expect((await t.http.get('/health/live')).status).toBe(200);
    });

    it.each(['websocket', 'polling'] as const)(
      'leaves %s Socket.IO connections alone past the timeout',
      async (transport) => {
        const user = await new TestContext(t).newUser();
        const socket = io(t.baseUrl, {
          transports: [transport],
          auth: { token: user.accessToken },
          reconnection: false,
          forceNew: true,
        });
        sockets.push(socket);
        await new Promise((resolve, reject) => {
          socket.once('connect', () => resolve(undefined));
          socket.once('connect_error', reject);
        });
        const disconnects: string[] = [];
        socket.on('disconnect', (reason) => disconnects.push(reason));
        // Outliving the timeout is the behaviour under test.
        await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 3));
        expect(disconnects).toEqual([]);
        expect(socket.connected).toBe(true);
        await send(socket, 'barrier');
      },
    );
  });

  describe('for the headers', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ HTTP_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS) });
    });
    afterAll(() => t?.close());

    it('answers 408 to headers that stop arriving, well before the request timeout', async () => {
      const partial = Buffer.from('GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1');
      const { response, closed } = await stalledExchange(t.baseUrl, partial, WAIT_MS);
      expect(response.status).toBe(408);
      expect(response.json).toEqual(REQUEST_TIMEOUT);
      expect(closed).toBe(true);
      expect(t.config.http.requestTimeoutMs).toBeGreaterThan(WAIT_MS);
    });
  });
});
