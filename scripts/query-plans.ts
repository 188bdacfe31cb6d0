/**
 * Seeds a user in 1,000 chats holding 1,000,000 messages, runs the app's own list-chats and history
 * queries (captured from TypeORM as the repositories issue them) under EXPLAIN ANALYZE, and writes
 * docs/query-plans.md. Uses DATABASE_URL, or a throwaway embedded PostgreSQL when it is unset.
 *
 *   npm run query-plans
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Logger as TypeOrmLogger, DataSource } from 'typeorm';
import { createApp } from '../src/app.setup';
import { ChatsService } from '../src/chats/chats.service';
import { loadConfig } from '../src/config/load-config';
import { ensureDatabase, startEmbeddedDatabase } from '../src/database/embedded-database';
import { MessageSearchService } from '../src/messages/message-search.service';
import { MessagesService } from '../src/messages/messages.service';

const CHATS = 1000;
const MESSAGES = 1_000_000;

interface Captured {
  query: string;
  parameters: unknown[];
}

async function main(): Promise<void> {
  const base = loadConfig({ ...process.env, LOG_LEVEL: 'warn' }).config;
  let url = base.database.url;
  const embedded = url
    ? null
    : await startEmbeddedDatabase({ dir: '.data/query-plans', port: 54398, ephemeral: true });
  if (embedded) {
    await ensureDatabase(embedded.adminUrl, 'plans');
    url = embedded.urlFor('plans');
  }
  const app = await createApp({
    ...base,
    database: { ...base.database, url, runMigrations: true },
  });
  try {
    const dataSource = app.get(DataSource);
    const userId = await seed(url!);
    const captured = capture(dataSource);
    const chats = app.get(ChatsService);
    const messages = app.get(MessagesService);

    const sections: string[] = [];
    const page = await chats.list(userId, { limit: 50 });
    sections.push(
      await explain(dataSource, 'List my chats: first page (1,000 chats)', captured.splice(0)),
    );
    await chats.list(userId, { limit: 50, cursor: page.nextCursor! });
    sections.push(await explain(dataSource, 'List my chats: second page', captured.splice(0)));

    const hot = await dataSource.query(`SELECT max(chat_id) AS id FROM messages`);
    const chatId = Number(hot[0].id);
    const oldest = await dataSource.query(`SELECT min(id) AS id FROM messages WHERE chat_id = $1`, [
      chatId,
    ]);
    captured.splice(0);
    await messages.list(userId, chatId, { limit: 50 });
    sections.push(
      await explain(
        dataSource,
        'History: newest page of a chat with 1,000 messages',
        captured.splice(0),
      ),
    );
    await messages.list(userId, chatId, { limit: 50, before: Number(oldest[0].id) + 60 });
    sections.push(
      await explain(
        dataSource,
        'History: oldest page of that chat (keyset, no OFFSET)',
        captured.splice(0),
      ),
    );

    captured.splice(0);
    await messages.changes(userId, chatId, 1, 50);
    sections.push(
      await explain(
        dataSource,
        'Change feed: the first page after rev 1 (a client away since the first message)',
        captured.splice(0),
      ),
    );
    await messages.changes(userId, chatId, 990, 50);
    sections.push(
      await explain(dataSource, 'Change feed: the last few changes', captured.splice(0)),
    );

    captured.splice(0);
    await chats.unreadTotals(userId);
    sections.push(await explain(dataSource, 'Unread totals over 1,000 chats', captured.splice(0)));

    const search = app.get(MessageSearchService);
    await search.search(userId, { q: 'needle', limit: 50 });
    sections.push(
      await explain(
        dataSource,
        'Search: a selective word (1 message in 500) across all my chats',
        captured.splice(0),
      ),
    );
    await search.search(userId, { q: 'needle', chatId, limit: 50 });
    sections.push(
      await explain(dataSource, 'Search: the same word in one chat', captured.splice(0)),
    );
    await search.search(userId, { q: 'message', limit: 50 });
    sections.push(
      await explain(
        dataSource,
        'Search: a word in every message (newest first, so the scan stops at the page)',
        captured.splice(0),
      ),
    );

    const few = await dataSource.query(`SELECT id FROM users WHERE username = 'plans_few'`);
    captured.splice(0);
    await search.search(Number(few[0].id), { q: 'message', limit: 50 });
    sections.push(
      await explain(
        dataSource,
        'Search: a word in every message, by someone in only the 10 oldest chats (the worst case: the scan walks back to them; SEARCH_STATEMENT_TIMEOUT_MS bounds it)',
        captured.splice(0),
      ),
    );

    writeFileSync(join(__dirname, '../docs/query-plans.md'), document(sections));
    console.log('wrote docs/query-plans.md');
  } finally {
    await app.close();
    await embedded?.stop();
  }
}

/**
 * One user in CHATS direct chats; MESSAGES messages spread over them. On a connection of its own:
 * the app's pool gives up on a statement after its timeout, and seeding takes longer on a busy host.
 */
async function seed(url: string): Promise<number> {
  const m = new Client({ connectionString: url });
  await m.connect();
  try {
    return await seedWith(m);
  } finally {
    await m.end();
  }
}

async function seedWith(m: Client): Promise<number> {
  const existing = await m.query(`SELECT id FROM users WHERE username = 'plans_user'`);
  if (existing.rows[0]) return existing.rows[0].id;
  await m.query('BEGIN');
  {
    await m.query('SET LOCAL statement_timeout = 0');
    await m.query(
      `INSERT INTO users (username, display_name, password_hash)
                   SELECT 'plans_' || i, 'Plans ' || i, 'x' FROM generate_series(0, $1) i`,
      [CHATS],
    );
    await m.query(`UPDATE users SET username = 'plans_user' WHERE username = 'plans_0'`);
    await m.query(`INSERT INTO chat_sessions (type, name, topic, user_1_id, user_2_id, last_activity_at)
                   SELECT 'direct', 'plans', 'chat:plans-' || u.id, me.id, u.id, now() - u.id * interval '1 minute'
                     FROM users me, users u WHERE me.username = 'plans_user' AND u.username LIKE 'plans\\_%' AND u.id <> me.id`);
    await m.query(`INSERT INTO chat_participants (chat_id, user_id, role)
                   SELECT id, user_1_id, 'member' FROM chat_sessions WHERE topic LIKE 'chat:plans-%'
                   UNION ALL SELECT id, user_2_id, 'member' FROM chat_sessions WHERE topic LIKE 'chat:plans-%'`);
    await m.query(
      `INSERT INTO messages (chat_id, seq, rev, sender_id, body, created_at)
                   SELECT c.id, s.seq, s.seq + 1, CASE WHEN s.seq % 2 = 0 THEN c.user_1_id ELSE c.user_2_id END,
                          'message ' || s.seq || CASE WHEN (c.id + s.seq) % 500 = 0 THEN ' needle' ELSE '' END,
                          now() - (1000 - s.seq) * interval '1 second'
                     FROM chat_sessions c, generate_series(1, $1::int / $2::int) AS s(seq)
                    WHERE c.topic LIKE 'chat:plans-%'
                    ORDER BY c.id, s.seq`,
      [MESSAGES, CHATS],
    );
    await m.query(
      `UPDATE chat_sessions c SET last_seq = $1::int / $2::int, last_rev = $1::int / $2::int + 1
        WHERE topic LIKE 'chat:plans-%'`,
      [MESSAGES, CHATS],
    );
    // Every tenth message mentions the user, who has read all but the last 20 of each chat.
    await m.query(
      `INSERT INTO message_mentions (message_id, chat_id, seq, user_id)
       SELECT m.id, m.chat_id, m.seq, me.id FROM messages m, users me
        WHERE me.username = 'plans_user' AND m.seq % 10 = 0`,
    );
    await m.query(
      `UPDATE chat_participants p SET last_read_seq = greatest(0, c.last_seq - 20)
         FROM chat_sessions c, users me
        WHERE c.id = p.chat_id AND p.user_id = me.id AND me.username = 'plans_user'`,
    );
    // Someone in only 10 of the chats, the oldest ones, to search as.
    await m.query(
      `INSERT INTO users (username, display_name, password_hash) VALUES ('plans_few', 'Few', 'x')`,
    );
    await m.query(
      `INSERT INTO chat_participants (chat_id, user_id, role)
       SELECT c.id, u.id, 'member' FROM chat_sessions c, users u
        WHERE u.username = 'plans_few' AND c.topic LIKE 'chat:plans-%' ORDER BY c.id LIMIT 10`,
    );
    // Every tenth message has two reactions, so pages count some.
    await m.query(
      `INSERT INTO message_reactions (chat_id, message_id, user_id, emoji)
       SELECT m.chat_id, m.id, p.user_id, '👍' FROM messages m JOIN chat_participants p ON p.chat_id = m.chat_id
        WHERE m.seq % 10 = 0`,
    );
  }
  await m.query('COMMIT');
  await m.query('ANALYZE');
  return (await m.query(`SELECT id FROM users WHERE username = 'plans_user'`)).rows[0].id;
}

function capture(dataSource: DataSource): Captured[] {
  const captured: Captured[] = [];
  const logger: TypeOrmLogger = {
    logQuery: (query, parameters) => {
      if (/^\s*(SELECT|WITH hit)/i.test(query) && !query.includes('set_config'))
        captured.push({ query, parameters: (parameters as unknown[]) ?? [] });
    },
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  Object.assign(dataSource, { logger });
  return captured;
}

async function explain(
  dataSource: DataSource,
  title: string,
  queries: Captured[],
): Promise<string> {
  const parts = [`## ${title}\n`];
  for (const { query, parameters } of queries) {
    const plan = await dataSource.query(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${query}`,
      parameters,
    );
    const lines = plan.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
    parts.push('```sql\n' + query.trim() + '\n```\n\n```\n' + lines + '\n```\n');
  }
  return parts.join('\n');
}

function document(sections: string[]): string {
  return `# Query plans

Generated by \`npm run query-plans\` (scripts/query-plans.ts) on PostgreSQL with one user in
${CHATS.toLocaleString('en')} direct chats holding ${MESSAGES.toLocaleString('en')} messages. Each block is a query exactly as the
repositories send it, captured from TypeORM, under \`EXPLAIN (ANALYZE, BUFFERS)\`. Timings are from one run on a
shared 2-core machine: read them for shape (index scans, no sequential scan of messages, no per-chat
queries), not as benchmarks.

Listing chats is two queries per page whatever the number of chats: the page of chats with the viewer's
read position (sorted on the denormalised \`last_activity_at\`; \`lastMessage\` and the counter behind
\`unreadCount\` live on the chat row; \`unreadMentionCount\` is a range of the reader's
\`(user_id, chat_id, seq)\` mention index after the marker, looked up for the page's chats only), then the
participants of those chats. The unread totals are one statement over all the reader's chats: the same
counter and mention range per chat, whatever the history's length. History is a keyset scan of
the \`(chat_id, id)\` index, the same cost at the newest and the oldest page; each page of messages also
brings what replies show of their targets (a join on the primary key) and the reactions counted from their
rows (one probe of \`message_reactions_pkey\` per message), in the same statement. The change feed reads the
chat, its participants and a range of the \`(chat_id, rev)\` unique index, in one snapshot: O(page) at any
depth. Search asks the GIN index of the generated \`search_vector\` for the matching messages (or, for a word
in nearly every message, walks the primary key newest first and stops at the page), keeps those of chats
the reader is in (a semi-join on \`chat_participants\`), and highlights the page's rows only.

${sections.join('\n')}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
