import { UPLOAD_TYPES } from '../attachments/upload-type';
import { ConfigError, loadConfig } from './load-config';

const STRONG_SECRET = 'Zq8mN3vR7tY1wE5uI9oP2aS6dF4gH0jK8lZ3xC7vB1nM5';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working development defaults', () => {
    const { config, warnings } = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBeNull();
    expect(config.database.runMigrations).toBe(true);
    expect(config.http.corsOrigins).toBe(true);
    expect(config.auth.accessTokenSecret.length).toBeGreaterThanOrEqual(32);
    expect(warnings.join()).toContain('JWT_ACCESS_SECRET is not set');
  });

  it('mints a different development secret on each start', () => {
    expect(loadConfig({}).config.auth.accessTokenSecret).not.toBe(
      loadConfig({}).config.auth.accessTokenSecret,
    );
  });

  it('requires DATABASE_URL and a strong secret in production, naming each variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([
      expect.stringContaining('DATABASE_URL is required'),
      expect.stringContaining('JWT_ACCESS_SECRET is required'),
    ]);
  });

  it.each(['changeme-changeme-changeme-changeme-x', 'short'])(
    'refuses the weak production secret %s',
    (secret) => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://u:p@db/chat',
        JWT_ACCESS_SECRET: secret,
      });
      expect(problems).toEqual([expect.stringContaining('JWT_ACCESS_SECRET is too weak')]);
    },
  );

  it('accepts a complete production configuration without warnings', () => {
    const { config, warnings } = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db:5432/chat',
      JWT_ACCESS_SECRET: STRONG_SECRET,
      CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
    });
    expect(warnings).toEqual([]);
    expect(config.http.corsOrigins).toEqual([
      'https://app.example.com',
      'https://admin.example.com',
    ]);
    expect(config.auth.accessTokenSecret).toBe(STRONG_SECRET);
  });

  it('closes CORS by default in production', () => {
    const { config } = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db/chat',
      JWT_ACCESS_SECRET: STRONG_SECRET,
    });
    expect(config.http.corsOrigins).toEqual([]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer from 0 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be an integer'],
    [{ PORT: '1e3' }, 'PORT must be an integer'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of development, production, test'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres:// URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL must be a postgres:// URL'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY must be false, a hop count, or comma-separated'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'CIDR ranges like 10.0.0.0/8 (got "10.0.0.0/33")'],
    [{ TRUST_PROXY: '10.0.0.1, 10.0.0.300' }, '(got "10.0.0.300")'],
    [{ TRUST_PROXY: '17' }, 'TRUST_PROXY as a hop count must be from 0 to 16'],
    [{ HTTP_REQUEST_TIMEOUT_MS: '500' }, 'HTTP_REQUEST_TIMEOUT_MS must be an integer from 1000'],
    [{ HTTP_HEADERS_TIMEOUT_MS: '10s' }, 'HTTP_HEADERS_TIMEOUT_MS must be an integer'],
    [
      { HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' },
      'HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS (got 6000 and 5000)',
    ],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [
      { CORS_ORIGINS: 'example.com' },
      'CORS_ORIGINS must be * or a comma-separated list of origins',
    ],
    [{ CORS_ORIGINS: 'https://example.com/path' }, 'CORS_ORIGINS must be'],
    [{ RATE_LIMIT_LOGIN_PER_IP: '10' }, 'RATE_LIMIT_LOGIN_PER_IP must be "<requests>/<seconds>"'],
    [{ RATE_LIMIT_LOGIN_PER_IP: '0/60' }, 'RATE_LIMIT_LOGIN_PER_IP must be'],
    [{ JWT_ACCESS_TTL_SECONDS: '5' }, 'JWT_ACCESS_TTL_SECONDS must be an integer from 10'],
    [{ DATABASE_POOL_SIZE: '1' }, 'DATABASE_POOL_SIZE must be an integer from 2'],
  ])('reports %j clearly', (env, message) => {
    expect(problemsOf(env)).toEqual([expect.stringContaining(message)]);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'y', TRUST_PROXY: 'z' })).toHaveLength(3);
  });

  it.each(['true', 'TRUE', 'yes'])(
    'refuses TRUST_PROXY=%s, which would let clients choose their address, naming the options',
    (value) => {
      expect(problemsOf({ TRUST_PROXY: value })).toEqual([
        expect.stringMatching(/escape per-IP rate limits.*number of proxies.*CIDR ranges/),
      ]);
    },
  );

  it.each([
    [undefined, false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.7,fd00::/8', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('reads TRUST_PROXY=%s as %j', (value, trustProxy) => {
    expect(loadConfig({ TRUST_PROXY: value }).config.http.trustProxy).toEqual(trustProxy);
  });

  it.each([
    [{}, 30_000, 10_000],
    [{ HTTP_REQUEST_TIMEOUT_MS: '5000' }, 5000, 5000],
    [{ HTTP_REQUEST_TIMEOUT_MS: '60000', HTTP_HEADERS_TIMEOUT_MS: '15000' }, 60_000, 15_000],
  ])('times requests out per %j', (env, requestTimeoutMs, headersTimeoutMs) => {
    expect(loadConfig(env).config.http).toMatchObject({ requestTimeoutMs, headersTimeoutMs });
  });

  it('parses rate limits and lets them be switched off', () => {
    const { config } = loadConfig({
      RATE_LIMIT_LOGIN_PER_IP: '5/60',
      RATE_LIMIT_REGISTER_PER_IP: 'off',
    });
    expect(config.rateLimits.loginPerIp).toEqual({ points: 5, durationSeconds: 60 });
    expect(config.rateLimits.registerPerIp).toBeNull();
  });

  it('searches with the simple configuration and a 2 s timeout unless told otherwise', () => {
    expect(loadConfig({}).config.search).toEqual({
      textConfig: 'simple',
      statementTimeoutMs: 2000,
    });
    expect(loadConfig({}).config.rateLimits.searchPerUser).toEqual({
      points: 30,
      durationSeconds: 60,
    });
    const { config } = loadConfig({
      SEARCH_TEXT_CONFIG: 'english',
      SEARCH_STATEMENT_TIMEOUT_MS: '500',
    });
    expect(config.search).toEqual({ textConfig: 'english', statementTimeoutMs: 500 });
  });

  it.each([
    ['SEARCH_TEXT_CONFIG', "english'; drop table messages; --"],
    ['SEARCH_TEXT_CONFIG', 'English'],
    ['SEARCH_STATEMENT_TIMEOUT_MS', '10'],
    ['SEARCH_STATEMENT_TIMEOUT_MS', 'soon'],
  ])('names %s when it is %j', (name, value) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringContaining(name)]);
  });

  it('stores attachments in PostgreSQL unless told otherwise, with the documented upload rules', () => {
    const { attachments } = loadConfig({}).config;
    expect(attachments).toMatchObject({
      storage: 'postgres',
      s3: null,
      maxUploadBytes: 25 * 1024 * 1024,
      quotaBytesPerUser: 1024 * 1024 * 1024,
      allowedTypes: UPLOAD_TYPES,
      maxImagePixels: 50_000_000,
      uploadTtlSeconds: 86_400,
      purgeGraceSeconds: 86_400,
      cleanupIntervalSeconds: 600,
      linkTtlSeconds: 3600,
    });
  });

  it('reads the upload rules', () => {
    const { attachments } = loadConfig({
      UPLOAD_QUOTA_BYTES: 'off',
      UPLOAD_TYPES: ' image/png, application/PDF ',
    }).config;
    expect(attachments.quotaBytesPerUser).toBeNull();
    expect(attachments.allowedTypes).toEqual(['image/png', 'application/pdf']);
  });

  it('derives the link key from the JWT secret unless given its own, and keeps it apart', () => {
    const jwt = 'j'.repeat(40);
    const derived = loadConfig({ JWT_ACCESS_SECRET: jwt }).config.attachments.linkSecret;
    expect(loadConfig({ JWT_ACCESS_SECRET: jwt }).config.attachments.linkSecret).toEqual(derived);
    expect(derived.toString('latin1')).not.toContain(jwt);
    const own = loadConfig({ JWT_ACCESS_SECRET: jwt, ATTACHMENT_LINK_SECRET: 'l'.repeat(32) });
    expect(own.config.attachments.linkSecret).not.toEqual(derived);
  });

  it('reads an S3-compatible store', () => {
    const { config } = loadConfig({
      ATTACHMENT_STORAGE: 's3',
      S3_BUCKET: 'chat-files',
      S3_ENDPOINT: 'http://minio:9000',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'key',
    });
    expect(config.attachments.s3).toEqual({
      bucket: 'chat-files',
      region: 'us-east-1',
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'id', secretAccessKey: 'key' },
    });
  });

  it.each([
    [{ ATTACHMENT_STORAGE: 'disk' }, 'ATTACHMENT_STORAGE must be one of postgres, s3'],
    [{ ATTACHMENT_STORAGE: 's3' }, 'ATTACHMENT_STORAGE=s3 needs S3_BUCKET'],
    [
      { ATTACHMENT_STORAGE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id' },
      'Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither',
    ],
    [{ ATTACHMENT_STORAGE: 's3', S3_BUCKET: 'b', S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT'],
    [{ UPLOAD_TYPES: 'image/png,text/html' }, 'UPLOAD_TYPES must list some of image/png'],
    [{ UPLOAD_TYPES: ' , ' }, 'UPLOAD_TYPES must list some of'],
    [{ UPLOAD_MAX_BYTES: '10' }, 'UPLOAD_MAX_BYTES'],
    [
      { ATTACHMENT_LINK_SECRET: 'short' },
      'ATTACHMENT_LINK_SECRET must have at least 32 characters',
    ],
  ])('refuses %j', (env, problem) => {
    expect(() => loadConfig(env)).toThrow(problem);
  });

  it('keeps the admin API and push off, and webhooks retrying for about a day, unless told otherwise', () => {
    const { config } = loadConfig({});
    expect(config.admin.token).toBeNull();
    expect(config.push).toEqual({ vapid: null, delayMs: 3000, includeBody: true });
    expect(config.outboundAllowedNetworks).toEqual([]);
    const waits = config.webhooks.retryDelaysMs;
    const total = waits.reduce((sum, wait) => sum + wait, 0) / 3_600_000;
    expect(total).toBeGreaterThan(20);
    expect(total).toBeLessThan(26);
  });

  it('reads the webhook, push and outbound settings', () => {
    const vapid = {
      VAPID_PUBLIC_KEY: Buffer.alloc(65, 4).toString('base64url'),
      VAPID_PRIVATE_KEY: Buffer.alloc(32, 1).toString('base64url'),
      VAPID_SUBJECT: 'mailto:ops@example.com',
    };
    const { config } = loadConfig({
      ...vapid,
      ADMIN_API_TOKEN: STRONG_SECRET,
      WEBHOOK_RETRY_DELAYS: '0.5, 2,60',
      PUSH_INCLUDE_BODY: 'false',
      OUTBOUND_ALLOWED_NETWORKS: '10.0.0.0/8, 127.0.0.1',
    });
    expect(config.admin.token).toBe(STRONG_SECRET);
    expect(config.webhooks.retryDelaysMs).toEqual([500, 2000, 60_000]);
    expect(config.push).toMatchObject({
      includeBody: false,
      vapid: {
        publicKey: vapid.VAPID_PUBLIC_KEY,
        privateKey: vapid.VAPID_PRIVATE_KEY,
        subject: 'mailto:ops@example.com',
      },
    });
    expect(config.outboundAllowedNetworks).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it.each([
    [
      { VAPID_PUBLIC_KEY: 'abc' },
      'needs VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT together',
    ],
    [
      { VAPID_PUBLIC_KEY: 'abc', VAPID_PRIVATE_KEY: 'def', VAPID_SUBJECT: 'ops@example.com' },
      'VAPID_SUBJECT must be a mailto: or https:// URL',
    ],
    [
      { VAPID_PUBLIC_KEY: 'abc', VAPID_PRIVATE_KEY: 'def', VAPID_SUBJECT: 'mailto:a@b.c' },
      'VAPID_PUBLIC_KEY must be a P-256 public key',
    ],
    [
      { WEBHOOK_RETRY_DELAYS: '5,soon' },
      'WEBHOOK_RETRY_DELAYS must be up to 50 comma-separated waits',
    ],
    [
      { OUTBOUND_ALLOWED_NETWORKS: 'intranet' },
      'OUTBOUND_ALLOWED_NETWORKS must list addresses or CIDR',
    ],
    [{ NODE_ENV: 'production', ADMIN_API_TOKEN: 'changeme' }, 'ADMIN_API_TOKEN is too weak'],
  ])('refuses %j', (env, problem) => {
    expect(problemsOf(env).join('\n')).toContain(problem);
  });

  it('trusts no identity provider unless told, and then one with its issuer and audience', () => {
    expect(loadConfig({}).config.auth.external).toBeNull();
    const { config } = loadConfig({
      AUTH_JWKS_URL: 'https://idp.example.com/certs',
      AUTH_ISSUER: 'https://idp.example.com',
      AUTH_AUDIENCE: 'chat',
    });
    expect(config.auth.external).toEqual({
      jwksUrl: 'https://idp.example.com/certs',
      issuer: 'https://idp.example.com',
      audience: 'chat',
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
      usernameClaim: 'preferred_username',
      jwksCooldownMs: 30_000,
    });
  });

  it.each([
    [{ AUTH_JWKS_URL: 'https://idp.example.com/certs' }, 'needs AUTH_ISSUER'],
    [
      {
        AUTH_JWKS_URL: 'https://i/c',
        AUTH_ISSUER: 'i',
        AUTH_AUDIENCE: 'a',
        AUTH_ALGORITHMS: 'HS256',
      },
      'AUTH_ALGORITHMS must list some of',
    ],
    [
      {
        NODE_ENV: 'production',
        AUTH_JWKS_URL: 'http://idp/certs',
        AUTH_ISSUER: 'i',
        AUTH_AUDIENCE: 'a',
      },
      'AUTH_JWKS_URL must be a https:// URL',
    ],
  ])('refuses the identity provider settings %j', (env, problem) => {
    expect(problemsOf(env).join('\n')).toContain(problem);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ' }).config.http.port).toBe(3000);
  });
});
