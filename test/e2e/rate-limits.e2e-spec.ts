import { PASSWORD, TestContext, uniqueUsername } from '../utils/context';
import { startTestApp, TestApp } from '../utils/test-app';

function expectRateLimited(
  res: { status: number; headers: Headers; body: any },
  windowSeconds: number,
): void {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({
    statusCode: 429,
    error: 'Too Many Requests',
    code: 'RATE_LIMITED',
  });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe('rate limits', () => {
  describe('register, per IP', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_REGISTER_PER_IP: '3/60' });
    });
    afterAll(() => t.close());

    it('answers 429 with Retry-After once the window is used up', async () => {
      const ctx = new TestContext(t);
      for (let i = 0; i < 3; i += 1) await ctx.newUser();
      const res = await t.http.post('/api/v1/auth/register', {
        body: { username: uniqueUsername(), password: PASSWORD },
      });
      expectRateLimited(res, 60);
    });
  });

  describe('login', () => {
    let t: TestApp;
    let ctx: TestContext;
    beforeAll(async () => {
      t = await startTestApp({
        RATE_LIMIT_LOGIN_PER_ACCOUNT: '3/60',
        RATE_LIMIT_LOGIN_PER_IP: '12/60',
      });
      ctx = new TestContext(t);
    });
    afterAll(() => t.close());

    const login = (username: string, password: string) =>
      t.http.post('/api/v1/auth/login', { body: { username, password } });

    it('throttles guessing at one account, whatever the letter case, even with the right password', async () => {
      const victim = await ctx.newUser();
      for (const name of [victim.username, victim.username.toUpperCase(), victim.username]) {
        expect((await login(name, 'wrong guess')).status).toBe(401);
      }
      expectRateLimited(await login(victim.username, PASSWORD), 60);
    });

    it('does not count successful logins against the account', async () => {
      const user = await ctx.newUser();
      for (let i = 0; i < 4; i += 1)
        expect((await login(user.username, PASSWORD)).status).toBe(200);
    });

    it('throttles all attempts from one IP', async () => {
      let last = await login('nobody_here', 'x');
      for (let i = 0; i < 12 && last.status !== 429; i += 1)
        last = await login(uniqueUsername(), 'x');
      expectRateLimited(last, 60);
    });
  });

  describe('login lockout', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '2/1' });
    });
    afterAll(() => t.close());

    it('ends with the window: the real user is not locked out for good', async () => {
      const user = await new TestContext(t).newUser();
      const login = (password: string) =>
        t.http.post('/api/v1/auth/login', { body: { username: user.username, password } });
      await login('wrong');
      await login('wrong');
      expect((await login(PASSWORD)).status).toBe(429);
      // The window is one second long: this wait is the behaviour under test.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await login(PASSWORD)).status).toBe(200);
    });
  });
});
