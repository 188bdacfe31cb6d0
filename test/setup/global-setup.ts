import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { quoteIdentifier, startEmbeddedDatabase } from '../../src/database/embedded-database';
import { freePort } from '../utils/free-port';
import { useLocalRedis } from '../utils/redis';
import { ADMIN_URL_VAR, databaseUrl, TEMPLATE_VAR } from './test-database';

/**
 * Starts one PostgreSQL for the run (embedded, unless TEST_DATABASE_URL names a server) and migrates
 * a template database once; each test file then clones it in milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const embedded = await startEmbeddedDatabase({
      dir: join(__dirname, '../../.data', `test-${process.pid}-${randomBytes(3).toString('hex')}`),
      port: await freePort(),
      ephemeral: true,
    });
    (globalThis as { embeddedTestDatabase?: typeof embedded }).embeddedTestDatabase = embedded;
    adminUrl = embedded.adminUrl;
  }
  const template = `chat_template_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdentifier(template)}`);
  await admin.end();

  const dataSource = new DataSource(dataSourceOptions(databaseUrl(adminUrl, template), 2));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  process.env[ADMIN_URL_VAR] = adminUrl;
  process.env[TEMPLATE_VAR] = template;
  await useLocalRedis();
}
