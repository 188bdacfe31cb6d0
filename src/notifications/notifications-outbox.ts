import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, TransactionHost } from '../database/transaction-host';
import { JobQueue } from './job-queue';
import { EVENTS_QUEUE } from './notification-queues';
import { outgoingEventsOf } from './webhook-events';

/** Published (after the commit) by a transaction that wrote an events job. */
const ENQUEUED = 'notifications.enqueued';

/**
 * The transactional outbox: a transaction that publishes events the outside world hears of writes
 * them as one job of the events queue, inside itself, just before its COMMIT. A rolled-back change
 * announces nothing; a committed one is always announced, by whichever replica takes the job.
 */
@Injectable()
export class NotificationsOutbox implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly queue: JobQueue,
  ) {}

  onModuleInit(): void {
    this.transactions.beforeCommit((events) => this.write(events));
  }

  private async write(events: readonly DomainEvent[]): Promise<void> {
    const outgoing = outgoingEventsOf(events, new Date());
    if (outgoing.length === 0) return;
    await this.queue.insert(EVENTS_QUEUE, [{ data: { events: outgoing } }]);
    this.transactions.publish(ENQUEUED, {});
  }

  /** The replica that committed the job starts on it at once; the others find it at their poll. */
  @OnEvent(ENQUEUED)
  nudge(): void {
    this.queue.nudge(EVENTS_QUEUE);
  }
}
