import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { MetricsService } from '../metrics/metrics.service';
import { AttemptResult, verdictOf } from './delivery-verdict';
import { DeliveryStatus } from './entities/webhook-delivery.entity';
import { JobQueue } from './job-queue';
import { DELIVERY_QUEUE, DeliveryJob, deliveryJob } from './notification-queues';
import { OutboundError, OutboundHttp } from './outbound-http';
import { DeliveryAttempt, WebhooksRepository } from './webhooks.repository';
import { signWebhook } from './webhook-signature';

const USER_AGENT = 'chat-backend-webhooks/1';

/**
 * Makes one attempt at a delivery and records how it went. Every attempt posts the same body with
 * the same `webhook-id` (the event's id), a fresh `webhook-timestamp` and a signature over both;
 * after a retryable failure the next attempt is a job due after the next wait of the schedule.
 */
@Injectable()
export class WebhookDeliverer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: WebhooksRepository,
    private readonly transactions: TransactionHost,
    private readonly queue: JobQueue,
    private readonly http: OutboundHttp,
    private readonly metrics: MetricsService,
  ) {}

  async deliver({ deliveryId, attempt: number }: DeliveryJob): Promise<void> {
    const attempt = await this.repository.findAttempt(deliveryId);
    if (!attempt || attempt.delivery.status !== 'pending') return;
    // Another run of this job recorded the attempt already: its successor job is queued.
    if (attempt.delivery.attempts !== number) return;
    if (!attempt.endpoint.enabled) {
      await this.repository.abandon(deliveryId, 'the endpoint is disabled');
      return;
    }
    const result = await this.post(attempt);
    await this.record(attempt, result);
  }

  private async post(attempt: DeliveryAttempt): Promise<AttemptResult & { detail: string | null }> {
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

  private async record(
    { delivery, endpoint, event }: DeliveryAttempt,
    result: AttemptResult & { detail: string | null },
  ): Promise<void> {
    const verdict = verdictOf(result);
    this.metrics.webhookAttempts.inc({ result: verdict });
    const delays = this.config.webhooks.retryDelaysMs;
    const retryIn = verdict === 'retry' ? delays[delivery.attempts] : undefined;
    const status: DeliveryStatus =
      verdict === 'succeeded' ? 'succeeded' : retryIn === undefined ? 'failed' : 'pending';
    const nextAttemptAt = retryIn === undefined ? null : new Date(Date.now() + retryIn);
    await this.transactions.run(async () => {
      const recorded = await this.repository.recordAttempt(delivery, {
        status,
        statusCode: 'status' in result ? result.status : null,
        error: result.detail,
        nextAttemptAt,
      });
      if (!recorded) return;
      if (nextAttemptAt) {
        await this.queue.insert(DELIVERY_QUEUE, [
          { data: deliveryJob(delivery.id, delivery.attempts + 1), startAfter: nextAttemptAt },
        ]);
      } else if (verdict === 'succeeded') {
        await this.repository.recordEndpointSuccess(endpoint.id);
      } else if (verdict === 'gone') {
        await this.repository.disableEndpoint(endpoint.id, 'the receiver answered 410 Gone');
      } else {
        await this.repository.recordEndpointFailure(
          endpoint.id,
          this.config.webhooks.disableAfterFailures,
        );
      }
    });
    if (verdict === 'succeeded') {
      this.metrics.webhookDeliverySeconds.observe((Date.now() - event.createdAt.getTime()) / 1000);
    }
  }
}
