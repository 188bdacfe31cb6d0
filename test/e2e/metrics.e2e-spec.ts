import { MetricsServer } from '../../src/metrics/metrics.server';
import { TestContext } from '../utils/context';
import { connectSocket, send } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

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
