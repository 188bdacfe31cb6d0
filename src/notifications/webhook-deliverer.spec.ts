import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { MetricsService } from '../metrics/metrics.service';
import { JobQueue, NewJob } from './job-queue';
import { DeliveryJob } from './notification-queues';
import { OutboundError, OutboundHttp } from './outbound-http';
import { WebhookDeliverer } from './webhook-deliverer';
import { AttemptRecord, DeliveryAttempt, WebhooksRepository } from './webhooks.repository';

/** What each endpoint's receiver does with a post: a status, a failure, or a throw of a bug. */
type Behaviour = number | OutboundError | Error;

/**
 * The deliverer's decisions for a job of several deliveries, with its collaborators replaced by
 * records of what it asked of them (the end-to-end specs run it against PostgreSQL and receivers).
 */
function harness(behaviours: Record<string, Behaviour>, attempts = 0) {
  const config = {
    webhooks: { timeoutMs: 1000, retryDelaysMs: [1000, 5000], disableAfterFailures: 3 },
  } as AppConfig;
  const recorded: AttemptRecord[] = [];
  const inserted: NewJob[] = [];
  const endpoints: string[] = [];
  const urls = Object.keys(behaviours);
  const found: DeliveryAttempt[] = urls.map((url, i) => ({
    delivery: { id: i + 1, endpointId: 7, status: 'pending', attempts } as never,
    endpoint: { id: 7, url, secret: 'whsec_c2VjcmV0', enabled: true },
    event: { id: `event-${i}`, type: 'message.created', createdAt: new Date(), data: {} },
  }));
  const repository = {
    findAttempts: async () => found,
    recordAttempts: async (records: AttemptRecord[]) => {
      recorded.push(...records);
      return records.map((record) => record.deliveryId);
    },
    recordEndpointSuccess: async () => void endpoints.push('success'),
    recordEndpointFailures: async (_: number, failures: number) =>
      void endpoints.push(`failures ${failures}`),
    disableEndpoint: async () => void endpoints.push('disabled'),
  } as unknown as WebhooksRepository;
  const http = {
    post: async (url: string) => {
      const behaviour = behaviours[url];
      if (behaviour instanceof Error) throw behaviour;
      return { status: behaviour, body: '' };
    },
  } as unknown as OutboundHttp;
  const queue = {
    insert: async (_: string, jobs: NewJob[]) => void inserted.push(...jobs),
  } as unknown as JobQueue;
  const transactions = { run: (work: () => Promise<unknown>) => work() } as TransactionHost;
  const metrics = {
    webhookAttempts: { inc: () => undefined },
    webhookDeliverySeconds: { observe: () => undefined },
  } as unknown as MetricsService;
  const deliverer = new WebhookDeliverer(config, repository, transactions, queue, http, metrics);
  const job: DeliveryJob = {
    deliveries: found.map(({ delivery }) => ({ deliveryId: delivery.id, attempt: attempts })),
  };
  return { deliver: () => deliverer.deliver(job), recorded, inserted, endpoints };
}

const timeout = () => new OutboundError('timeout', 'no answer in time');

describe('WebhookDeliverer', () => {
  it('records every attempt of a job, one that threw a bug as a network failure', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const run = harness({
      'http://a/': 204,
      'http://b/': new TypeError('a bug'),
      'http://c/': 500,
    });
    await run.deliver();
    expect(
      run.recorded.map(({ status, statusCode, error }) => [status, statusCode, error]),
    ).toEqual([
      ['succeeded', 204, null],
      ['pending', null, 'the request could not be made'],
      ['pending', 500, expect.stringMatching(/^HTTP 500/)],
    ]);
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ deliveryId: 2 }),
      'Webhook post failed',
    );
    logged.mockRestore();
  });

  it('retries those that had made as many attempts in one job, due one wait after the answers', async () => {
    const run = harness({ 'http://a/': 503, 'http://b/': timeout(), 'http://c/': 204 });
    const before = Date.now();
    await run.deliver();
    const [retry, ...others] = run.inserted;
    expect(others).toEqual([]);
    expect((retry.data as DeliveryJob).deliveries).toEqual([
      { deliveryId: 1, attempt: 1 },
      { deliveryId: 2, attempt: 1 },
    ]);
    const due = run.recorded.filter((record) => record.nextAttemptAt);
    expect(due.map((record) => record.nextAttemptAt)).toEqual([retry.startAfter, retry.startAfter]);
    expect(retry.startAfter!.getTime()).toBeGreaterThanOrEqual(before + 1000);
  });

  it('counts deliveries given up on against the endpoint, unless one of the job succeeded', async () => {
    const failing = harness({ 'http://a/': 400, 'http://b/': 500, 'http://c/': 404 }, 2);
    await failing.deliver();
    expect(failing.recorded.map((record) => record.status)).toEqual(['failed', 'failed', 'failed']);
    expect(failing.inserted).toEqual([]);
    expect(failing.endpoints).toEqual(['failures 3']);

    const alive = harness({ 'http://a/': 400, 'http://b/': 200 });
    await alive.deliver();
    expect(alive.endpoints).toEqual(['success']);
  });

  it('disables the endpoint on a 410, whatever else the job saw', async () => {
    const run = harness({ 'http://a/': 200, 'http://b/': 410 });
    await run.deliver();
    expect(run.endpoints).toEqual(['disabled']);
  });
});
