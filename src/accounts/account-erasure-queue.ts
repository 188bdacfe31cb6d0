import { createHash } from 'node:crypto';
import { NewJob, QueueSpec } from '../notifications/job-queue';

/** One job per step of a deleted account's erasure (AccountErasure): `ErasureJob`. */
export const ERASURE_QUEUE = 'account-erasure';

/**
 * A pass over the account's messages goes on after `afterId`; the `final` pass runs once more from
 * the start later, for a message whose send passed its gate just before the deletion committed.
 */
export interface ErasureJob {
  userId: number;
  afterId: number;
  final: boolean;
}

export function erasureQueue(): QueueSpec {
  return {
    name: ERASURE_QUEUE,
    // A step that failed (the database away) is retried for about a day: the account must go.
    retryLimit: 14,
    retryDelaySeconds: 5,
    // A step erases at most ERASURE_STEP messages, one short transaction each.
    expireInSeconds: 300,
    batchSize: 1,
    workers: 1,
  };
}

/**
 * The job of that step, under an id made of the step itself: a step that runs twice (a retry after
 * its worker died) writes its successor twice, and the second one changes nothing.
 */
export function erasureJob(job: ErasureJob, startAfter?: Date): NewJob {
  // 128 bits of a hash, in the form a uuid column takes.
  const id = createHash('sha256')
    .update(`account-erasure:${job.userId}:${job.afterId}:${job.final}`)
    .digest('hex')
    .slice(0, 32)
    .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  return { id, data: job, startAfter };
}
