/**
 * Rebuilds the message search index with the text search configuration of SEARCH_TEXT_CONFIG (the
 * app refuses to start while the two differ). It rewrites the messages table and its GIN index in
 * one transaction, holding a lock that stops every read and write of messages meanwhile. Stop every
 * replica first (one still running would search with the old configuration), run it, then start
 * them with the new SEARCH_TEXT_CONFIG.
 *
 *   DATABASE_URL=postgres://... SEARCH_TEXT_CONFIG=english npm run search:reindex
 */
import { Client } from 'pg';
import { searchTextConfig, searchVectorSql } from '../src/messages/search-text-config';

/** Rebuilds search_vector and its index with `config`, in one transaction on `client`. */
export async function rebuildSearchIndex(client: Client, config: string): Promise<void> {
  const known = await client.query('SELECT 1 FROM pg_ts_config WHERE cfgname = $1', [config]);
  if (known.rowCount === 0) {
    throw new Error(`PostgreSQL has no text search configuration "${config}"`);
  }
  const expression = searchVectorSql(config);
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL statement_timeout = 0');
    // Rather than queue every other query behind it, give up if the table is busy.
    await client.query("SET LOCAL lock_timeout = '10s'");
    await client.query('DROP INDEX IF EXISTS messages_search_idx');
    await client.query('ALTER TABLE messages DROP COLUMN IF EXISTS search_vector');
    await client.query(
      `ALTER TABLE messages ADD search_vector tsvector GENERATED ALWAYS AS (${expression}) STORED NOT NULL`,
    );
    await client.query(
      `UPDATE typeorm_metadata SET value = $1
        WHERE type = 'GENERATED_COLUMN' AND "table" = 'messages' AND name = 'search_vector'`,
      [expression],
    );
    await client.query('CREATE INDEX messages_search_idx ON messages USING gin (search_vector)');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('Set DATABASE_URL to the database to reindex');
  const config = searchTextConfig();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await rebuildSearchIndex(client, config);
    console.log(`messages are now indexed with "${config}"`);
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
