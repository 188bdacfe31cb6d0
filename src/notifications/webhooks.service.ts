import { Injectable } from '@nestjs/common';
import { isBigId } from '../common/pagination/cursor-keys';
import { decodeCursor, Page, toPage } from '../common/pagination/page';
import { TransactionHost } from '../database/transaction-host';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { ListDeliveriesQueryDto } from './dto/list-deliveries-query.dto';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import { WebhookDeliveryResponseDto } from './dto/webhook-delivery-response.dto';
import { CreatedWebhookResponseDto, WebhookResponseDto } from './dto/webhook-response.dto';
import { WebhookEndpoint } from './entities/webhook-endpoint.entity';
import { JobQueue } from './job-queue';
import { DELIVERY_QUEUE, deliveryJobs } from './notification-queues';
import { NotificationsError, NotificationsErrorCode } from './notifications.errors';
import { OutboundPolicy } from './outbound-policy';
import { newWebhookSecret } from './webhook-signature';
import { DeliveryView, WebhooksRepository } from './webhooks.repository';

/** The operator's side of webhooks: endpoints, their deliveries, and replaying one. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly transactions: TransactionHost,
    private readonly queue: JobQueue,
    private readonly policy: OutboundPolicy,
  ) {}

  async register({ url, events, secret }: CreateWebhookDto): Promise<CreatedWebhookResponseDto> {
    await this.assertAllowed(url);
    const endpoint = await this.repository.createEndpoint({
      url,
      events,
      secret: secret ?? newWebhookSecret(),
    });
    return { ...toWebhookResponse(endpoint), secret: endpoint.secret };
  }

  async list(): Promise<WebhookResponseDto[]> {
    return (await this.repository.listEndpoints()).map(toWebhookResponse);
  }

  async get(id: number): Promise<WebhookResponseDto> {
    return toWebhookResponse(await this.endpointOrThrow(id));
  }

  async update(id: number, change: UpdateWebhookDto): Promise<WebhookResponseDto> {
    if (change.url !== undefined) await this.assertAllowed(change.url);
    const endpoint = await this.repository.updateEndpoint(id, change);
    if (!endpoint) throw NotificationsError.webhookNotFound();
    return toWebhookResponse(endpoint);
  }

  /** Its pending deliveries go with it. */
  async remove(id: number): Promise<void> {
    if (!(await this.repository.deleteEndpoint(id))) throw NotificationsError.webhookNotFound();
  }

  async deliveries(
    id: number,
    { limit, cursor, status }: ListDeliveriesQueryDto,
  ): Promise<Page<WebhookDeliveryResponseDto>> {
    await this.endpointOrThrow(id);
    const beforeId = cursor === undefined ? null : decodeCursor(cursor, isBigId);
    const rows = await this.repository.listDeliveries(id, beforeId, limit + 1, status);
    return toPage(rows, limit, (row) => row.id, toDeliveryResponse);
  }

  /**
   * Posts the event of a finished delivery (succeeded or failed) again with a fresh series of
   * attempts: same body, same webhook-id, so a receiver that already has it can tell. A delivery still pending is left to the
   * attempt already due (409), so one delivery never has two series of attempts at once.
   */
  async replay(id: number, deliveryId: number): Promise<WebhookDeliveryResponseDto> {
    const endpoint = await this.endpointOrThrow(id);
    if (!endpoint.enabled) {
      throw new NotificationsError(
        NotificationsErrorCode.WEBHOOK_DISABLED,
        'The endpoint is disabled: enable it (PATCH enabled: true) before replaying',
      );
    }
    const replay = await this.transactions.run(async () => {
      const outcome = await this.repository.resetForReplay(id, deliveryId);
      if (outcome?.reset) {
        await this.queue.insert(DELIVERY_QUEUE, deliveryJobs([{ deliveryId, attempt: 0 }]));
      }
      return outcome;
    });
    if (!replay) {
      throw new NotificationsError(NotificationsErrorCode.DELIVERY_NOT_FOUND, 'Delivery not found');
    }
    if (!replay.reset) {
      throw new NotificationsError(
        NotificationsErrorCode.DELIVERY_PENDING,
        'The delivery is still pending: its next attempt is due at nextAttemptAt',
      );
    }
    this.queue.nudge(DELIVERY_QUEUE);
    return toDeliveryResponse(replay.delivery);
  }

  private async endpointOrThrow(id: number): Promise<WebhookEndpoint> {
    const endpoint = await this.repository.findEndpoint(id);
    if (!endpoint) throw NotificationsError.webhookNotFound();
    return endpoint;
  }

  private async assertAllowed(url: string): Promise<void> {
    const refusal = await this.policy.refusal(url);
    if (refusal) {
      throw new NotificationsError(
        NotificationsErrorCode.WEBHOOK_URL_FORBIDDEN,
        `url is not allowed: ${refusal}`,
      );
    }
  }
}

function toWebhookResponse(endpoint: WebhookEndpoint): WebhookResponseDto {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    consecutiveFailures: endpoint.consecutiveFailures,
    createdAt: endpoint.createdAt.toISOString(),
  };
}

function toDeliveryResponse(delivery: DeliveryView): WebhookDeliveryResponseDto {
  return {
    id: delivery.id,
    webhookId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
  };
}
