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
      help: 'Jobs in the PostgreSQL job queue by queue and state (created, retry, active, completed, failed)',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const { queue: name, state, count } of await queue.depth()) {
          this.set({ queue: name, state }, count);
        }
      },
    });
  }
}
