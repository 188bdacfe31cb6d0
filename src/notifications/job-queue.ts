import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import { StartupCheckError } from '../common/lifecycle/startup-check-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CONNECT_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from '../database/data-source-options';
import { guardPoolClients } from '../database/guard-pool-clients';
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
  /** Set to make the job once only: writing it again (a retried fan-out) changes nothing. */
  id?: string;
  /** Not before then; at once when omitted. */
  startAfter?: Date;
}

export type JobHandler = (jobs: PgBoss.Job<object>[]) => Promise<void>;

/** pg-boss's own statement builders, for the statements it sends without awaiting them. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plans = require('pg-boss/src/plans') as Record<string, (schema: string) => string>;

/**
 * pg-boss settles a worker's jobs (complete, fail) without awaiting the statement: if it fails (the
 * database is away) the rejection is unhandled and would end the process. Those statements report
 * a failure as "settled nothing" instead: the jobs stay active and expire into a retry.
 */
const SETTLING = new Set([
  plans.completeJobs(JOB_QUEUE_SCHEMA),
  plans.failJobsById(JOB_QUEUE_SCHEMA),
]);

const POLLING_INTERVAL_SECONDS = 1;
/** Connections of the queue's own pool: workers' fetches and settlements, and maintenance. */
const QUEUE_POOL_SIZE = 3;

/**
 * The durable job queue: pg-boss, its jobs written with the app's transaction (so a job exists
 * exactly when the change it reports committed), its workers on a small pool of their own (their
 * polling and bookkeeping never take a connection a request needs). Every replica runs workers; a
 * job is taken by one of them (SKIP LOCKED), and one whose worker died is retried once it expires.
 */
@Injectable()
export class JobQueue implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobQueue.name);
  private readonly pool: Pool;
  private readonly boss: PgBoss;
  private readonly workers = new Map<string, string[]>();
  private readonly running = new Set<Promise<unknown>>();
  private stopping = false;
  /** Set once this replica's workers are done: the queue's pool is closing. */
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: TransactionHost,
  ) {
    this.pool = new Pool({
      connectionString: config.database.url!,
      max: QUEUE_POOL_SIZE,
      application_name: 'chat-backend-jobs',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      keepAlive: true,
    });
    guardPoolClients(this.pool, this.logger);
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'Job queue connection lost'));
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => this.query(text, values) },
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

  /**
   * Sets the queue's policy and, unless workers are off here, works it. The queue itself is made by
   * the migrations: a job written to a queue that does not exist would be dropped silently.
   */
  async serve(spec: QueueSpec, handler: JobHandler): Promise<void> {
    if (!(await this.boss.getQueue(spec.name))) {
      throw new StartupCheckError(
        `The job queue ${spec.name} is missing: run the migrations (npm run migration:run)`,
      );
    }
    const policy = {
      name: spec.name,
      retryLimit: spec.retryLimit,
      retryDelay: spec.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: spec.expireInSeconds,
    };
    await this.boss.updateQueue(spec.name, policy);
    if (!this.config.jobs.workers) return;
    const ids: string[] = [];
    for (let i = 0; i < spec.workers; i++) {
      const id: string = await this.boss.work<object>(
        spec.name,
        { batchSize: spec.batchSize, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
        async (jobs) => {
          if (this.stopping) throw new Error('This replica is shutting down');
          await this.track(handler(jobs));
          // A full batch means more may wait: fetch again at once rather than at the next poll.
          if (jobs.length === spec.batchSize) this.boss.notifyWorker(id);
        },
      );
      ids.push(id);
    }
    this.workers.set(spec.name, ids);
  }

  /** Writes jobs in the ambient transaction: they exist exactly when it commits. */
  async insert(queue: string, jobs: NewJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const manager = this.transactions.manager;
    const rows = jobs.map((job) => ({
      id: job.id,
      name: queue,
      data: job.data,
      startAfter: job.startAfter,
    }));
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

  /** Jobs waiting, due later or under way, by queue and state, for the metrics. */
  async depth(): Promise<{ queue: string; state: string; count: number }[]> {
    const { rows } = await this.query(
      `SELECT name, state::text AS state, count(*)::int AS count
         FROM ${JOB_QUEUE_SCHEMA}.job
        WHERE state < 'completed'
        GROUP BY name, state`,
      [],
    );
    return (rows as { name: string; state: string; count: number }[]).map((row) => ({
      queue: row.name,
      state: row.state,
      count: row.count,
    }));
  }

  /**
   * Stops taking jobs and gives the ones under way half the shutdown time to finish, leaving the
   * other half to the drain of requests and sends. A job still running then is left as it is: it
   * expires into a retry on another replica, as after a crash (pg-boss is not told to fail it, which
   * would retry it elsewhere while this replica may still be at it).
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    const timeout = this.config.shutdownTimeoutMs;
    await this.boss.stop({ graceful: true, wait: false, timeout });
    await this.settle(Date.now() + timeout / 2);
    this.closed = true;
    await this.pool.end();
  }

  /** Until nothing is under way (a fetch, its handler, then pg-boss settling the job) or the deadline. */
  private async settle(deadline: number): Promise<void> {
    for (;;) {
      // pg-boss settles a job a few ticks after its handler ends: let those statements start.
      await nextTurn();
      const left = deadline - Date.now();
      if (this.running.size === 0 || left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeUp = new Promise((resolve) => (timer = setTimeout(resolve, left)));
      await Promise.race([Promise.allSettled(this.running), timeUp]);
      clearTimeout(timer);
    }
  }

  /**
   * pg-boss's statements, on the queue's pool, tracked so shutdown waits for them. After shutdown a
   * straggler never runs rather than touch the closed pool: the job stays active and expires into a
   * retry, which is what a crash would leave too.
   */
  private query(text: string, values: unknown[]): ReturnType<PgBoss.Db['executeSql']> {
    if (this.closed) return new Promise(() => undefined);
    const statement = this.track(this.pool.query(text, values));
    if (!SETTLING.has(text)) return statement;
    return statement.catch((error: unknown) => {
      this.logger.warn({ err: error }, 'Could not settle jobs; they expire and are retried');
      return { rows: [{ count: 0 }] };
    });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    return work.finally(() => this.running.delete(work));
  }
}
