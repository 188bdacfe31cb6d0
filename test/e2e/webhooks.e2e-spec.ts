import { ChatsService } from '../../src/chats/chats.service';
import { TransactionHost } from '../../src/database/transaction-host';
import { JobQueue } from '../../src/notifications/job-queue';
import { WebhookDeliverer } from '../../src/notifications/webhook-deliverer';
import { TestContext } from '../utils/context';
import { eventuallyPasses } from '../utils/eventually';
import { expectError } from '../utils/expect-error';
import { startTestApp, TestApp } from '../utils/test-app';
import { WebhookReceiver } from '../utils/webhook-receiver';
import {
  ADMIN_TOKEN,
  admin,
  deliveriesOf,
  friendsChatOf,
  registerAt,
  verifies,
} from '../utils/webhooks';

const DISABLE_AFTER = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue 19: webhooks from a transactional outbox. A real receiver on loopback (allowed here by
 * OUTBOUND_ALLOWED_NETWORKS), short retry waits, and the real job queue in PostgreSQL.
 */
describe('outgoing webhooks', () => {
  let t: TestApp;
  let ctx: TestContext;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1',
      WEBHOOK_RETRY_DELAYS: '0.2,0.2',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_DISABLE_AFTER_FAILURES: String(DISABLE_AFTER),
    });
    ctx = new TestContext(t);
  });
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    await receiver.close();
    await t.db.query('DELETE FROM webhook_endpoints');
  });
  afterAll(() => t.close());

  const register = (events: string[] = ['*'], url = receiver.url()) => registerAt(t, url, events);
  const friendsChat = () => friendsChatOf(ctx);
  const deliveries = (webhookId: number) => deliveriesOf(t, webhookId);

  it('delivers a message once, signed, with the Standard Webhooks headers', async () => {
    const endpoint = await register(['message.created']);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const { a, chat } = await friendsChat();
    const message = await ctx.send(a, chat.id, 'hello outside world');

    await receiver.waitFor(1);
    const [request] = receiver.requests;
    expect(request.headers['content-type']).toBe('application/json');
    expect(Number(request.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(verifies(request, endpoint.secret)).toBe(true);
    expect(JSON.parse(request.body)).toEqual({
      id: request.headers['webhook-id'],
      type: 'message.created',
      createdAt: expect.any(String),
      data: { message: expect.objectContaining({ id: message.id, body: 'hello outside world' }) },
    });
    await eventuallyPasses(async () =>
      expect(await deliveries(endpoint.id)).toEqual([
        expect.objectContaining({
          eventId: request.headers['webhook-id'],
          eventType: 'message.created',
          status: 'succeeded',
          attempts: 1,
          lastStatusCode: 200,
        }),
      ]),
    );
    await sleep(500);
    expect(receiver.requests).toHaveLength(1);
  });

  it('announces every kind of change to an endpoint that takes them all, in commit order', async () => {
    await register(['*']);
    const [a, b, c] = await Promise.all([ctx.newUser(), ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(a, b);
    await ctx.befriend(a, c);
    const group = await ctx.group(a, 'hooked', [b]);
    const added = await t.http.post(`/api/v1/chats/${group.id}/participants`, {
      token: a.accessToken,
      body: { userIds: [c.id] },
    });
    expect(added.status).toBe(200);
    const renamed = await t.http.patch(`/api/v1/chats/${group.id}`, {
      token: a.accessToken,
      body: { name: 'rehooked' },
    });
    expect(renamed.status).toBe(200);
    const message = await ctx.send(a, group.id, 'first');
    const path = `/api/v1/chats/${group.id}/messages/${message.id}`;
    expect(
      (await t.http.patch(path, { token: a.accessToken, body: { body: 'edited' } })).status,
    ).toBe(200);
    expect((await t.http.put(`${path}/reactions/thumbsup`, { token: b.accessToken })).status).toBe(
      200,
    );
    expect((await t.http.delete(path, { token: a.accessToken })).status).toBe(204);
    const removed = await t.http.delete(`/api/v1/chats/${group.id}/participants/${c.id}`, {
      token: a.accessToken,
    });
    expect(removed.status).toBe(204);

    const expected = [
      'friend_request.created',
      'friend_request.updated',
      'friendship.created',
      'friend_request.created',
      'friend_request.updated',
      'friendship.created',
      'chat.created',
      'member.added',
      'chat.updated',
      'message.created',
      'message.updated',
      'reaction.changed',
      'message.deleted',
      'member.removed',
    ];
    await receiver.waitFor(expected.length);
    await sleep(300);
    const types = receiver.bodies().map((body) => body.type);
    // Each transaction's events are delivered independently, so only the set is certain.
    expect([...types].sort()).toEqual([...expected].sort());
    const updated = receiver.bodies().find((body) => body.type === 'chat.updated');
    expect(updated.data).toEqual({
      chat: expect.objectContaining({ id: group.id, type: 'group', name: 'rehooked' }),
    });
    const reaction = receiver.bodies().find((body) => body.type === 'reaction.changed');
    expect(reaction.data).toMatchObject({
      messageId: message.id,
      emoji: 'thumbsup',
      count: 1,
      on: true,
    });
  });

  it('gives up after the last retry, counts the failure, and replays on request', async () => {
    const endpoint = await register(['message.created']);
    receiver.respond = () => 500;
    const { a, chat } = await friendsChat();
    await ctx.send(a, chat.id, 'nobody home');

    await receiver.waitFor(3);
    let delivery: any;
    await eventuallyPasses(async () => {
      [delivery] = await deliveries(endpoint.id);
      expect(delivery).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500 });
      expect(delivery.lastError).toMatch(/HTTP 500/);
    });
    const listed = await t.http.get(`/api/v1/admin/webhooks/${endpoint.id}`, admin);
    expect(listed.body).toMatchObject({ enabled: true, consecutiveFailures: 1 });
    await sleep(600);
    expect(receiver.requests).toHaveLength(3);

    receiver.respond = () => 200;
    const replay = await t.http.post(
      `/api/v1/admin/webhooks/${endpoint.id}/deliveries/${delivery.id}/replay`,
      admin,
    );
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: delivery.id, status: 'pending', attempts: 0 });
    await receiver.waitFor(4);
    expect(receiver.requests[3].headers['webhook-id']).toBe(delivery.eventId);
    await eventuallyPasses(async () =>
      expect((await deliveries(endpoint.id))[0]).toMatchObject({
        status: 'succeeded',
        attempts: 1,
      }),
    );
    const after = await t.http.get(`/api/v1/admin/webhooks/${endpoint.id}`, admin);
    expect(after.body.consecutiveFailures).toBe(0);
  });

  it('answers replays at once with a reset or "still pending", never "not found"', async () => {
    const endpoint = await register(['message.created']);
    const { a, chat } = await friendsChat();
    await ctx.send(a, chat.id, 'once more');
    const finished = async () => {
      let delivery: any;
      await eventuallyPasses(async () => {
        [delivery] = await deliveries(endpoint.id);
        expect(delivery).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });
      });
      return delivery;
    };
    const path = (id: number) => `/api/v1/admin/webhooks/${endpoint.id}/deliveries/${id}/replay`;

    for (let round = 0; round < 8; round += 1) {
      const { id } = await finished();
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => t.http.post(path(id), admin)),
      );
      const outcomes = answers.map((res) => `${res.status} ${res.body.code ?? res.body.status}`);
      // A replay after the replayed attempt is done may reset it again: 202 is fine then.
      expect(outcomes.filter((o) => o !== '202 pending' && o !== '409 DELIVERY_PENDING')).toEqual(
        [],
      );
      expect(outcomes).toContain('202 pending');
    }
  });

  it('disables an endpoint that answers 410 Gone, and delivers nothing more to it', async () => {
    const endpoint = await register(['message.created']);
    receiver.respond = () => 410;
    const { a, chat } = await friendsChat();
    await ctx.send(a, chat.id, 'anyone?');
    await receiver.waitFor(1);
    await eventuallyPasses(async () => {
      const res = await t.http.get(`/api/v1/admin/webhooks/${endpoint.id}`, admin);
      expect(res.body).toMatchObject({
        enabled: false,
        disabledReason: expect.stringMatching(/410/),
      });
    });
    await ctx.send(a, chat.id, 'still there?');
    await sleep(1000);
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveries(endpoint.id)).toHaveLength(1);

    const replay = await t.http.post(
      `/api/v1/admin/webhooks/${endpoint.id}/deliveries/${(await deliveries(endpoint.id))[0].id}/replay`,
      admin,
    );
    expectError(replay, 409, 'WEBHOOK_DISABLED');
    const enabled = await t.http.patch(`/api/v1/admin/webhooks/${endpoint.id}`, {
      ...admin,
      body: { enabled: true },
    });
    expect(enabled.body).toMatchObject({
      enabled: true,
      disabledReason: null,
      consecutiveFailures: 0,
    });
  });

  it(`disables an endpoint after ${DISABLE_AFTER} deliveries in a row failed for good`, async () => {
    const endpoint = await register(['message.created']);
    receiver.respond = () => 400; // not worth a retry: each delivery fails at its first attempt
    const { a, chat } = await friendsChat();
    await ctx.send(a, chat.id, 'one');
    await ctx.send(a, chat.id, 'two');
    await receiver.waitFor(2);
    await eventuallyPasses(async () => {
      const res = await t.http.get(`/api/v1/admin/webhooks/${endpoint.id}`, admin);
      expect(res.body).toMatchObject({
        enabled: false,
        consecutiveFailures: DISABLE_AFTER,
        disabledReason: `${DISABLE_AFTER} deliveries in a row failed`,
      });
    });
    await ctx.send(a, chat.id, 'three');
    await sleep(800);
    expect(receiver.requests).toHaveLength(2);
  });

  it("keeps a garbled answer readable, and replays neither a delivery still pending nor another endpoint's", async () => {
    const endpoint = await register(['message.created']);
    let answer = 0;
    receiver.respond = () => (answer++ === 0 ? 503 : 'hold');
    receiver.body = () => 'busy\u0000\u0007 now';
    const { a, chat } = await friendsChat();
    await ctx.send(a, chat.id, 'first try fails');
    await receiver.waitFor(1);
    let delivery: any;
    await eventuallyPasses(async () => {
      [delivery] = await deliveries(endpoint.id);
      expect(delivery).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'HTTP 503 busy now',
      });
    });
    const replay = await t.http.post(
      `/api/v1/admin/webhooks/${endpoint.id}/deliveries/${delivery.id}/replay`,
      admin,
    );
    expectError(replay, 409, 'DELIVERY_PENDING');
    const other = await register(['friendship.removed']);
    const elsewhere = await t.http.post(
      `/api/v1/admin/webhooks/${other.id}/deliveries/${delivery.id}/replay`,
      admin,
    );
    expectError(elsewhere, 404, 'DELIVERY_NOT_FOUND');
  });

  it('does not follow redirects', async () => {
    const redirecting = await WebhookReceiver.start();
    redirecting.respond = () => ({
      status: 307,
      headers: { location: receiver.url('/elsewhere') },
    });
    try {
      const endpoint = await register(['message.created'], redirecting.url());
      const { a, chat } = await friendsChat();
      await ctx.send(a, chat.id, 'elsewhere?');
      await eventuallyPasses(async () =>
        expect((await deliveries(endpoint.id))[0]).toMatchObject({
          status: 'failed',
          attempts: 1,
          lastStatusCode: 307,
        }),
      );
      expect(redirecting.requests).toHaveLength(1);
      expect(receiver.requests.map((request) => request.path)).toEqual([]);
    } finally {
      await redirecting.close();
    }
  });

  it('queues again a delivery left without a job, and only that one', async () => {
    const endpoint = await register(['message.created']);
    // Two deliveries due an hour ago: one whose job is gone (its retries ran out), one whose job
    // still waits (due in an hour).
    const { rows } = await t.db.query(
      `WITH events AS (
         INSERT INTO webhook_events (id, type, created_at, data)
         VALUES (gen_random_uuid(), 'message.created', now() - interval '1 hour', '{"n": 1}'),
                (gen_random_uuid(), 'message.created', now() - interval '1 hour', '{"n": 2}')
         RETURNING id, data
       )
       INSERT INTO webhook_deliveries (endpoint_id, event_id, created_at)
       SELECT $1, id, now() - interval '1 hour' FROM events ORDER BY data->>'n'
       RETURNING id, event_id AS "eventId"`,
      [endpoint.id],
    );
    const [orphan, waiting] = rows as { id: number; eventId: string }[];
    await t.app.get(JobQueue).insert('webhook-delivery', [
      {
        data: { deliveries: [{ deliveryId: waiting.id, attempt: 0 }] },
        startAfter: new Date(Date.now() + 3600_000),
      },
    ]);

    const deliverer = t.app.get(WebhookDeliverer);
    expect(await deliverer.requeueOrphans()).toBe(1);
    await receiver.waitFor(1);
    expect(receiver.requests.map((request) => request.headers['webhook-id'])).toEqual([
      orphan.eventId,
    ]);
    await eventuallyPasses(async () =>
      expect(await deliveries(endpoint.id)).toEqual([
        expect.objectContaining({ id: waiting.id, status: 'pending', attempts: 0 }),
        expect.objectContaining({ id: orphan.id, status: 'succeeded', attempts: 1 }),
      ]),
    );
    expect(await deliverer.requeueOrphans()).toBe(0);
  });

  it('writes the job in the transaction of the change: a rollback announces nothing', async () => {
    await register(['chat.created']);
    const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
    await ctx.befriend(a, b);
    await sleep(500); // the friendship's own events are out of the way
    const jobs = async () =>
      Number(
        (await t.db.query(`SELECT count(*) FROM pgboss.job WHERE name = 'notification-events'`))
          .rows[0].count,
      );
    const before = await jobs();
    const transactions = t.app.get(TransactionHost);
    const chats = t.app.get(ChatsService);
    await expect(
      transactions.run(async () => {
        await chats.createGroup(a.id, 'rolled back', [b.id]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await jobs()).toBe(before);
    const groups = await t.db.query(`SELECT 1 FROM chat_sessions WHERE name = 'rolled back'`);
    expect(groups.rowCount).toBe(0);

    await chats.createGroup(a.id, 'committed', [b.id]);
    expect(await jobs()).toBe(before + 1);
    await receiver.waitFor(1);
    expect(receiver.bodies()[0]).toMatchObject({
      type: 'chat.created',
      data: { chat: { name: 'committed' } },
    });
    await sleep(500);
    expect(receiver.requests).toHaveLength(1);
  });

  describe('admin API', () => {
    it('refuses internal addresses and malformed endpoints', async () => {
      for (const url of [
        'http://169.254.169.254/latest/meta-data',
        'http://10.1.2.3/hook',
        'http://[::1]:8080/hook',
        'http://localhost6.invalid/hook',
        'ftp://example.com/hook',
        'http://user:pass@127.0.0.1/hook',
      ]) {
        const res = await t.http.post('/api/v1/admin/webhooks', {
          ...admin,
          body: { url, events: ['*'] },
        });
        expectError(res, 400, 'WEBHOOK_URL_FORBIDDEN');
      }
      for (const body of [
        { url: receiver.url(), events: [] },
        { url: receiver.url(), events: ['message.exploded'] },
        { url: receiver.url(), events: ['*'], secret: 'too-short' },
        { url: 42, events: ['*'] },
        { events: ['*'] },
      ]) {
        expectError(await t.http.post('/api/v1/admin/webhooks', { ...admin, body }), 400);
      }
    });

    it('keeps a given secret, lists, changes and deletes endpoints', async () => {
      const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
      const created = await t.http.post('/api/v1/admin/webhooks', {
        ...admin,
        body: { url: receiver.url(), events: ['message.created'], secret },
      });
      expect(created.body).toMatchObject({ secret, enabled: true, events: ['message.created'] });
      const list = await t.http.get('/api/v1/admin/webhooks', admin);
      expect(list.body).toEqual([expect.not.objectContaining({ secret: expect.anything() })]);
      const changed = await t.http.patch(`/api/v1/admin/webhooks/${created.body.id}`, {
        ...admin,
        body: { events: ['*'], enabled: false },
      });
      expect(changed.body).toMatchObject({
        events: ['*'],
        enabled: false,
        disabledReason: 'disabled by the operator',
      });
      const path = `/api/v1/admin/webhooks/${created.body.id}`;
      const unchanged = await t.http.patch(path, { ...admin, body: {} });
      expect(unchanged.status).toBe(200);
      expect(unchanged.body).toEqual(changed.body);
      expect((await t.http.delete(path, admin)).status).toBe(204);
      expectError(await t.http.get(path, admin), 404, 'WEBHOOK_NOT_FOUND');
      expectError(await t.http.delete(path, admin), 404, 'WEBHOOK_NOT_FOUND');
    });

    it('takes only the admin token', async () => {
      const user = await ctx.newUser();
      expectError(await t.http.get('/api/v1/admin/webhooks'), 401, 'ADMIN_TOKEN_MISSING');
      expectError(
        await t.http.get('/api/v1/admin/webhooks', { token: user.accessToken }),
        403,
        'ADMIN_TOKEN_INVALID',
      );
      expectError(
        await t.http.get('/api/v1/admin/webhooks', { token: `${ADMIN_TOKEN}x` }),
        403,
        'ADMIN_TOKEN_INVALID',
      );
    });
  });
});

describe('webhooks without an admin token', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps the admin API off', async () => {
    expectError(
      await t.http.get('/api/v1/admin/webhooks', { token: ADMIN_TOKEN }),
      404,
      'ADMIN_API_DISABLED',
    );
  });
});
