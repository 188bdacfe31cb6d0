import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

export interface DomainEvent {
  name: string;
  payload: object;
}

/**
 * Runs at the end of a transaction that published events, before its COMMIT and inside it: what it
 * writes (jobs for the outside world) commits or rolls back with the change itself.
 */
export type BeforeCommitHook = (
  events: readonly DomainEvent[],
  manager: EntityManager,
) => Promise<void>;

interface Transaction {
  manager: EntityManager;
  events: DomainEvent[];
}

/**
 * The ambient transaction. Repositories of different modules take `manager` from here, so one
 * use case can span several modules' tables in one transaction while each module still touches
 * only its own tables.
 *
 * Domain events published inside a transaction are held until it commits and then emitted in the
 * order they were published, synchronously after the COMMIT answers: nothing else can run between
 * a commit and its events, so events of one resource go out in commit order, and a transaction that
 * rolls back announces nothing.
 */
@Injectable()
export class TransactionHost {
  private readonly current = new AsyncLocalStorage<Transaction>();
  private readonly beforeCommitHooks: BeforeCommitHook[] = [];
  /** Prepared statements' names by their text: one text, one name, in every connection. */
  private readonly statementNames = new Map<string, string>();
  private readonly logger = new Logger(TransactionHost.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventEmitter2,
  ) {}

  /** The transaction's manager inside `run`, the pool's otherwise. */
  get manager(): EntityManager {
    return this.current.getStore()?.manager ?? this.dataSource.manager;
  }

  /**
   * A prepared statement of the send path, straight on the pg client of the open transaction (or
   * of the pool): TypeORM's wrapper costs three awaits and a result object per statement, and a
   * prepared statement is parsed once per connection (under a name given to its text here). Errors
   * are pg's own (pg-errors reads both kinds). Behind PgBouncer in transaction pooling this needs
   * PgBouncer 1.21 or later with `max_prepared_statements` set (docs/operations.md).
   */
  async prepared<T>(text: string, values: unknown[]): Promise<T[]> {
    const statement = { text, values, name: this.statementName(text) };
    const runner = this.current.getStore()?.manager.queryRunner;
    if (!runner) return (await this.pool().query<T & object>(statement)).rows;
    // A released runner's connection may serve someone else by now.
    if (runner.isReleased) throw new QueryRunnerAlreadyReleasedError();
    // The transaction's connection (connect() hands back the one it holds).
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<T & object>(statement)).rows;
  }

  private statementName(text: string): string {
    let name = this.statementNames.get(text);
    if (!name) {
      name = `send-path-${this.statementNames.size + 1}`;
      this.statementNames.set(text, name);
    }
    return name;
  }

  private pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }

  /** Registers a hook that every transaction with events runs just before it commits. */
  beforeCommit(hook: BeforeCommitHook): void {
    this.beforeCommitHooks.push(hook);
  }

  /** Runs `work` in a transaction, or inside the one already open. */
  run<T>(work: () => Promise<T>): Promise<T> {
    // The default level (READ COMMITTED) costs no SET TRANSACTION round trip.
    return this.runIn(undefined, work);
  }

  /**
   * Runs reads that must agree with each other (a page and the counter it is read up to) in one
   * snapshot of the database: a REPEATABLE READ transaction, or the one already open.
   */
  snapshot<T>(work: () => Promise<T>): Promise<T> {
    return this.runIn('REPEATABLE READ', work);
  }

  private async runIn<T>(
    isolation: 'REPEATABLE READ' | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    if (this.current.getStore()) return work();
    const events: DomainEvent[] = [];
    const inside = (manager: EntityManager) =>
      this.current.run({ manager, events }, async () => {
        const result = await work();
        if (events.length > 0) {
          for (const hook of this.beforeCommitHooks) await hook(events, manager);
        }
        return result;
      });
    const result = isolation
      ? await this.dataSource.transaction(isolation, inside)
      : await this.dataSource.transaction(inside);
    for (const event of events) this.announce(event);
    return result;
  }

  /**
   * After the COMMIT nothing may fail the caller: a listener's error is logged, never thrown into a
   * transaction that has committed (the message batcher would take its sends for failed).
   */
  private announce({ name, payload }: DomainEvent): void {
    try {
      this.events.emit(name, payload);
    } catch (error) {
      this.logger.error({ err: error, event: name }, 'A listener failed on a committed change');
    }
  }

  /**
   * Announces a change once it is committed: when the current transaction commits, or at once
   * outside a transaction (the statement before it committed on its own).
   */
  publish(name: string, payload: object): void {
    const transaction = this.current.getStore();
    if (transaction) transaction.events.push({ name, payload });
    else this.events.emit(name, payload);
  }
}
