import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../utils/test-app';

describe('database schema', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is exactly what the entities describe: the migrations leave no drift', async () => {
    const dataSource = t.app.get(DataSource);
    // TypeORM finds a generated column's expression in typeorm_metadata by the database's name, and
    // this database is a copy of the migrated template, made under another name.
    await t.db.query('UPDATE typeorm_metadata SET database = current_database()');
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    expect(upQueries.map((query) => query.query)).toEqual([]);
  });

  it('enforces the username rules in the database too', async () => {
    const insert = (username: string) =>
      t.db.query(
        `INSERT INTO users (username, display_name, password_hash) VALUES ($1, 'x', 'x')`,
        [username],
      );
    await insert('Case_Test');
    await expect(insert('case_test')).rejects.toMatchObject({ code: '23505' });
    await expect(insert('no spaces')).rejects.toMatchObject({ code: '23514' });
    await expect(insert('ab')).rejects.toMatchObject({ code: '23514' });
  });

  it('removes a user’s tokens and avatar with the user', async () => {
    const { rows } = await t.db.query(
      `INSERT INTO users (username, display_name, password_hash) VALUES ('cascade_me', 'x', 'x') RETURNING id`,
    );
    const id = rows[0].id;
    await t.db.query(
      `INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at) VALUES ('\\x01', $1, gen_random_uuid(), now())`,
      [id],
    );
    await t.db.query(
      `INSERT INTO user_avatars (user_id, content_type, data, etag) VALUES ($1, 'image/png', '\\x00', 'e')`,
      [id],
    );
    await t.db.query('DELETE FROM users WHERE id = $1', [id]);
    const left = await t.db.query(
      `SELECT (SELECT count(*) FROM refresh_tokens WHERE user_id = $1) + (SELECT count(*) FROM user_avatars WHERE user_id = $1) AS n`,
      [id],
    );
    expect(Number(left.rows[0].n)).toBe(0);
  });
});
