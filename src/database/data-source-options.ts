import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

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
    extra: { statement_timeout: 15_000 },
  };
}
