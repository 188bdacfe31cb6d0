import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { JOB_QUEUE_SCHEMA } from './job-queue-schema';

/** A queue, the retry policy of its jobs, and how its workers take them. */
export interface QueueSpec {
  name: string;
  /** Retries after a failure of the handler itself (a crash, a database error, an expiry). */
  retryLimit: number;
  retryDelaySeconds: number;
  /** A job still active after this long is taken for dead (its worker crashed) and retried. */
  expireInSeconds: number;
  batchSize: number;
  /** Workers of the queue per replica, each taking a batch at a time. */
  workers: number;
}

export interface NewJob {
  data: object;
  /** Not before then; at once when omitted. */
  startAfter?: Date;
}

export type JobHandler = (jobs: PgBoss.Job<object>[]) => Promise<void>;

const POLLING_INTERVAL_SECONDS = 1;

/**
 * The durable job queue: pg-boss on the app's own pool, so a job can be written in the transaction of
 * the change it reports. Every replica runs workers; a job is taken by one of them (SKIP LOCKED), and
 * one whose worker died is retried once it expires.
 */
@Injectable()
export class JobQueue implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobQueue.name);
  private readonly boss: PgBoss;
  private readonly workers = new Map<string, string[]>();
  private readonly running = new Set<Promise<unknown>>();
  private stopping = false;
  /** Set once this replica's workers are done: the pool is about to close. */
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() dataSource: DataSource,
    private readonly transactions: TransactionHost,
  ) {
    const pool = (dataSource.driver as PostgresDriver).master as Pool;
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => this.query(pool, text, values) },
      schema: JOB_QUEUE_SCHEMA,
      migrate: true,
      supervise: true,
      schedule: false,
      maintenanceIntervalSeconds: config.jobs.maintenanceIntervalSeconds,
      archiveCompletedAfterSeconds: 3600,
      deleteAfterDays: 7,
    });
    this.boss.on('error', (error) => this.logger.warn({ err: error }, 'Job queue error'));
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
  }

  /** Creates the queue (or updates its policy) and, unless workers are off here, works it. */
  async serve(spec: QueueSpec, handler: JobHandler): Promise<void> {
    const policy = {
      name: spec.name,
      retryLimit: spec.retryLimit,
      retryDelay: spec.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: spec.expireInSeconds,
    };
    await this.boss.createQueue(spec.name, policy);
    await this.boss.updateQueue(spec.name, policy);
    if (!this.config.jobs.workers) return;
    const ids: string[] = [];
    for (let i = 0; i < spec.workers; i++) {
      const id = await this.boss.work<object>(
        spec.name,
        { batchSize: spec.batchSize, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
        (jobs) =>
          this.stopping
            ? Promise.reject(new Error('This replica is shutting down'))
            : this.track(handler(jobs)),
      );
      ids.push(id);
    }
    this.workers.set(spec.name, ids);
  }

  /** Writes jobs in the ambient transaction: they exist exactly when it commits. */
  async insert(queue: string, jobs: NewJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const manager = this.transactions.manager;
    const rows = jobs.map((job) => ({ name: queue, data: job.data, startAfter: job.startAfter }));
    await this.boss.insert(rows, {
      db: { executeSql: async (text, values) => ({ rows: await manager.query(text, values) }) },
    });
  }

  /** Wakes this replica's workers of the queue (after a commit that wrote jobs), not waiting for their poll. */
  nudge(queue: string): void {
    if (this.stopping) return;
    for (const id of this.workers.get(queue) ?? []) this.boss.notifyWorker(id);
  }

  /** Fails these jobs of a batch (retried by the queue's policy); the rest complete as usual. */
  async fail(queue: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.boss.fail(queue, ids);
  }

  /** Jobs by queue and state, for the metrics. */
  async depth(): Promise<{ queue: string; state: string; count: number }[]> {
    const rows: { name: string; state: string; count: number }[] = (
      await this.boss.getDb().executeSql(
        `SELECT name, state::text AS state, count(*)::int AS count
           FROM ${JOB_QUEUE_SCHEMA}.job GROUP BY name, state`,
        [],
      )
    ).rows;
    return rows.map((row) => ({ queue: row.name, state: row.state, count: row.count }));
  }

  /**
   * Stops taking jobs and lets the ones under way finish, before the pool closes. A job cut short
   * later is retried once it expires, on another replica.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.boss.stop({ graceful: true, wait: true, timeout: this.config.shutdownTimeoutMs });
    // A worker's fetch may still be under way, and the handler and bookkeeping it starts.
    while (this.running.size > 0) await Promise.allSettled(this.running);
    this.closed = true;
  }

  /**
   * pg-boss's statements, tracked so shutdown waits for them. After shutdown a straggler (pg-boss
   * settles a job without awaiting it) never runs rather than touch the closing pool: the job stays
   * active and expires into a retry, which is what a crash would leave too.
   */
  private query(pool: Pool, text: string, values: unknown[]): ReturnType<PgBoss.Db['executeSql']> {
    if (this.closed) return new Promise(() => undefined);
    return this.track(pool.query(text, values));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    return work.finally(() => this.running.delete(work));
  }
}
