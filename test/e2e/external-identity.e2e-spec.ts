import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { expectError } from '../utils/expect-error';
import { connectSocket } from '../utils/sockets';
import { startTestApp, TestApp } from '../utils/test-app';

const ISSUER = 'https://idp.example.com/realms/app';
const AUDIENCE = 'chat-api';
const ADMIN_TOKEN = randomBytes(48).toString('base64url');

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A real JWKS endpoint, as Keycloak, Auth0 or Cognito serve one; its keys can be rotated. */
class IdentityProvider {
  keys: { kid: string; pair: KeyPair; alg: string }[] = [];
  fetches = 0;
  /** While true the key set answers 500, as a provider in an outage does. */
  down = false;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<IdentityProvider> {
    const server = createServer();
    const idp = new IdentityProvider(server);
    server.on('request', async (_req, res) => {
      idp.fetches += 1;
      if (idp.down) return void res.writeHead(500).end();
      const keys: JWK[] = await Promise.all(
        idp.keys.map(async ({ kid, pair, alg }) => ({
          ...(await exportJWK(pair.publicKey)),
          kid,
          alg,
          use: 'sig',
        })),
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return idp;
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/certs`;
  }

  async addKey(alg = 'RS256'): Promise<string> {
    const kid = `key-${randomBytes(3).toString('hex')}`;
    this.keys.push({ kid, alg, pair: await generateKeyPair(alg) });
    return kid;
  }

  /** A token as the provider issues it; `overrides` bend it into the bad ones. */
  async token(
    claims: Record<string, unknown>,
    overrides: {
      kid?: string;
      pair?: KeyPair;
      expiresIn?: string;
      issuer?: string;
      audience?: string;
      /** Seconds since the epoch; now when left out. */
      issuedAt?: number;
    } = {},
  ): Promise<string> {
    const key = this.keys.find((k) => k.kid === overrides.kid) ?? this.keys[this.keys.length - 1];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: overrides.kid ?? key.kid })
      .setIssuer(overrides.issuer ?? ISSUER)
      .setAudience(overrides.audience ?? AUDIENCE)
      .setIssuedAt(overrides.issuedAt)
      .setExpirationTime(overrides.expiresIn ?? '5m')
      .sign((overrides.pair ?? key.pair).privateKey);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const unsigned = (claims: object) =>
  `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
    JSON.stringify(claims),
  ).toString('base64url')}.`;

/**
 * Issue 20: the chat trusts the app's own identity provider. Its tokens work on REST and at the socket
 * handshake exactly like ours; every kind of bad token is refused with the usual codes.
 */
describe("the app's identity provider", () => {
  let idp: IdentityProvider;
  let t: TestApp;
  const subject = () => `sub-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    idp = await IdentityProvider.start();
    await idp.addKey();
    t = await startTestApp({
      AUTH_JWKS_URL: idp.jwksUrl,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_JWKS_COOLDOWN_MS: '0',
      ADMIN_API_TOKEN: ADMIN_TOKEN,
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  it('accepts its tokens on REST, creating the user on first use, once', async () => {
    const sub = subject();
    const name = `idp_${randomBytes(4).toString('hex')}`;
    const token = await idp.token({ sub, preferred_username: name });
    const [first, second] = await Promise.all([
      t.http.get('/api/v1/users/me', { token }),
      t.http.get('/api/v1/users/me', { token }),
    ]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ username: name });
    expect(second.body.id).toBe(first.body.id);
    const rows = await t.db.query('SELECT id, password_hash FROM users WHERE external_id = $1', [
      sub,
    ]);
    expect(rows.rows).toEqual([{ id: first.body.id, password_hash: null }]);
  });

  it('accepts them at the socket handshake', async () => {
    const token = await idp.token({ sub: subject() });
    const socket = await connectSocket(t.baseUrl, { token });
    socket.close();
  });

  it('derives a username when the suggested one is taken or invalid', async () => {
    const taken = await t.http.get('/api/v1/users/me', {
      token: await idp.token({ sub: subject(), preferred_username: 'taken_by_first' }),
    });
    expect(taken.status).toBe(200);
    for (const preferred of ['taken_by_first', 'not valid!', undefined]) {
      const res = await t.http.get('/api/v1/users/me', {
        token: await idp.token({ sub: subject(), preferred_username: preferred }),
      });
      expect(res.status).toBe(200);
      expect(res.body.username).toMatch(/^u_[0-9a-f]{16}$/);
    }
  });

  it('signs a person in even when someone registered their derived username first', async () => {
    const sub = subject();
    const derived = `u_${createHash('sha256').update(sub).digest('hex').slice(0, 16)}`;
    const squatter = await t.http.post('/api/v1/auth/register', {
      body: { username: derived, password: 'correct horse battery' },
    });
    expect(squatter.status).toBe(201);
    const res = await t.http.get('/api/v1/users/me', { token: await idp.token({ sub }) });
    expect(res.status).toBe(200);
    expect(res.body.username).toMatch(new RegExp(`^${derived}_[0-9a-f]{8}$`));
  });

  it('answers 503, not 401, while the key set cannot be fetched, and recovers', async () => {
    const kid = await idp.addKey();
    const token = await idp.token({ sub: subject() }, { kid });
    idp.down = true;
    try {
      expectError(
        await t.http.get('/api/v1/users/me', { token }),
        503,
        'IDENTITY_PROVIDER_UNAVAILABLE',
      );
      await expect(connectSocket(t.baseUrl, { token })).rejects.toMatchObject({
        data: { code: 'IDENTITY_PROVIDER_UNAVAILABLE' },
      });
    } finally {
      idp.down = false;
    }
    expect((await t.http.get('/api/v1/users/me', { token })).status).toBe(200);
  });

  it('refuses every bad token with the usual codes', async () => {
    const sub = subject();
    const stranger = await generateKeyPair('RS256');
    const cases: [string, string, string][] = [
      ['expired', await idp.token({ sub }, { expiresIn: '-5m' }), 'TOKEN_EXPIRED'],
      ['wrong audience', await idp.token({ sub }, { audience: 'another-api' }), 'TOKEN_INVALID'],
      ['unknown key', await idp.token({ sub }, { kid: 'nobody', pair: stranger }), 'TOKEN_INVALID'],
      [
        'a known kid, signed by another key',
        await idp.token({ sub }, { pair: stranger }),
        'TOKEN_INVALID',
      ],
      [
        'alg none',
        unsigned({ sub, iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 }),
        'TOKEN_INVALID',
      ],
      // Another issuer is not trusted at all: it is checked as one of ours, and fails.
      [
        'another issuer',
        await idp.token({ sub }, { issuer: 'https://evil.example.com' }),
        'TOKEN_INVALID',
      ],
      ['no subject', await idp.token({}), 'TOKEN_INVALID'],
      ['a subject that is no id', await idp.token({ sub: 'has space' }), 'TOKEN_INVALID'],
      ['a subject that is no string', await idp.token({ sub: ['x'] }), 'TOKEN_INVALID'],
    ];
    for (const [name, token, code] of cases) {
      const res = await t.http.get('/api/v1/users/me', { token });
      expect({ name, status: res.status, code: res.body.code }).toEqual({
        name,
        status: 401,
        code,
      });
      await expect(connectSocket(t.baseUrl, { token })).rejects.toMatchObject({ data: { code } });
    }
    const created = await t.db.query('SELECT 1 FROM users WHERE external_id = $1', [sub]);
    expect(created.rowCount).toBe(0);
  });

  it('follows a key rotation without a restart', async () => {
    const before = idp.fetches;
    const kid = await idp.addKey('ES256');
    idp.keys = idp.keys.filter((key) => key.kid === kid);
    const res = await t.http.get('/api/v1/users/me', {
      token: await idp.token({ sub: subject() }),
    });
    expect(res.status).toBe(200);
    expect(idp.fetches).toBeGreaterThan(before);
  });

  it('keeps a deleted person out with their old tokens, and lets a new sign-in start afresh', async () => {
    const sub = subject();
    const old = await idp.token({ sub });
    const me = await t.http.get('/api/v1/users/me', { token: old });
    const deleted = await t.http.delete(`/api/v1/admin/users/${me.body.id}`, {
      token: ADMIN_TOKEN,
    });
    expect(deleted.status).toBe(204);
    expectError(await t.http.get('/api/v1/users/me', { token: old }), 401, 'TOKEN_INVALID');
    await expect(connectSocket(t.baseUrl, { token: old })).rejects.toMatchObject({
      data: { code: 'TOKEN_INVALID' },
    });

    // A token the provider issued after the deletion: the person signed in again.
    const fresh = await idp.token({ sub }, { issuedAt: Math.floor(Date.now() / 1000) + 2 });
    const again = await t.http.get('/api/v1/users/me', { token: fresh });
    expect(again.status).toBe(200);
    expect(again.body.id).not.toBe(me.body.id);
    const rows = await t.db.query('SELECT id FROM users WHERE external_id = $1', [sub]);
    expect(rows.rows).toEqual([{ id: again.body.id }]);
  });

  it('refuses a suspended user, whatever the provider says', async () => {
    const token = await idp.token({ sub: subject() });
    const me = await t.http.get('/api/v1/users/me', { token });
    const suspended = await t.http.post(`/api/v1/admin/users/${me.body.id}/suspension`, {
      token: ADMIN_TOKEN,
      body: {},
    });
    expect(suspended.status).toBe(200);
    expectError(await t.http.get('/api/v1/users/me', { token }), 403, 'ACCOUNT_SUSPENDED');
  });
});
