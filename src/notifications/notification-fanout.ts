import { Inject, Injectable } from '@nestjs/common';
import { groupBy } from '../common/collections/group-by';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { MessageResponseDto } from '../messages/dto/message-response.dto';
import { JobQueue, NewJob } from './job-queue';
import { DELIVERY_QUEUE, deliveryJobs, PUSH_QUEUE } from './notification-queues';
import { OutgoingEvent, subscribes } from './webhook-events';
import { WebhooksRepository } from './webhooks.repository';

/** What a push job carries: the message, and who it mentions (they hear of it in muted chats too). */
export interface PushJob {
  chatId: number;
  messageId: number;
  seq: number;
  senderId: number;
  mentions: number[];
}

/**
 * Turns the events of committed transactions into work: a delivery of each event to each enabled
 * endpoint that subscribed to its type, and a push job (due after the push delay) per new message.
 * One transaction per batch, and idempotent: taken twice, an event makes no second delivery.
 */
@Injectable()
export class NotificationFanout {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: WebhooksRepository,
    private readonly transactions: TransactionHost,
    private readonly queue: JobQueue,
  ) {}

  async fanOut(events: OutgoingEvent[]): Promise<void> {
    const deliveryCount = await this.transactions.run(async () => {
      const endpoints = await this.repository.enabledEndpoints();
      const deliveries = events.flatMap((event) =>
        endpoints
          .filter((endpoint) => subscribes(endpoint.events, event.type))
          .map((endpoint) => ({ endpointId: endpoint.id, eventId: event.id })),
      );
      const delivered = new Set(deliveries.map((delivery) => delivery.eventId));
      const inserted = await this.repository.insertDeliveries(
        events.filter((event) => delivered.has(event.id)),
        deliveries,
      );
      const byEndpoint = groupBy(inserted, (delivery) => delivery.endpointId);
      const jobs = [...byEndpoint.values()].flatMap((group) =>
        deliveryJobs(group.map(({ id }) => ({ deliveryId: id, attempt: 0 }))),
      );
      await this.queue.insert(DELIVERY_QUEUE, jobs);
      await this.queue.insert(PUSH_QUEUE, this.pushJobs(events));
      return inserted.length;
    });
    if (deliveryCount > 0) this.queue.nudge(DELIVERY_QUEUE);
  }

  /** Each keyed by its event: fanning out the same events again makes no second push. */
  private pushJobs(events: OutgoingEvent[]): NewJob[] {
    if (!this.config.push.vapid) return [];
    const startAfter = new Date(Date.now() + this.config.push.delayMs);
    return events
      .filter((event) => event.type === 'message.created')
      .map((event) => {
        const { message } = event.data as { message: MessageResponseDto };
        const data: PushJob = {
          chatId: message.chatId,
          messageId: message.id,
          seq: message.seq,
          senderId: message.senderId,
          mentions: message.mentions,
        };
        return { id: event.id, data, startAfter };
      });
  }
}
