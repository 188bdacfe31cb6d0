import { DELIVERIES_PER_JOB, DeliveryJob, deliveryJobs } from './notification-queues';

describe('deliveryJobs', () => {
  const attempts = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ deliveryId: i + 1, attempt: 2 }));

  it('puts at most DELIVERIES_PER_JOB attempts in a job, each attempt in exactly one job', () => {
    const given = attempts(DELIVERIES_PER_JOB * 2 + 3);
    const jobs = deliveryJobs(given);
    const sizes = jobs.map((job) => (job.data as DeliveryJob).deliveries.length);
    expect(sizes).toEqual([DELIVERIES_PER_JOB, DELIVERIES_PER_JOB, 3]);
    expect(jobs.flatMap((job) => (job.data as DeliveryJob).deliveries)).toEqual(given);
  });

  it('makes every job due when the attempts are', () => {
    const at = new Date('2026-12-05T04:00:00Z');
    const jobs = deliveryJobs(attempts(DELIVERIES_PER_JOB + 1), at);
    expect(jobs.map((job) => job.startAfter)).toEqual([at, at]);
    expect(deliveryJobs(attempts(1))[0].startAfter).toBeUndefined();
  });

  it('makes no job for no attempt', () => {
    expect(deliveryJobs([])).toEqual([]);
  });
});
