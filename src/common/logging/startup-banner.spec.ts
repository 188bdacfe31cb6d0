import { resolve } from 'node:path';
import { loadConfig } from '../../config/load-config';
import { describeDatabase, localUrl, startupBanner } from './startup-banner';

const databaseOf = (env: Record<string, string>) => loadConfig(env).config.database;

describe('startup banner', () => {
  const banner = startupBanner({
    baseUrl: 'http://localhost:3000',
    apiUrl: 'http://localhost:3000/api/v1',
    metricsUrl: 'http://localhost:9464/metrics',
    database: databaseOf({}),
  });

  it('says where to go, on which database, and what to try next, on one screen', () => {
    for (const line of [
      /API +http:\/\/localhost:3000\/api\/v1$/,
      /Docs +http:\/\/localhost:3000\/docs +\(OpenAPI/,
      /Events +http:\/\/localhost:3000\/asyncapi +\(.*\/asyncapi\.yaml\)$/,
      /Health +http:\/\/localhost:3000\/health\/ready$/,
      /Metrics +http:\/\/localhost:9464\/metrics$/,
      `  Database  embedded PostgreSQL on 127.0.0.1:54329, data in ${resolve('.data/postgres')}`,
      /npm run demo/,
      /log in as shivam/,
    ]) {
      expect(banner.split('\n')).toContainEqual(
        typeof line === 'string' ? line : expect.stringMatching(line),
      );
    }
    expect(banner.split('\n').length).toBeLessThanOrEqual(16);
    expect(Math.max(...banner.split('\n').map((line) => line.length))).toBeLessThanOrEqual(100);
  });

  it('names a database from DATABASE_URL without its user or password', () => {
    const url = 'postgres://chat:s3cret-pass@db.internal:6432/chat_prod?sslmode=require';
    expect(describeDatabase(databaseOf({ DATABASE_URL: url }))).toBe(
      'PostgreSQL db.internal:6432/chat_prod (DATABASE_URL)',
    );
  });

  it.each([
    ['0.0.0.0', 'http://localhost:3000'],
    ['::', 'http://localhost:3000'],
    ['127.0.0.1', 'http://localhost:3000'],
    ['10.1.2.3', 'http://10.1.2.3:3000'],
    ['fd00::1', 'http://[fd00::1]:3000'],
  ])('shows a server on %s as %s', (host, url) => {
    expect(localUrl(host, 3000)).toBe(url);
  });
});
