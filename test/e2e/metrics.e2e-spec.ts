import { MetricsServer } from '../../src/metrics/metrics.server';
import { TestContext } from '../utils/context';
import { eventually } from '../utils/eventually';
import { connectSocket, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';
import { WebhookReceiver } from '../utils/webhook-receiver';

describe('metrics', () => {
  let t: TestApp;
  let metricsUrl: string;

  beforeAll(async () => {
    t = await startTestApp();
    metricsUrl = `http://127.0.0.1:${t.app.get(MetricsServer).port}/metrics`;
  });
  afterAll(() => t.close());

  it('serves Prometheus text on the metrics port only, with the app’s and the process’s metrics', async () => {
    const ctx = new TestContext(t);
    const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(a, b);
    const chat = await ctx.directChat(a, b);
    const socket = await connectSocket(t.baseUrl, { token: a.accessToken });
    expect(
      (
        await send(socket, 'message:send', {
          chatId: chat.id,
          body: 'counted',
          clientMessageId: 'm-1',
        })
      ).ok,
    ).toBe(true);
    expect((await send(socket, 'message:send', { chatId: 'nope' })).ok).toBe(false);

    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    socket.close();

    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/chats\/direct",status="201"\} 1/,
    );
    expect(text).toMatch(/socket_events_total\{event="message:send",result="ok"\} 1/);
    expect(text).toMatch(
      /socket_events_total\{event="message:send",result="VALIDATION_FAILED"\} 1/,
    );
    expect(text).toMatch(/message_send_ack_seconds_count 1/);
    expect(text).toMatch(/socket_connections 1/);
    expect(text).toMatch(/database_pool_connections\{state="in_use"\} \d+/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_resident_memory_bytes');

    expect((await t.http.get('/metrics')).status).toBe(404);
  });
});

/** A sample's value in Prometheus text, 0 when the series is absent (a gauge or counter not set yet). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('metrics of webhook deliveries', () => {
  const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef-0123456789';
  let t: TestApp;
  let receiver: WebhookReceiver;
  let metricsUrl: string;

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_RETRY_DELAYS: '1',
    });
    metricsUrl = `http://127.0.0.1:${t.app.get(MetricsServer).port}/metrics`;
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  const scrape = async () => (await fetch(metricsUrl)).text();
  const delivery = (state: string) => `job_queue_jobs{queue="webhook-delivery",state="${state}"}`;

  it('counts the queue, each attempt by result and the time to a delivery', async () => {
    const created = await t.http.post('/api/v1/admin/webhooks', {
      token: ADMIN_TOKEN,
      body: { url: receiver.url(), events: ['message.created'] },
    });
    expect(created.status).toBe(201);
    // The first attempt gets no answer in time; the retry a second later succeeds.
    receiver.respond = (_request, index) => (index === 0 ? 'hold' : 200);
    const before = await scrape();
    expect(before).toContain('# TYPE job_queue_jobs gauge');
    expect(sample(before, delivery('active'))).toBe(0);
    expect(sample(before, 'webhook_attempts_total{result="retry"}')).toBe(0);
    expect(sample(before, 'webhook_attempts_total{result="succeeded"}')).toBe(0);
    expect(sample(before, 'webhook_delivery_seconds_count')).toBe(0);

    const ctx = new TestContext(t);
    const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(a, b);
    await ctx.send(a, (await ctx.directChat(a, b)).id, 'measured');

    await receiver.waitFor(1);
    expect(sample(await scrape(), delivery('active'))).toBe(1);
    const waiting = await eventually(scrape, (text) => sample(text, delivery('created')) === 1);
    expect(sample(waiting, delivery('created'))).toBe(1);
    expect(sample(waiting, 'webhook_attempts_total{result="retry"}')).toBe(1);

    await receiver.waitFor(2);
    const queued = (text: string) =>
      sample(text, delivery('active')) + sample(text, delivery('created'));
    const after = await eventually(
      scrape,
      (text) =>
        sample(text, 'webhook_attempts_total{result="succeeded"}') === 1 && queued(text) === 0,
    );
    expect(sample(after, 'webhook_attempts_total{result="retry"}')).toBe(1);
    expect(sample(after, 'webhook_attempts_total{result="succeeded"}')).toBe(1);
    expect(sample(after, 'webhook_delivery_seconds_count')).toBe(1);
    // From the commit: the held attempt's deadline and the wait before the retry.
    expect(sample(after, 'webhook_delivery_seconds_sum')).toBeGreaterThanOrEqual(2);
    expect(queued(after)).toBe(0);
  });
});
