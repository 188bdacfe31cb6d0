import { JwtService } from '@nestjs/jwt';
import { PASSWORD, TestContext, uniqueUsername } from '../utils/context';
import { startTestApp, TEST_JWT_SECRET, TestApp } from '../utils/test-app';

describe('auth', () => {
  let t: TestApp;
  let ctx: TestContext;

  beforeAll(async () => {
    t = await startTestApp();
    ctx = new TestContext(t);
  });
  afterAll(() => t.close());

  describe('register', () => {
    it('creates the user, returns tokens and stores an argon2id hash only', async () => {
      const username = uniqueUsername('Shivam');
      const res = await t.http.post('/api/v1/auth/register', {
        body: { username, password: PASSWORD, displayName: '  Shivam K  ' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        user: {
          id: expect.any(Number),
          username,
          displayName: 'Shivam K',
          displayPictureUrl: null,
          joinedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          deleted: false,
        },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expect(res.text).not.toContain('argon2');
      const { rows } = await t.db.query('SELECT password_hash FROM users WHERE id = $1', [
        res.body.user.id,
      ]);
      expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[^$]+\$[^$]+$/);
    });

    it('defaults the display name to the username', async () => {
      const session = await ctx.newUser();
      const me = await t.http.get('/api/v1/users/me', { token: session.accessToken });
      expect(me.body.displayName).toBe(session.username);
    });

    it('gives each user their own salt', async () => {
      const a = await ctx.newUser();
      const b = await ctx.newUser();
      const { rows } = await t.db.query(
        'SELECT password_hash FROM users WHERE id = ANY($1) ORDER BY id',
        [[a.id, b.id]],
      );
      const salts = rows.map((row) => row.password_hash.split('$')[4]);
      expect(salts[0]).not.toBe(salts[1]);
    });

    it('refuses a username that differs only in case (409)', async () => {
      const username = uniqueUsername('Udit');
      await ctx.newUser(username);
      const res = await t.http.post('/api/v1/auth/register', {
        body: { username: username.toUpperCase(), password: PASSWORD },
      });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
        code: 'USERNAME_TAKEN',
      });
    });

    it('keeps usernames unique under concurrent registration', async () => {
      const username = uniqueUsername('race');
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          t.http.post('/api/v1/auth/register', {
            body: { username: i % 2 ? username : username.toUpperCase(), password: PASSWORD },
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      const { rows } = await t.db.query(
        'SELECT count(*)::int AS n FROM users WHERE lower(username) = lower($1)',
        [username],
      );
      expect(rows[0].n).toBe(1);
    });

    it.each([
      [{ password: PASSWORD }, 'username must be longer than or equal to 3 characters'],
      [
        { username: 'ab', password: PASSWORD },
        'username must be longer than or equal to 3 characters',
      ],
      [
        { username: 'a'.repeat(33), password: PASSWORD },
        'username must be shorter than or equal to 32 characters',
      ],
      [
        { username: 'bad name!', password: PASSWORD },
        'username may contain only letters, digits, underscores, dots and hyphens',
      ],
      [{ username: 12345, password: PASSWORD }, 'username must be a string'],
      [
        { username: 'valid_name', password: 'short' },
        'password must be longer than or equal to 8 characters',
      ],
      [
        { username: 'valid_name', password: 'x'.repeat(129) },
        'password must be shorter than or equal to 128 characters',
      ],
      [
        { username: 'valid_name', password: PASSWORD, displayName: '   ' },
        'displayName must be longer than or equal to 1 characters',
      ],
      [
        { username: 'valid_name', password: PASSWORD, displayName: 'x'.repeat(65) },
        'displayName must be shorter than or equal to 64 characters',
      ],
      [
        { username: 'valid_name', password: PASSWORD, displayName: 'tab\there' },
        'displayName must not contain control characters',
      ],
      [
        { username: 'valid_name', password: PASSWORD, displayName: null },
        'displayName must be a string',
      ],
      [
        { username: 'valid_name', password: PASSWORD, isAdmin: true },
        'property isAdmin should not exist',
      ],
    ])('rejects %j with 400: %s', async (body, message) => {
      const res = await t.http.post('/api/v1/auth/register', { body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.message).toContain(message);
    });

    it('lists every problem of a body at once', async () => {
      const res = await t.http.post('/api/v1/auth/register', {
        body: { username: 'a', password: 'b' },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining([
          'username must be longer than or equal to 3 characters',
          'password must be longer than or equal to 8 characters',
        ]),
      );
    });

    it.each([['[]'], ['null'], ['"text"'], ['42']])(
      'rejects the JSON body %s with 400',
      async (rawBody) => {
        const res = await t.http.post('/api/v1/auth/register', {
          rawBody,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      },
    );

    it('rejects a body nested thousands deep with 400, not a 500', async () => {
      const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
      const res = await t.http.post('/api/v1/auth/login', {
        rawBody: `{"username":"someone","password":"long enough","x":${deep}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['x is nested deeper than 16 levels']);
    });

    it.each([['__proto__'], ['constructor']])('rejects a %s key with 400', async (key) => {
      const res = await t.http.post('/api/v1/auth/login', {
        rawBody: `{"username":"someone","password":"long enough","${key}":{"isAdmin":true}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
    });

    it('rejects malformed JSON with 400', async () => {
      const res = await t.http.post('/api/v1/auth/register', {
        rawBody: '{"username": "x",',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        code: 'BAD_REQUEST',
      });
    });

    it.each([['application/x-www-form-urlencoded'], ['text/plain'], ['application/xml']])(
      'rejects the content type %s with 415',
      async (contentType) => {
        const res = await t.http.post('/api/v1/auth/register', {
          rawBody: 'username=x&password=y',
          headers: { 'content-type': contentType },
        });
        expect(res.status).toBe(415);
        expect(res.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      },
    );

    it('rejects a multipart body on a JSON route with 415', async () => {
      const form = new FormData();
      form.append('username', 'someone');
      const res = await t.http.post('/api/v1/auth/register', { rawBody: form });
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('rejects a body over the size limit with 413', async () => {
      const res = await t.http.post('/api/v1/auth/register', {
        body: { username: 'big_body', password: PASSWORD, displayName: 'x'.repeat(200 * 1024) },
      });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    });
  });

  describe('login', () => {
    it('returns a working session', async () => {
      const session = await ctx.newUser();
      const res = await t.http.post('/api/v1/auth/login', {
        body: { username: session.username.toUpperCase(), password: PASSWORD },
      });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(session.id);
      const me = await t.http.get('/api/v1/users/me', { token: res.body.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.username).toBe(session.username);
    });

    it('answers an unknown user and a wrong password alike', async () => {
      const session = await ctx.newUser();
      const wrongPassword = await t.http.post('/api/v1/auth/login', {
        body: { username: session.username, password: 'not the password' },
      });
      const unknownUser = await t.http.post('/api/v1/auth/login', {
        body: { username: 'nobody_by_this_name', password: 'not the password' },
      });
      expect(wrongPassword.status).toBe(401);
      expect(unknownUser.status).toBe(401);
      expect(unknownUser.body).toEqual(wrongPassword.body);
      expect(wrongPassword.body.code).toBe('INVALID_CREDENTIALS');
    });
  });

  describe('refresh', () => {
    it('rotates: the new token works, the old one does not', async () => {
      const session = await ctx.newUser();
      const first = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      });
      expect(first.status).toBe(200);
      expect(first.body.refreshToken).not.toBe(session.refreshToken);
      expect(first.body.user.id).toBe(session.id);

      const second = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: first.body.refreshToken },
      });
      expect(second.status).toBe(200);
    });

    it('revokes the whole family when a used token is presented again', async () => {
      const session = await ctx.newUser();
      const rotated = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      });
      expect(rotated.status).toBe(200);

      const replay = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');

      const victim = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: rotated.body.refreshToken },
      });
      expect(victim.status).toBe(401);
      expect(victim.body.code).toBe('INVALID_REFRESH_TOKEN');
    });

    it('lets only one of two concurrent refreshes with the same token succeed', async () => {
      const session = await ctx.newUser();
      const results = await Promise.all(
        [1, 2].map(() =>
          t.http.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('leaves other sessions of the user alone', async () => {
      const session = await ctx.newUser();
      const other = await t.http.post('/api/v1/auth/login', {
        body: { username: session.username, password: PASSWORD },
      });
      await t.http.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
      await t.http.post('/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
      const res = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: other.body.refreshToken },
      });
      expect(res.status).toBe(200);
    });

    it('refuses unknown and expired tokens', async () => {
      const unknown = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: 'x'.repeat(43) },
      });
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe('INVALID_REFRESH_TOKEN');

      const session = await ctx.newUser();
      await t.db.query(
        `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
        [session.id],
      );
      const expired = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      });
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe('INVALID_REFRESH_TOKEN');
    });

    it('stores refresh tokens hashed, never as issued', async () => {
      const session = await ctx.newUser();
      const { rows } = await t.db.query(
        'SELECT encode(token_hash, $2) AS hash FROM refresh_tokens WHERE user_id = $1',
        [session.id, 'base64'],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].hash).not.toContain(session.refreshToken);
      expect(Buffer.from(rows[0].hash, 'base64')).toHaveLength(32);
    });

    it('validates the body', async () => {
      const res = await t.http.post('/api/v1/auth/refresh', { body: {} });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('refreshToken must be a string');
    });
  });

  describe('logout', () => {
    it('ends the session of the refresh token (204)', async () => {
      const session = await ctx.newUser();
      const res = await t.http.post('/api/v1/auth/logout', {
        token: session.accessToken,
        body: { refreshToken: session.refreshToken },
      });
      expect(res.status).toBe(204);
      const refresh = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      });
      expect(refresh.status).toBe(401);
    });

    it("cannot end another user's session", async () => {
      const alice = await ctx.newUser();
      const mallory = await ctx.newUser();
      const res = await t.http.post('/api/v1/auth/logout', {
        token: mallory.accessToken,
        body: { refreshToken: alice.refreshToken },
      });
      expect(res.status).toBe(204);
      const refresh = await t.http.post('/api/v1/auth/refresh', {
        body: { refreshToken: alice.refreshToken },
      });
      expect(refresh.status).toBe(200);
    });

    it('needs an access token', async () => {
      const session = await ctx.newUser();
      const res = await t.http.post('/api/v1/auth/logout', {
        body: { refreshToken: session.refreshToken },
      });
      expect(res.status).toBe(401);
    });
  });

  describe('access tokens', () => {
    const sign = (secret: string, claims: object) => new JwtService({ secret }).sign(claims);

    it.each([
      ['missing', undefined, 'TOKEN_MISSING'],
      ['garbage', 'not-a-jwt', 'TOKEN_INVALID'],
    ])('refuses a %s token with 401', async (_label, token, code) => {
      const res = await t.http.get('/api/v1/users/me', { token });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code });
    });

    it('refuses a token signed with another secret', async () => {
      const session = await ctx.newUser();
      const token = sign('another-secret-that-is-also-long-enough-0123456789', {
        sub: String(session.id),
        username: session.username,
      });
      const res = await t.http.get('/api/v1/users/me', { token });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_INVALID');
    });

    it('refuses a forged token (payload changed, signature kept)', async () => {
      const alice = await ctx.newUser();
      const bob = await ctx.newUser();
      const [header, , signature] = alice.accessToken.split('.');
      const payload = Buffer.from(
        JSON.stringify({ sub: String(bob.id), username: bob.username }),
      ).toString('base64url');
      const res = await t.http.get('/api/v1/users/me', {
        token: `${header}.${payload}.${signature}`,
      });
      expect(res.status).toBe(401);
    });

    it('refuses an unsigned token (alg none)', async () => {
      const session = await ctx.newUser();
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(
        JSON.stringify({ sub: String(session.id), username: session.username }),
      ).toString('base64url');
      const res = await t.http.get('/api/v1/users/me', { token: `${header}.${payload}.` });
      expect(res.status).toBe(401);
    });

    it('refuses an expired token and says so', async () => {
      const session = await ctx.newUser();
      const token = sign(TEST_JWT_SECRET, {
        sub: String(session.id),
        username: session.username,
        exp: Math.floor(Date.now() / 1000) - 10,
      });
      const res = await t.http.get('/api/v1/users/me', { token });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_EXPIRED');
    });

    it('refuses the token of a deleted user', async () => {
      const session = await ctx.newUser();
      await t.db.query('DELETE FROM users WHERE id = $1', [session.id]);
      const res = await t.http.get('/api/v1/users/me', { token: session.accessToken });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_INVALID');
    });

    it('refuses a well-signed token whose subject is not a user id', async () => {
      const token = sign(TEST_JWT_SECRET, { sub: 'admin', username: 'admin' });
      const res = await t.http.get('/api/v1/users/me', { token });
      expect(res.status).toBe(401);
    });
  });
});
