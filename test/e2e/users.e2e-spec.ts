import { randomBytes } from 'node:crypto';
import { Session, TestContext, uniqueUsername } from '../utils/context';
import { expectError } from '../utils/expect-error';
import { HttpResponse } from '../utils/http-client';
import { fileForm, solidPng } from '../utils/images';
import { startTestApp, TestApp } from '../utils/test-app';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A prefix no other test (or earlier run on the same database) shares; it has letters to case-fold. */
function searchPrefix(): string {
  return `s${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

const byLowerUsername = (a: string, b: string) => {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
};

function expectUser(body: unknown, session: Session, extra: Record<string, unknown> = {}): void {
  expect(body).toEqual({
    id: session.id,
    username: session.username,
    displayName: expect.any(String),
    displayPictureUrl: null,
    joinedAt: expect.stringMatching(ISO_MS),
    deleted: false,
    ...extra,
  });
}

describe('users', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  describe('GET /users/me', () => {
    it('returns my profile', async () => {
      const session = await ctx.newUser(uniqueUsername('Me'), 'Me Myself');
      const res = await t.http.get('/api/v1/users/me', { token: session.accessToken });
      expect(res.status).toBe(200);
      expectUser(res.body, session, {
        displayName: 'Me Myself',
        allowFriendRequests: true,
        shareReadReceipts: true,
      });
      const { rows } = await t.db.query('SELECT joined_at FROM users WHERE id = $1', [session.id]);
      expect(res.body.joinedAt).toBe((rows[0].joined_at as Date).toISOString());
    });

    it('never exposes the password hash', async () => {
      const session = await ctx.newUser();
      const res = await t.http.get('/api/v1/users/me', { token: session.accessToken });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(
        [
          'allowFriendRequests',
          'shareReadReceipts',
          'displayName',
          'displayPictureUrl',
          'id',
          'joinedAt',
          'username',
          'deleted',
        ].sort(),
      );
      expect(res.text).not.toMatch(/argon2|password/i);
    });
  });

  describe('PATCH /users/me', () => {
    it('changes the display name and persists it', async () => {
      const session = await ctx.newUser();
      const res = await t.http.patch('/api/v1/users/me', {
        token: session.accessToken,
        body: { displayName: 'Renamed User' },
      });
      expect(res.status).toBe(200);
      expectUser(res.body, session, {
        displayName: 'Renamed User',
        allowFriendRequests: true,
        shareReadReceipts: true,
      });
      const { rows } = await t.db.query('SELECT display_name FROM users WHERE id = $1', [
        session.id,
      ]);
      expect(rows[0].display_name).toBe('Renamed User');
      const me = await t.http.get('/api/v1/users/me', { token: session.accessToken });
      expect(me.body.displayName).toBe('Renamed User');
    });

    it('changes only what the body names; an empty body changes nothing', async () => {
      const session = await ctx.newUser();
      const off = await t.http.patch('/api/v1/users/me', {
        token: session.accessToken,
        body: { allowFriendRequests: false },
      });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ displayName: session.username, allowFriendRequests: false });
      const unchanged = await t.http.patch('/api/v1/users/me', {
        token: session.accessToken,
        body: {},
      });
      expect(unchanged.status).toBe(200);
      expect(unchanged.body).toMatchObject({
        displayName: session.username,
        allowFriendRequests: false,
      });
      const { rows } = await t.db.query('SELECT allow_friend_requests FROM users WHERE id = $1', [
        session.id,
      ]);
      expect(rows[0].allow_friend_requests).toBe(false);
    });

    it('keeps settings out of public profiles', async () => {
      const session = await ctx.newUser();
      const other = await ctx.newUser();
      const res = await t.http.get(`/api/v1/users/${session.id}`, { token: other.accessToken });
      expect(res.body).not.toHaveProperty('allowFriendRequests');
      expect(res.body).not.toHaveProperty('shareReadReceipts');
    });

    it('trims the display name', async () => {
      const session = await ctx.newUser();
      const res = await t.http.patch('/api/v1/users/me', {
        token: session.accessToken,
        body: { displayName: '   Padded Name \t ' },
      });
      expect(res.status).toBe(200);
      expect(res.body.displayName).toBe('Padded Name');
      const { rows } = await t.db.query('SELECT display_name FROM users WHERE id = $1', [
        session.id,
      ]);
      expect(rows[0].display_name).toBe('Padded Name');
    });

    it('accepts exactly 64 characters', async () => {
      const session = await ctx.newUser();
      const displayName = 'x'.repeat(64);
      const res = await t.http.patch('/api/v1/users/me', {
        token: session.accessToken,
        body: { displayName },
      });
      expect(res.status).toBe(200);
      expect(res.body.displayName).toBe(displayName);
    });

    it.each([
      ['empty after trimming', { displayName: '   ' }, 'displayName must be longer than'],
      ['65 characters', { displayName: 'x'.repeat(65) }, 'displayName must be shorter than'],
      ['a number', { displayName: 42 }, 'displayName must be a string'],
      ['null', { displayName: null }, 'displayName must be a string'],
      [
        'a non-boolean setting',
        { allowFriendRequests: 'yes' },
        'allowFriendRequests must be a boolean value',
      ],
      [
        'a null setting',
        { allowFriendRequests: null },
        'allowFriendRequests must be a boolean value',
      ],
      [
        'an unknown extra field',
        { displayName: 'Fine Name', avatar: 'x' },
        'property avatar should not exist',
      ],
      [
        'a username change',
        { displayName: 'Fine Name', username: 'hijacked_name' },
        'property username should not exist',
      ],
    ])('rejects a body with %s (400)', async (_label, body, message) => {
      const session = await ctx.newUser();
      const res = await t.http.patch('/api/v1/users/me', { token: session.accessToken, body });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect((res.body.message as string[]).some((m) => m.includes(message))).toBe(true);
      const { rows } = await t.db.query('SELECT username, display_name FROM users WHERE id = $1', [
        session.id,
      ]);
      expect(rows[0]).toEqual({ username: session.username, display_name: session.username });
    });

    it('rejects a non-JSON body with 415', async () => {
      const session = await ctx.newUser();
      const res = await t.http.patch('/api/v1/users/me', {
        token: session.accessToken,
        rawBody: 'displayName=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectError(res, 415);
    });
  });

  describe('GET /users/:userId', () => {
    it("returns another user's public profile", async () => {
      const me = await ctx.newUser();
      const other = await ctx.newUser(uniqueUsername('Other'), 'The Other');
      const res = await t.http.get(`/api/v1/users/${other.id}`, { token: me.accessToken });
      expect(res.status).toBe(200);
      expectUser(res.body, other, { displayName: 'The Other' });
      expect(res.text).not.toMatch(/argon2|password/i);
    });

    it('answers 404 USER_NOT_FOUND for an id nobody has', async () => {
      const me = await ctx.newUser();
      const res = await t.http.get('/api/v1/users/2147483647', { token: me.accessToken });
      expectError(res, 404, 'USER_NOT_FOUND');
    });

    it('answers 404 for a deleted user', async () => {
      const me = await ctx.newUser();
      const gone = await ctx.newUser();
      await t.db.query('DELETE FROM users WHERE id = $1', [gone.id]);
      const res = await t.http.get(`/api/v1/users/${gone.id}`, { token: me.accessToken });
      expectError(res, 404, 'USER_NOT_FOUND');
    });
  });

  describe('path ids', () => {
    const badIds = [
      'abc',
      '-1',
      '0',
      '1e3',
      '0x10',
      '1.5',
      '007',
      '99999999999999999999',
      '2147483648',
    ];
    let session: Session;

    beforeAll(async () => {
      session = await ctx.newUser();
    });

    it.each(badIds)('GET /users/%s is a 400', async (id) => {
      const res = await t.http.get(`/api/v1/users/${id}`, { token: session.accessToken });
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it.each(badIds)('GET /users/%s/avatar is a 400', async (id) => {
      const res = await t.http.get(`/api/v1/users/${id}/avatar`, { token: session.accessToken });
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('authentication', () => {
    it.each([
      ['GET', '/api/v1/users/me'],
      ['PATCH', '/api/v1/users/me'],
      ['PUT', '/api/v1/users/me/avatar'],
      ['GET', '/api/v1/users/1'],
      ['GET', '/api/v1/users/1/avatar'],
      ['GET', '/api/v1/users?q=abc'],
    ])('%s %s without a token is a 401', async (method, path) => {
      const res = await t.http.request(method, path, {
        ...(method === 'PATCH' ? { body: { displayName: 'Nobody' } } : {}),
        ...(method === 'PUT' ? { rawBody: fileForm(solidPng(8, 8)) } : {}),
      });
      expectError(res, 401, 'TOKEN_MISSING');
    });

    it('a 401 on PATCH changes nothing', async () => {
      const session = await ctx.newUser();
      const res = await t.http.patch('/api/v1/users/me', {
        token: 'not-a-jwt',
        body: { displayName: 'Sneaky' },
      });
      expectError(res, 401, 'TOKEN_INVALID');
      const { rows } = await t.db.query('SELECT display_name FROM users WHERE id = $1', [
        session.id,
      ]);
      expect(rows[0].display_name).toBe(session.username);
    });
  });

  describe('search', () => {
    const search = (session: Session, query: string) =>
      t.http.get(`/api/v1/users?${query}`, { token: session.accessToken });

    /** Registers the given usernames in parallel. */
    const register = (usernames: string[]) => Promise.all(usernames.map((u) => ctx.newUser(u)));

    /** Follows nextCursor until null; returns every page. */
    async function allPages(session: Session, q: string, limit: number) {
      const pages: HttpResponse[] = [];
      let cursor: string | null = null;
      do {
        const params = new URLSearchParams({ q, limit: String(limit) });
        if (cursor !== null) params.set('cursor', cursor);
        const res = await search(session, params.toString());
        expect(res.status).toBe(200);
        pages.push(res);
        cursor = res.body.nextCursor;
        expect(pages.length).toBeLessThan(20);
      } while (cursor !== null);
      return pages;
    }

    it('pages through every match exactly once, in lowercased-username order', async () => {
      const p = searchPrefix();
      const matching = [
        'Alpha',
        'beta',
        'CHARLIE',
        'delta',
        'Echo',
        'foxtrot',
        'Golf',
        'hotel',
        '-dash',
        '.Dot',
        '9nine',
        '_under',
      ].map((suffix) => `${p}${suffix}`);
      const notMatching = [`x${p}`, `${p.slice(0, -1)}q`, `${p.slice(1)}Zulu`];
      const [searcher] = await register([uniqueUsername('searcher')]);
      const users = await register([...matching, ...notMatching]);
      const idOf = new Map(users.map((u) => [u.username, u.id]));

      const pages = await allPages(searcher, p, 5);
      expect(pages.map((page) => page.body.items.length)).toEqual([5, 5, 2]);
      expect(pages.map((page) => page.body.nextCursor === null)).toEqual([false, false, true]);

      const items = pages.flatMap((page) => page.body.items);
      const names = items.map((item: { username: string }) => item.username);
      expect(names).toEqual([...matching].sort(byLowerUsername));
      expect(new Set(names).size).toBe(names.length);
      for (const name of notMatching) expect(names).not.toContain(name);
      for (const item of items) {
        expect(item).toEqual({
          id: idOf.get(item.username),
          username: item.username,
          displayName: item.username,
          displayPictureUrl: null,
          joinedAt: expect.stringMatching(ISO_MS),
          deleted: false,
        });
      }
      expect(pages.map((page) => page.text).join('')).not.toMatch(/argon2|password/i);
    });

    it('ends with nextCursor null when the matches fill the last page exactly', async () => {
      const p = searchPrefix();
      const [searcher] = await register([uniqueUsername('searcher')]);
      await register(Array.from({ length: 10 }, (_, i) => `${p}${i % 2 ? 'U' : 'l'}${i}`));
      const pages = await allPages(searcher, p, 5);
      expect(pages.map((page) => page.body.items.length)).toEqual([5, 5]);
      expect(pages[1].body.nextCursor).toBeNull();
    });

    it('uses the default limit and returns nextCursor null when all fit', async () => {
      const p = searchPrefix();
      const [searcher] = await register([uniqueUsername('searcher')]);
      await register([`${p}One`, `${p}two`, `${p}THREE`]);
      const res = await search(searcher, `q=${p}`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((u: { username: string }) => u.username)).toEqual([
        `${p}One`,
        `${p}THREE`,
        `${p}two`,
      ]);
      expect(res.body.nextCursor).toBeNull();
    });

    it('matches the prefix case-insensitively', async () => {
      const p = searchPrefix();
      const [searcher] = await register([uniqueUsername('searcher')]);
      await register([`${p}lower`, `${p.toUpperCase()}UPPER`]);
      for (const q of [p.toUpperCase(), p.toLowerCase()]) {
        const res = await search(searcher, `q=${q}`);
        expect(res.status).toBe(200);
        expect(res.body.items.map((u: { username: string }) => u.username)).toEqual([
          `${p}lower`,
          `${p.toUpperCase()}UPPER`,
        ]);
      }
    });

    it('returns an empty page when nothing matches', async () => {
      const [searcher] = await register([uniqueUsername('searcher')]);
      const res = await search(searcher, `q=${searchPrefix()}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [], nextCursor: null });
    });

    it("treats '_' in q literally, not as a LIKE wildcard", async () => {
      const p = searchPrefix();
      const [searcher] = await register([uniqueUsername('searcher')]);
      await register([`${p}_a1`, `${p}Xa1`, `${p}xa2`]);
      const res = await search(searcher, `q=${p}_`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((u: { username: string }) => u.username)).toEqual([`${p}_a1`]);
    });

    it("does not let '%' in q match everything", async () => {
      const p = searchPrefix();
      const [searcher] = await register([uniqueUsername('searcher')]);
      await register([`${p}Xa1`]);
      const res = await search(searcher, `q=${encodeURIComponent(`${p.slice(0, 3)}%`)}`);
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['q is missing', 'limit=5'],
      ['q is empty', 'q='],
      ['q has a space', `q=${encodeURIComponent('ab cd')}`],
      ['q has a *', `q=${encodeURIComponent('ab*')}`],
      ['q has a %', `q=${encodeURIComponent('%')}`],
      ['q is longer than a username can be', `q=${'a'.repeat(33)}`],
      ['q is given twice', 'q=ab&q=cd'],
      ['limit is 0', 'q=ab&limit=0'],
      ['limit is 101', 'q=ab&limit=101'],
      ['limit is -1', 'q=ab&limit=-1'],
      ['limit is abc', 'q=ab&limit=abc'],
      ['limit is 1e1', 'q=ab&limit=1e1'],
      ['limit is 1.5', 'q=ab&limit=1.5'],
      ['an unknown parameter is present', 'q=ab&sort=desc'],
    ])('is a 400 VALIDATION_FAILED when %s', async (_label, query) => {
      const session = await ctx.newUser();
      const res = await search(session, query);
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['not-a-cursor'],
      [Buffer.from('{"x":1}').toString('base64url')],
      [Buffer.from('{"u":1}').toString('base64url')],
      [Buffer.from('null').toString('base64url')],
    ])('is a 400 INVALID_CURSOR for the cursor %s', async (cursor) => {
      const session = await ctx.newUser();
      const res = await search(session, `q=ab&cursor=${encodeURIComponent(cursor)}`);
      expectError(res, 400, 'INVALID_CURSOR');
    });

    it('never answers 500 for a forged cursor holding a NUL character', async () => {
      const session = await ctx.newUser();
      const cursor = Buffer.from(JSON.stringify({ u: 'a\u0000b' })).toString('base64url');
      const res = await search(session, `q=ab&cursor=${cursor}`);
      expectError(res, 400);
    });

    it('is a 400 for a cursor longer than 512 characters', async () => {
      const session = await ctx.newUser();
      const res = await search(session, `q=ab&cursor=${'a'.repeat(513)}`);
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });
});
