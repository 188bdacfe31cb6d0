import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export const STATEMENT_TIMEOUT_MS = 15_000;

export type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

export function dataSourceOptions(url: string, poolSize: number): PostgresOptions {
  return {
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // Message ids and seqs are bigint; they stay below 2^53, so plain numbers are exact.
    parseInt8: true,
    logging: false,
    applicationName: 'chat-backend',
    poolSize,
    // Fail fast while the database is unreachable instead of queueing requests behind it.
    connectTimeoutMS: 3000,
    extra: {
      statement_timeout: STATEMENT_TIMEOUT_MS,
      // The server enforces statement_timeout only while it runs: if it stops answering (a network
      // partition, a paused host) the client gives up on its own, and keepalives notice a dead peer.
      query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
      keepAlive: true,
    },
  };
}
