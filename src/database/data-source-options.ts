import { Client, ClientConfig } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export const STATEMENT_TIMEOUT_MS = 15_000;
export const CONNECT_TIMEOUT_MS = 3000;

/**
 * pg-pool applies its `connectionTimeoutMillis` both to opening a connection and to waiting for a
 * busy pool, with one error for both: a pool that is merely busy would read as a database that is
 * away. The bound belongs to opening a connection only, so it lives on the client; waiting for a
 * turn is ordinary back-pressure.
 */
class ConnectTimeoutClient extends Client {
  constructor(config: ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

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
    extra: {
      // Fail fast while the database is unreachable, but never because the pool is busy.
      Client: ConnectTimeoutClient,
      connectionTimeoutMillis: 0,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      // The server enforces statement_timeout only while it runs: if it stops answering (a network
      // partition, a paused host) the client gives up on its own, and keepalives notice a dead peer.
      query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
      keepAlive: true,
    },
  };
}
