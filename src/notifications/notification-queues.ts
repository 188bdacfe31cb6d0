import { AppConfig } from '../config/app-config';
import { QueueSpec } from './job-queue';

/** One job per transaction that published events for the outside world: `{events}`. */
export const EVENTS_QUEUE = 'notification-events';
/** One job per attempt at a webhook delivery: `{deliveryId, attempt}`. */
export const DELIVERY_QUEUE = 'webhook-delivery';
/** One job per new message, run after the push delay: `{chatId, messageId}`. */
export const PUSH_QUEUE = 'push-message';

/**
 * Names the attempt it is for: a job run twice (it expired while its worker was slow, not dead)
 * finds its attempt already recorded and posts nothing.
 */
export interface DeliveryJob {
  deliveryId: number;
  attempt: number;
}

export function deliveryJob(deliveryId: number, attempt: number): DeliveryJob {
  return { deliveryId, attempt };
}

export function eventsQueue(): QueueSpec {
  return {
    name: EVENTS_QUEUE,
    // Committed events must go out: retried for days (the waits double up to about 18 hours).
    retryLimit: 50,
    retryDelaySeconds: 1,
    expireInSeconds: 60,
    batchSize: 20,
    workers: 1,
  };
}

export function deliveryQueue(config: AppConfig): QueueSpec {
  return {
    name: DELIVERY_QUEUE,
    retryLimit: 10,
    retryDelaySeconds: 5,
    // The request's deadline and a margin for the statements around it.
    expireInSeconds: Math.ceil(config.webhooks.timeoutMs / 1000) + 5,
    // Small batches, posted side by side: a slow receiver holds up at most its batch, for at most
    // the request's deadline.
    batchSize: 10,
    workers: 4,
  };
}

export function pushQueue(config: AppConfig): QueueSpec {
  return {
    name: PUSH_QUEUE,
    retryLimit: 3,
    retryDelaySeconds: 5,
    expireInSeconds: Math.ceil(config.webhooks.timeoutMs / 1000) * 2 + 10,
    batchSize: 10,
    workers: 1,
  };
}
