import { DisposablePostgres } from '../utils/disposable-postgres';
import { TestContext } from '../utils/context';
import { startTestApp, TestApp } from '../utils/test-app';

describe('health', () => {
  describe('on a healthy database', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('is live and ready without a token, outside the API prefix', async () => {
      expect(await t.http.get('/health/live')).toMatchObject({
        status: 200,
        body: { status: 'ok' },
      });
      expect(await t.http.get('/health/ready')).toMatchObject({
        status: 200,
        body: { status: 'ok' },
      });
    });
  });

  describe('when the database stops and comes back', () => {
    let postgres: DisposablePostgres;
    let t: TestApp;

    beforeAll(async () => {
      postgres = await DisposablePostgres.start();
      // An empty database: the app migrates it at start.
      t = await startTestApp({}, { databaseUrl: await postgres.createDatabase('chat') });
    }, 90_000);
    afterAll(async () => {
      await t?.close();
      await postgres?.shutdown();
    }, 60_000);

    it('turns readiness false, answers 503 without crashing, and recovers', async () => {
      const ctx = new TestContext(t);
      const session = await ctx.newUser();
      expect((await t.http.get('/health/ready')).status).toBe(200);

      await postgres.stop();
      const notReady = await t.http.get('/health/ready');
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
      expect((await t.http.get('/health/live')).status).toBe(200);
      const meWhileDown = await t.http.get('/api/v1/users/me', { token: session.accessToken });
      expect(meWhileDown.status).toBe(503);
      expect(meWhileDown.headers.get('retry-after')).toBe('5');

      await postgres.restart();
      await expect(
        eventually(async () => (await t.http.get('/health/ready')).status, 200),
      ).resolves.toBe(200);
      const me = await t.http.get('/api/v1/users/me', { token: session.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(session.id);
    }, 90_000);
  });
});

async function eventually<T>(probe: () => Promise<T>, expected: T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (last !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await probe();
  }
  return last;
}
