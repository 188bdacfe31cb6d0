import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import PgBoss from 'pg-boss';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { JobQueue } from './job-queue';
import { NotificationFanout, PushJob } from './notification-fanout';
import {
  DELIVERY_QUEUE,
  DeliveryJob,
  deliveryQueue,
  eventsQueue,
  PUSH_QUEUE,
  pushQueue,
} from './notification-queues';
import { PushNotifier } from './push-notifier';
import { OutgoingEvent } from './webhook-events';
import { WebhooksRepository } from './webhooks.repository';
import { WebhookDeliverer } from './webhook-deliverer';

/**
 * How often each replica forgets finished webhook events past the retention, and gives a job back to
 * deliveries left without one.
 */
const HOUSEKEEPING_INTERVAL_MS = 3600_000;

/**
 * Serves the notification queues on this replica, purges old webhook events and queues again the
 * deliveries left without a job. A batch whose
 * handling failed for one job is retried whole: every handler is idempotent.
 */
@Injectable()
export class NotificationWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationWorkers.name);
  private housekeeping: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: JobQueue,
    private readonly fanout: NotificationFanout,
    private readonly deliverer: WebhookDeliverer,
    private readonly pusher: PushNotifier,
    private readonly webhooks: WebhooksRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.serve(eventsQueue(), (jobs) =>
      this.fanout.fanOut(jobs.flatMap((job) => (job.data as { events: OutgoingEvent[] }).events)),
    );
    await this.queue.serve(deliveryQueue(this.config), (jobs) =>
      this.each(DELIVERY_QUEUE, jobs, (job: DeliveryJob) => this.deliverer.deliver(job)),
    );
    await this.queue.serve(pushQueue(this.config), (jobs) =>
      this.each(PUSH_QUEUE, jobs, (job: PushJob) => this.pusher.push(job)),
    );
    if (this.config.jobs.workers) {
      this.housekeeping = setInterval(() => void this.keepHouse(), HOUSEKEEPING_INTERVAL_MS);
      this.housekeeping.unref();
    }
  }

  onModuleDestroy(): void {
    if (this.housekeeping) clearInterval(this.housekeeping);
  }

  /**
   * Handles a batch's jobs side by side. Only the jobs that failed are retried: the others are done,
   * and a push must not go out twice because another job of its batch failed.
   */
  private async each<T>(
    queue: string,
    jobs: PgBoss.Job<object>[],
    handle: (data: T) => Promise<void>,
  ): Promise<void> {
    const results = await Promise.allSettled(jobs.map((job) => handle(job.data as T)));
    const failed = jobs.filter((_, i) => results[i].status === 'rejected');
    if (failed.length === 0) return;
    const { reason } = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    this.logger.warn(
      { err: reason, queue, failed: failed.length },
      'Jobs failed; they are retried',
    );
    await this.queue.fail(
      queue,
      failed.map((job) => job.id),
    );
  }

  private async keepHouse(): Promise<void> {
    const before = new Date(Date.now() - this.config.webhooks.retentionDays * 86_400_000);
    try {
      const purged = await this.webhooks.purgeFinished(before);
      if (purged > 0) this.logger.log({ purged }, 'Purged old webhook events');
      const requeued = await this.deliverer.requeueOrphans();
      if (requeued > 0) this.logger.warn({ requeued }, 'Deliveries without a job queued again');
    } catch (error) {
      this.logger.warn({ err: error }, 'Webhook housekeeping failed; the next round retries');
    }
  }
}
