import { Client } from 'pg';
import { quoteIdentifier, EmbeddedDatabase } from '../../src/database/embedded-database';
import { ADMIN_URL_VAR, TEMPLATE_VAR } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { embeddedTestDatabase?: EmbeddedDatabase }).embeddedTestDatabase;
  if (embedded) {
    await embedded.stop();
    return;
  }
  // On a shared server, remove what this run created.
  const admin = new Client({ connectionString: process.env[ADMIN_URL_VAR] });
  await admin.connect();
  const template = process.env[TEMPLATE_VAR] ?? '';
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
    [template, `${template.replace('chat_template_', 'chat_test_')}%`],
  );
  for (const { datname } of rows)
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`);
  await admin.end();
}
