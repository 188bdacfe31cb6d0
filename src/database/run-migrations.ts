import { DataSource, Migration } from 'typeorm';

/** Any constant works; it only has to be the same for every replica. */
const MIGRATION_LOCK_KEY = 7_246_183_501;

/** Applies pending migrations while holding an advisory lock, so replicas starting together take turns. */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lockRunner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await lockRunner.release();
  }
}
