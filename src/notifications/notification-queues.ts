import { AppConfig } from '../config/app-config';
import { QueueSpec } from './job-queue';

/** One job per transaction that published events for the outside world: `{events}`. */
export const EVENTS_QUEUE = 'notification-events';
/** One job per attempt at a webhook delivery: `{deliveryId}`. */
export const DELIVERY_QUEUE = 'webhook-delivery';
/** One job per new message, run after the push delay: `{chatId, messageId}`. */
export const PUSH_QUEUE = 'push-message';

export function eventsQueue(): QueueSpec {
  return {
    name: EVENTS_QUEUE,
    retryLimit: 20,
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
    expireInSeconds: Math.ceil(config.webhooks.timeoutMs / 1000) + 2,
    batchSize: 10,
    workers: 2,
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
