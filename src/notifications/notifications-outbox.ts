import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainEvent, TransactionHost } from '../database/transaction-host';
import { JobQueue } from './job-queue';
import { EVENTS_QUEUE } from './notification-queues';
import { isOutgoing, outgoingEventsOf } from './webhook-events';
import { WebhooksRepository } from './webhooks.repository';

/** Published (after the commit) by a transaction that wrote an events job. */
const ENQUEUED = 'notifications.enqueued';
/** How long an answer "there are enabled endpoints" is believed without asking again. */
const ENDPOINTS_SEEN_MS = 5000;

/**
 * The transactional outbox: a transaction that publishes events the outside world hears of writes
 * them as one job of the events queue, inside itself, just before its COMMIT. A rolled-back change
 * announces nothing; a committed one is always announced, by whichever replica takes the job.
 * Nothing is written while nobody listens (no enabled endpoint, and push off or no new message): the
 * transaction asks, unless an endpoint was seen moments ago (a stale yes costs a useless job, never
 * a lost event).
 */
@Injectable()
export class NotificationsOutbox implements OnModuleInit {
  private endpointsSeenUntil = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: TransactionHost,
    private readonly queue: JobQueue,
    private readonly webhooks: WebhooksRepository,
  ) {}

  onModuleInit(): void {
    this.transactions.beforeCommit((events) => this.write(events));
  }

  private async write(events: readonly DomainEvent[]): Promise<void> {
    if (!events.some((event) => isOutgoing(event.name))) return;
    const everyType = await this.endpointsListen();
    // Mapped only once someone listens: an id and a copy per message otherwise wasted.
    if (!everyType && !this.config.push.vapid) return;
    const outgoing = outgoingEventsOf(events, new Date());
    const wanted = everyType
      ? outgoing
      : outgoing.filter((event) => event.type === 'message.created');
    if (wanted.length === 0) return;
    await this.queue.insert(EVENTS_QUEUE, [{ data: { events: wanted } }]);
    this.transactions.publish(ENQUEUED, {});
  }

  private async endpointsListen(): Promise<boolean> {
    if (Date.now() < this.endpointsSeenUntil) return true;
    const listening = await this.webhooks.hasEnabledEndpoints();
    if (listening) this.endpointsSeenUntil = Date.now() + ENDPOINTS_SEEN_MS;
    return listening;
  }

  /** The replica that committed the job starts on it at once; the others find it at their poll. */
  @OnEvent(ENQUEUED)
  nudge(): void {
    this.queue.nudge(EVENTS_QUEUE);
  }
}
