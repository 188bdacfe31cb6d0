import { once } from 'node:events';
import { createServer, Server } from 'node:net';
import { freePort } from '../utils/free-port';
import { ServerProcess } from '../utils/server-process';
import { createTestDatabase } from '../utils/test-app';

/** What `npm start` prints, from the real server process: for a developer, and for a log collector. */
describe('start-up output', () => {
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
  });

  describe('in development', () => {
    let server: ServerProcess;

    beforeAll(async () => {
      server = await ServerProcess.start({
        databaseUrl,
        env: { NODE_ENV: 'development', LOG_LEVEL: 'info' },
      });
      await server.http.get('/api/v1/users/me?access_token=not-a-token');
      await server.stop();
    }, 60_000);
    afterAll(() => server?.stop('SIGKILL'));

    it('says what to open and what to try next, and fits on one screen', () => {
      const lines = server.logs.trimEnd().split('\n');
      const base = `http://localhost:${server.port}`;
      expect(lines).toEqual(
        expect.arrayContaining([
          'Chat backend is ready (development)',
          `  API       ${base}/api/v1`,
          expect.stringMatching(`^  Docs +${base}/docs +\\(OpenAPI`),
          expect.stringMatching(`^  Events +${base}/asyncapi +\\(.*/asyncapi\\.yaml\\)$`),
          `  Health    ${base}/health/ready`,
          expect.stringMatching(/^ {2}Metrics +http:\/\/localhost:\d+\/metrics$/),
          expect.stringMatching(
            /^ {2}Database +PostgreSQL 127\.0\.0\.1:\d+\/chat_test_\w+ \(DATABASE_URL\)$/,
          ),
          expect.stringContaining('npm run demo'),
          expect.stringContaining('log in as shivam'),
          'Stopped',
        ]),
      );
      expect(lines.length).toBeLessThanOrEqual(24);
      expect(server.logs).not.toContain(new URL(databaseUrl).password);
    });

    it('keeps the framework’s module and route listing, and its early "started", below info', () => {
      expect(server.logs).not.toMatch(
        /InstanceLoader|RoutesResolver|Mapped \{|successfully started/,
      );
    });

    it('logs a request in one short line, without headers or credentials', () => {
      const [line, ...more] = server.logs.split('\n').filter((l) => l.includes('"req":'));
      expect(more).toEqual([]);
      expect(line.length).toBeLessThan(400);
      expect(JSON.parse(line)).toMatchObject({
        req: { method: 'GET', url: '/api/v1/users/me?access_token=[redacted]' },
        res: { statusCode: 401, contentLength: expect.any(Number) },
      });
      expect(line).not.toMatch(/headers|not-a-token/);
    });
  });

  describe('on a port that is taken', () => {
    let holder: Server;
    let taken: number;

    beforeAll(async () => {
      taken = await freePort();
      holder = createServer().listen(taken, '127.0.0.1');
      await once(holder, 'listening');
    });
    afterAll(() => new Promise((resolve) => holder.close(resolve)));

    it('names the port and PORT, exits 1 and claims no success (production, JSON)', async () => {
      const server = await ServerProcess.launch({ databaseUrl, port: taken });
      expect(await server.exited()).toBe(1);
      const lines = server.logs.trimEnd().split('\n');
      expect(lines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({
          level: 60,
          msg:
            `Cannot start: port ${taken} (on 127.0.0.1) is already in use by another process. ` +
            `Stop that process, or set PORT to a free port, e.g. PORT=${taken + 1}`,
        }),
      );
      expect(server.logs).not.toMatch(/successfully started|API on|"stack"/);
    }, 60_000);

    it('names the metrics port and METRICS_PORT in plain words (development)', async () => {
      const server = await ServerProcess.launch({
        databaseUrl,
        env: { NODE_ENV: 'development', METRICS_PORT: String(taken), METRICS_HOST: '127.0.0.1' },
      });
      expect(await server.exited()).toBe(1);
      expect(server.logs).toContain(
        `error: Cannot start: port ${taken} (on 127.0.0.1) is already in use by another process. ` +
          `Stop that process, or set METRICS_PORT to a free port, e.g. METRICS_PORT=${taken + 1}\n`,
      );
      expect(server.logs).not.toMatch(/successfully started|is ready|\n\s+at /);
    }, 60_000);
  });

  describe('on a search index built with another SEARCH_TEXT_CONFIG', () => {
    it('says which, how to fix it, and exits 1 (development)', async () => {
      const server = await ServerProcess.launch({
        databaseUrl,
        env: { NODE_ENV: 'development', SEARCH_TEXT_CONFIG: 'english' },
      });
      expect(await server.exited()).toBe(1);
      expect(server.logs).toContain(
        'SEARCH_TEXT_CONFIG is "english" but messages are indexed with "simple": set ' +
          'SEARCH_TEXT_CONFIG=simple, or rebuild the index with "SEARCH_TEXT_CONFIG=english npm run ' +
          'search:reindex"',
      );
      expect(server.logs).not.toMatch(/is ready|\n\s+at /);
    }, 60_000);
  });

  describe('on a database that does not answer', () => {
    it('names the database and DATABASE_URL, never its password, in JSON lines only (production)', async () => {
      const closed = await freePort();
      const server = await ServerProcess.launch({
        databaseUrl: `postgres://someone:secret-pw@127.0.0.1:${closed}/nowhere`,
      });
      expect(await server.exited()).toBe(1);
      const lines = server.logs
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(lines).toContainEqual({
        level: 60,
        time: expect.any(Number),
        context: 'Bootstrap',
        msg: expect.stringMatching(
          new RegExp(
            `^Cannot start: cannot use PostgreSQL 127\\.0\\.0\\.1:${closed}/nowhere \\(DATABASE_URL\\): .*ECONNREFUSED.*Check DATABASE_URL`,
          ),
        ),
      });
      expect(server.logs).not.toMatch(/secret-pw|\[Nest\]|InstanceLoader|"stack"/);
    }, 60_000);
  });
});
