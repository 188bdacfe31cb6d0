import { Pool } from 'pg';
import { quoteIdentifier } from '../../src/database/embedded-database';

/** Row count and md5 of every row of a table, in one comparable string per table. */
export type Fingerprint = Record<string, string>;

/**
 * Fingerprints every application table in one round trip, to show that a refused request changed
 * nothing. Rows are ordered by their text, so tables without a primary key are covered too.
 */
export class DbFingerprint {
  private constructor(
    private readonly db: Pool,
    private readonly sql: string,
  ) {}

  static async of(db: Pool): Promise<DbFingerprint> {
    const { rows } = await db.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables
        WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`,
    );
    if (rows.length === 0) throw new Error('no application tables to fingerprint');
    const sql = rows
      .map(
        ({ name }) =>
          `SELECT '${name}' AS name, count(*)::int AS n,
                  md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS hash
             FROM ${quoteIdentifier(name)} t`,
      )
      .join(' UNION ALL ');
    return new DbFingerprint(db, sql);
  }

  async take(): Promise<Fingerprint> {
    const { rows } = await this.db.query<{ name: string; n: number; hash: string }>(this.sql);
    return Object.fromEntries(rows.map((row) => [row.name, `${row.n} rows ${row.hash}`]));
  }
}

export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}
