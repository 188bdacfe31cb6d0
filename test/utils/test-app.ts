import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { createApp } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';
import { Env, loadConfig } from '../../src/config/load-config';
import { quoteIdentifier } from '../../src/database/embedded-database';
import { ADMIN_URL_VAR, databaseUrl, TEMPLATE_VAR } from '../setup/test-database';
import { HttpClient } from './http-client';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  http: HttpClient;
  /** A direct connection to this file's database, for asserting on rows. */
  db: Pool;
  databaseUrl: string;
  close(): Promise<void>;
}

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-to-pass-checks-0123456789';

/**
 * Boots the real AppModule, exactly as main.ts does, on a fresh database cloned from the migrated
 * template and on a random port.
 */
export async function startTestApp(
  env: Env = {},
  options: { databaseUrl?: string } = {},
): Promise<TestApp> {
  // A database of the caller's (an empty one) is migrated at start, as in production.
  const url = options.databaseUrl ?? (await createTestDatabase());
  const { config } = loadConfig({
    NODE_ENV: 'test',
    JWT_ACCESS_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_LOGIN_PER_IP: 'off',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: 'off',
    RATE_LIMIT_REGISTER_PER_IP: 'off',
    RATE_LIMIT_SOCKET_EVENTS: 'off',
    RATE_LIMIT_MESSAGES_PER_USER: 'off',
    RATE_LIMIT_TYPING: 'off',
    RATE_LIMIT_SOCKET_EVENTS_PER_USER: 'off',
    RATE_LIMIT_MESSAGE_CHANGES_PER_USER: 'off',
    RATE_LIMIT_REACTIONS_PER_USER: 'off',
    RATE_LIMIT_SEARCH_PER_USER: 'off',
    RATE_LIMIT_EXPORTS_PER_USER: 'off',
    RATE_LIMIT_FRIEND_REQUESTS_PER_USER: 'off',
    PRESENCE_OFFLINE_DELAY_MS: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
    DATABASE_URL: url,
    DATABASE_MIGRATIONS_RUN: options.databaseUrl ? 'true' : 'false',
  });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  const db = new Pool({ connectionString: url, max: 2 });
  return {
    app,
    config,
    baseUrl,
    http: new HttpClient(baseUrl),
    db,
    databaseUrl: url,
    close: async () => {
      await app.close();
      await db.end();
    },
  };
}

/** A fresh database cloned from the migrated template; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = requiredEnv(ADMIN_URL_VAR);
  const template = requiredEnv(TEMPLATE_VAR);
  const name = `${template.replace('chat_template_', 'chat_test_')}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(
      `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}`,
    );
  } finally {
    await admin.end();
  }
  return databaseUrl(adminUrl, name);
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the end-to-end tests through jest (npm test)`);
  return value;
}
