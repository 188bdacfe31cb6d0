import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { JobQueue } from './job-queue';

/** The queue's depth by queue and state, read from PostgreSQL when Prometheus scrapes. */
@Injectable()
export class JobQueueMetrics {
  constructor(metrics: MetricsService, queue: JobQueue) {
    new Gauge({
      name: 'job_queue_jobs',
      help: 'Jobs waiting (created), due again later (retry) or under way (active) in the PostgreSQL job queue',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        // While the database is away the gauge is left out; the other metrics still answer.
        const depth = await queue.depth().catch(() => []);
        for (const { queue: name, state, count } of depth) this.set({ queue: name, state }, count);
      },
    });
  }
}
