import { TestContext } from '../utils/context';
import { eventuallyPasses } from '../utils/eventually';
import { startTestApp, TestApp } from '../utils/test-app';
import { Answer, WebhookReceiver } from '../utils/webhook-receiver';
import { ADMIN_TOKEN, deliveriesOf, friendsChatOf, registerAt, verifies } from '../utils/webhooks';

/**
 * Issue 19: how a delivery is attempted, beyond the happy path of webhooks.e2e-spec.ts: the retries
 * and their waits, and the address check at connect time.
 */
describe('webhook retries', () => {
  /**
   * Over a second each, so attempts fall in different seconds; the middle one longer than the others
   * by more than a worker's poll (1 s), so a retry after the wrong wait shows.
   */
  const WAITS = [1.1, 2.2, 1.1];
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1',
      WEBHOOK_RETRY_DELAYS: WAITS.join(','),
      WEBHOOK_TIMEOUT_MS: '2000',
    });
  });
  afterAll(() => t.close());

  it('retries a cut connection, 429 and 408 after their waits, each attempt signed afresh', async () => {
    const answers: Answer[] = ['cut', 429, 408, 200];
    const receiver = await WebhookReceiver.start();
    receiver.respond = (_, index) => answers[index];
    try {
      const endpoint = await registerAt(t, receiver.url(), ['message.created']);
      const ctx = new TestContext(t);
      const { a, chat } = await friendsChatOf(ctx);
      await ctx.send(a, chat.id, 'try, try again');

      await eventuallyPasses(
        async () =>
          expect(await deliveriesOf(t, endpoint.id)).toEqual([
            expect.objectContaining({ status: 'succeeded', attempts: 4, lastStatusCode: 200 }),
          ]),
        20_000,
      );
      const { requests } = receiver;
      expect(requests).toHaveLength(4);
      expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
      expect(new Set(requests.map((request) => request.body)).size).toBe(1);
      expect(requests.every((request) => verifies(request, endpoint.secret))).toBe(true);
      const timestamps = requests.map((request) => Number(request.headers['webhook-timestamp']));
      expect(new Set(timestamps).size).toBe(4);
      requests.slice(1).forEach((request, i) => {
        expect(request.receivedAt - requests[i].receivedAt).toBeGreaterThanOrEqual(WAITS[i] * 1000);
      });
    } finally {
      await receiver.close();
    }
  }, 30_000);
});

/**
 * Registered while the allow-list let loopback in, delivered by a replica whose allow-list does not
 * (as when a name that resolved to a public address at registration resolves inside later): the
 * check at connect time, after DNS, is what keeps the request in.
 */
describe('webhook addresses, checked again at connect time', () => {
  let registrar: TestApp;
  let worker: TestApp;

  beforeAll(async () => {
    registrar = await startTestApp({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1,::1',
      JOB_WORKERS: 'false',
    });
    worker = await startTestApp({}, { databaseUrl: registrar.databaseUrl });
  });
  afterAll(async () => {
    await worker?.close();
    await registrar?.close();
  });

  it('posts nothing to a name that resolves to loopback, nor to a loopback address', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const byName = await registerAt(registrar, receiver.url().replace('127.0.0.1', 'localhost'), [
        'message.created',
      ]);
      const byAddress = await registerAt(registrar, receiver.url(), ['message.created']);
      const ctx = new TestContext(registrar);
      const { a, chat } = await friendsChatOf(ctx);
      await ctx.send(a, chat.id, 'let me in');

      await eventuallyPasses(async () => {
        expect(await deliveriesOf(registrar, byName.id)).toEqual([
          expect.objectContaining({
            status: 'failed',
            attempts: 1,
            lastStatusCode: null,
            lastError: expect.stringMatching(
              /^localhost resolves to (127\.0\.0\.1|::1), an internal address$/,
            ),
          }),
        ]);
        expect(await deliveriesOf(registrar, byAddress.id)).toEqual([
          expect.objectContaining({
            status: 'failed',
            attempts: 1,
            lastStatusCode: null,
            lastError: '127.0.0.1 is an internal address',
          }),
        ]);
      });
      expect(receiver.requests.map((request) => request.path)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
