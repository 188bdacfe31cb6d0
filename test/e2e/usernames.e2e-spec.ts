import { usernameSkeleton } from '../../src/users/username';
import { PASSWORD, TestContext, uniqueUsername } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/database/migrations';
import { createTestDatabase, startTestApp, TestApp } from '../utils/test-app';

/**
 * One comparison of usernames everywhere (A-Z lowercased, nothing else), the one the unique index
 * uses; and usernames that read like a taken one are taken.
 */
describe('usernames', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3/60' });
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  const login = (username: string, password = PASSWORD) =>
    t.http.post('/api/v1/auth/login', { body: { username, password } });
  const register = (username: string) =>
    t.http.post('/api/v1/auth/register', { body: { username, password: PASSWORD } });
  const usersNamed = async (names: string[]): Promise<string[]> =>
    (
      await t.db.query('SELECT username FROM users WHERE username = ANY($1) ORDER BY id', [names])
    ).rows.map((row: { username: string }) => row.username);

  describe('compared without a locale', () => {
    it.each([
      ['a dotted capital I', (name: string) => name.replace('i', '\u0130')],
      ['a Kelvin sign', (name: string) => name.replace('k', '\u212A')],
      ['a dotless i', (name: string) => name.replace('i', '\u0131')],
      ['a long s', (name: string) => name.replace('s', '\u017F')],
    ])('names nobody when written with %s, even with the right password', async (_, spell) => {
      const user = await ctx.newUser(uniqueUsername('kiss'));
      const lookAlike = spell(user.username);
      expect(lookAlike).not.toBe(user.username);
      expectError(await login(lookAlike), 401, 'INVALID_CREDENTIALS');
    });

    it('keeps the lockout of an account whatever letters name it', async () => {
      const victim = await ctx.newUser(uniqueUsername('kiss'));
      for (let i = 0; i < 3; i += 1) {
        expectError(await login(victim.username, 'wrong guess'), 401, 'INVALID_CREDENTIALS');
      }
      for (const name of [
        victim.username,
        victim.username.toUpperCase(),
        victim.username.replace('i', '\u0130'),
        victim.username.replace('k', '\u212A'),
      ]) {
        const res = await login(name);
        expect([401, 429]).toContain(res.status);
        expect(res.status === 401 ? 'INVALID_CREDENTIALS' : 'RATE_LIMITED').toBe(res.body.code);
        expect(res.body.accessToken).toBeUndefined();
      }
      expectError(await login(victim.username.toUpperCase()), 429, 'RATE_LIMITED');
    });

    it('logs in whatever the case of A-Z', async () => {
      const user = await ctx.newUser(uniqueUsername('CaSe'));
      for (const name of [user.username.toLowerCase(), user.username.toUpperCase()]) {
        const res = await login(name);
        expect(res.status).toBe(200);
        expect(res.body.user.id).toBe(user.id);
      }
    });

    it('stores the key the index holds and finds users by prefix with it', async () => {
      const user = await ctx.newUser(uniqueUsername('PreFix'));
      const { rows } = await t.db.query(
        `SELECT lower(username COLLATE "C") AS key, username_skeleton FROM users WHERE id = $1`,
        [user.id],
      );
      expect(rows[0]).toEqual({
        key: user.username.toLowerCase(),
        username_skeleton: usernameSkeleton(user.username),
      });
      const prefix = user.username.slice(0, 8).toUpperCase();
      const found = await t.http.get(`/api/v1/users?q=${prefix}`, { token: user.accessToken });
      expect(found.status).toBe(200);
      expect(found.body.items.map((u: { id: number }) => u.id)).toContain(user.id);
    });
  });

  describe('look-alikes', () => {
    it.each([
      ['paypal', ['paypa1', 'PAYPAI', 'PayPal']],
      ['bob0', ['BOBO', 'bobo']],
      ['modern', ['modem', 'MODERN']],
      ['vvave', ['wave', 'VVAVE']],
      ['ilya_k', ['1lya_k', 'Ilya_K']],
    ])('refuses look-alikes of %j as taken (409)', async (taken, lookAlikes) => {
      const name = `${taken}_${process.pid % 1000}`;
      expect((await register(name)).status).toBe(201);
      for (const alike of lookAlikes) {
        const res = await register(`${alike}_${process.pid % 1000}`);
        expectError(res, 409, 'USERNAME_TAKEN');
      }
      expect(await usersNamed(lookAlikes.map((a) => `${a}_${process.pid % 1000}`))).toEqual([]);
    });

    it('explains that the name reads like a taken one', async () => {
      expect((await register('rnoon_lights')).status).toBe(201);
      const res = await register('moon_lights');
      expectError(res, 409, 'USERNAME_TAKEN');
      expect(res.body.message).toContain('looks like one already taken');
    });

    it('keeps names apart that read differently', async () => {
      for (const name of ['apart_a.b', 'apart_a_b', 'apart_a-b', 'apart_mn', 'apart_nm']) {
        expect((await register(name)).status).toBe(201);
      }
    });

    it('lets exactly one of concurrent look-alike sign-ups through', async () => {
      const names = ['rac0n_x', 'racon_x', 'RACON_X', 'racoN_x', 'rac0N_x', 'RAC0N_X'];
      const results = await Promise.all(names.map(register));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      for (const res of results.filter((r) => r.status === 409)) {
        expectError(res, 409, 'USERNAME_TAKEN');
      }
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM users WHERE username_skeleton = 'racon_x'`,
      );
      expect(rows[0].n).toBe(1);
    });

    it('refuses a stored skeleton that is not the username’s, in the database', async () => {
      await expect(
        t.db.query(
          `INSERT INTO users (username, username_skeleton, display_name, password_hash) VALUES ('skel_x', 'other', 'x', 'x')`,
        ),
      ).rejects.toMatchObject({ code: '23514' });
    });
  });

  describe('the migration that brings the rule in', () => {
    it('keeps accounts that already look alike: the oldest holds the skeleton', async () => {
      const db = new DataSource({
        type: 'postgres',
        url: await createTestDatabase(),
        migrations: MIGRATIONS,
      });
      await db.initialize();
      try {
        // Back to just before this migration, whatever came after it.
        const applied = async () =>
          (await db.query(`SELECT 1 FROM migrations WHERE name = 'Usernames1795231449000'`)).length;
        while (await applied()) await db.undoLastMigration();
        const insert = (username: string) =>
          db.query(
            `INSERT INTO users (username, display_name, password_hash) VALUES ($1, 'x', 'x')`,
            [username],
          );
        for (const name of ['old_b0b', 'old_bob', 'OLD_BOB1', 'old_bobl', 'old_solo']) {
          await insert(name).catch(() => undefined);
        }
        await db.runMigrations({ transaction: 'each' });
        const rows = await db.query(
          `SELECT username, username_skeleton FROM users WHERE username LIKE 'old_%' OR username LIKE 'OLD_%' ORDER BY id`,
        );
        expect(rows).toEqual([
          { username: 'old_b0b', username_skeleton: 'old_bob' },
          { username: 'old_bob', username_skeleton: null },
          { username: 'OLD_BOB1', username_skeleton: 'old_bobl' },
          { username: 'old_bobl', username_skeleton: null },
          { username: 'old_solo', username_skeleton: 'old_solo' },
        ]);
        await expect(
          db.query(
            `INSERT INTO users (username, username_skeleton, display_name, password_hash) VALUES ('o1d_bob', 'old_bob', 'x', 'x')`,
          ),
        ).rejects.toMatchObject({ code: '23505', constraint: 'users_username_skeleton_key' });
      } finally {
        await db.destroy();
      }
    });
  });
});
