import { Inject, Injectable, Logger } from '@nestjs/common';
import { groupBy } from '../common/collections/group-by';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { MetricsService } from '../metrics/metrics.service';
import { AttemptResult, Verdict, verdictOf } from './delivery-verdict';
import { DeliveryStatus } from './entities/webhook-delivery.entity';
import { JobQueue } from './job-queue';
import { DELIVERY_QUEUE, DeliveryJob, deliveryJobs } from './notification-queues';
import { OutboundError, OutboundHttp } from './outbound-http';
import { AttemptRecord, DeliveryAttempt, WebhooksRepository } from './webhooks.repository';
import { signWebhook } from './webhook-signature';

const USER_AGENT = 'chat-backend-webhooks/1';
/** Overdue this long, a pending delivery without a job is an orphan: no writer of its job is still open. */
const ORPHANED_AFTER_MS = 15 * 60_000;
/** Orphans queued per sweep; the next sweep takes the rest. */
const SWEEP_LIMIT = 10_000;

type Result = AttemptResult & { detail: string | null };

/** An attempt made: at what, and what its answer means. */
interface Posted {
  attempt: DeliveryAttempt;
  result: Result;
  verdict: Verdict;
}

/** And what it changes on the delivery. */
interface Outcome extends Posted {
  record: AttemptRecord;
}

/**
 * Makes a job's attempts, side by side, and records how they went in one transaction. Every attempt
 * at a delivery posts the same body with the same `webhook-id` (the event's id), a fresh
 * `webhook-timestamp` and a signature over both; after a retryable failure the next attempt is a
 * job due after the next wait of the schedule.
 */
@Injectable()
export class WebhookDeliverer {
  private readonly logger = new Logger(WebhookDeliverer.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: WebhooksRepository,
    private readonly transactions: TransactionHost,
    private readonly queue: JobQueue,
    private readonly http: OutboundHttp,
    private readonly metrics: MetricsService,
  ) {}

  async deliver({ deliveries }: DeliveryJob): Promise<void> {
    const expected = new Map(deliveries.map((due) => [due.deliveryId, due.attempt]));
    const found = await this.repository.findAttempts([...expected.keys()]);
    // An attempt another run of this job recorded already has its successor job queued.
    const due = found.filter(
      ({ delivery }) =>
        delivery.status === 'pending' && delivery.attempts === expected.get(delivery.id),
    );
    const abandoned = due.filter((attempt) => !attempt.endpoint.enabled);
    if (abandoned.length > 0) {
      const ids = abandoned.map((attempt) => attempt.delivery.id);
      await this.repository.abandon(ids, 'the endpoint is disabled');
    }
    const live = due.filter((attempt) => attempt.endpoint.enabled);
    if (live.length === 0) return;
    const posted = await Promise.all(live.map((attempt) => this.attempt(attempt)));
    // One clock for the job: each retry is due no sooner than its wait after the job's last answer.
    const now = Date.now();
    await this.record(posted.map((done) => ({ ...done, record: this.recordOf(done, now) })));
  }

  /**
   * Gives a new job to each pending delivery that no job waits on any more (its job's own retries
   * ran out while the database was away), once its attempt is ORPHANED_AFTER_MS overdue. One replica
   * at a time; answers how many it queued.
   */
  async requeueOrphans(): Promise<number> {
    const orphans = await this.transactions.run(async () => {
      if (!(await this.repository.takeSweep())) return [];
      const dueBefore = new Date(Date.now() - ORPHANED_AFTER_MS);
      const found = await this.repository.orphans(DELIVERY_QUEUE, dueBefore, SWEEP_LIMIT);
      const byEndpoint = groupBy(found, (orphan) => orphan.endpointId);
      const jobs = [...byEndpoint.values()].flatMap((group) =>
        deliveryJobs(group.map(({ id, attempts }) => ({ deliveryId: id, attempt: attempts }))),
      );
      await this.queue.insert(DELIVERY_QUEUE, jobs);
      return found;
    });
    if (orphans.length > 0) this.queue.nudge(DELIVERY_QUEUE);
    return orphans.length;
  }

  private async attempt(attempt: DeliveryAttempt): Promise<Posted> {
    const result = await this.post(attempt).catch((error: unknown) => {
      // Not the network's doing: still an attempt that failed, so the job's others are recorded.
      this.logger.error({ err: error, deliveryId: attempt.delivery.id }, 'Webhook post failed');
      return { failure: 'network' as const, detail: 'the request could not be made' };
    });
    const verdict = verdictOf(result);
    this.metrics.webhookAttempts.inc({ result: verdict });
    return { attempt, result, verdict };
  }

  private async post(attempt: DeliveryAttempt): Promise<Result> {
    const { event, endpoint } = attempt;
    const body = JSON.stringify({
      id: event.id,
      type: event.type,
      createdAt: event.createdAt.toISOString(),
      data: event.data,
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(endpoint.secret, event.id, timestamp, body),
    };
    try {
      const answer = await this.http.post(
        endpoint.url,
        headers,
        body,
        this.config.webhooks.timeoutMs,
      );
      const ok = answer.status >= 200 && answer.status < 300;
      return {
        status: answer.status,
        detail: ok ? null : `HTTP ${answer.status} ${answer.body}`.trim(),
      };
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      return { failure: error.reason, detail: error.message };
    }
  }

  private async record(outcomes: Outcome[]): Promise<void> {
    await this.transactions.run(async () => {
      const recorded = new Set(
        await this.repository.recordAttempts(outcomes.map(({ record }) => record)),
      );
      const kept = outcomes.filter(({ record }) => recorded.has(record.deliveryId));
      await this.scheduleRetries(kept.map(({ record }) => record));
      await this.settleEndpoints(kept);
    });
    const now = Date.now();
    for (const { attempt, verdict } of outcomes) {
      if (verdict !== 'succeeded') continue;
      this.metrics.webhookDeliverySeconds.observe((now - attempt.event.createdAt.getTime()) / 1000);
    }
  }

  private recordOf({ attempt: { delivery }, result, verdict }: Posted, now: number): AttemptRecord {
    const retryIn =
      verdict === 'retry' ? this.config.webhooks.retryDelaysMs[delivery.attempts] : undefined;
    const status: DeliveryStatus =
      verdict === 'succeeded' ? 'succeeded' : retryIn === undefined ? 'failed' : 'pending';
    return {
      deliveryId: delivery.id,
      attempts: delivery.attempts,
      status,
      statusCode: 'status' in result ? result.status : null,
      error: result.detail,
      nextAttemptAt: retryIn === undefined ? null : new Date(now + retryIn),
    };
  }

  /**
   * The next attempts: a job for those that had made as many attempts (their next one is due at the
   * same time, the same wait after the job's answers).
   */
  private async scheduleRetries(records: AttemptRecord[]): Promise<void> {
    const retried = records.filter((record) => record.nextAttemptAt);
    const byCount = groupBy(retried, (record) => record.attempts);
    const jobs = [...byCount.values()].flatMap((group) =>
      deliveryJobs(
        group.map((record) => ({ deliveryId: record.deliveryId, attempt: record.attempts + 1 })),
        group[0].nextAttemptAt!,
      ),
    );
    await this.queue.insert(DELIVERY_QUEUE, jobs);
  }

  /**
   * What the attempts say of each endpoint: 410 disables it; a success shows it is alive (its run of
   * failures ends); deliveries given up on add to that run, which disables it at the limit.
   */
  private async settleEndpoints(outcomes: Outcome[]): Promise<void> {
    const byEndpoint = groupBy(outcomes, ({ attempt }) => attempt.endpoint.id);
    for (const [endpointId, seen] of byEndpoint) {
      if (seen.some(({ verdict }) => verdict === 'gone')) {
        await this.repository.disableEndpoint(endpointId, 'the receiver answered 410 Gone');
      } else if (seen.some(({ verdict }) => verdict === 'succeeded')) {
        await this.repository.recordEndpointSuccess(endpointId);
      } else {
        const failures = seen.filter(({ record }) => record.status === 'failed').length;
        if (failures === 0) continue;
        await this.repository.recordEndpointFailures(
          endpointId,
          failures,
          this.config.webhooks.disableAfterFailures,
        );
      }
    }
  }
}
