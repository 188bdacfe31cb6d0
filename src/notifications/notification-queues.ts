import { AppConfig } from '../config/app-config';
import { NewJob, QueueSpec } from './job-queue';

/** One job per transaction that published events for the outside world: `{events}`. */
export const EVENTS_QUEUE = 'notification-events';
/** One job per attempt at a few deliveries of one endpoint: `{deliveries: [{deliveryId, attempt}]}`. */
export const DELIVERY_QUEUE = 'webhook-delivery';
/** One job per new message, run after the push delay: `{chatId, messageId}`. */
export const PUSH_QUEUE = 'push-message';

/**
 * Deliveries one job attempts, side by side. A job's statements (taken, read, recorded, settled)
 * are shared by its deliveries; each delivery is still one event in one request.
 */
export const DELIVERIES_PER_JOB = 16;
/** Delivery jobs each replica works at once: with DELIVERIES_PER_JOB, the requests in flight. */
const DELIVERY_WORKERS = 4;
/** Requests in flight per receiver host: every delivery of a replica's workers, without a wait. */
export const OUTBOUND_SOCKETS_PER_HOST = DELIVERIES_PER_JOB * DELIVERY_WORKERS;

/** The attempt a job makes at one delivery. */
export interface DueAttempt {
  deliveryId: number;
  attempt: number;
}

/**
 * Names the attempt of each delivery it is for: a job run twice (it expired while its worker was
 * slow, not dead) finds those attempts already recorded and posts nothing.
 */
export interface DeliveryJob {
  deliveries: DueAttempt[];
}

/** Jobs for these attempts (of one endpoint, so a slow receiver holds up only its own jobs). */
export function deliveryJobs(attempts: DueAttempt[], startAfter?: Date): NewJob[] {
  const jobs: NewJob[] = [];
  for (let i = 0; i < attempts.length; i += DELIVERIES_PER_JOB) {
    const data: DeliveryJob = { deliveries: attempts.slice(i, i + DELIVERIES_PER_JOB) };
    jobs.push({ data, startAfter });
  }
  return jobs;
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
    // A job's deliveries are posted side by side, so a job takes at most the request's deadline.
    batchSize: 1,
    workers: DELIVERY_WORKERS,
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
