import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DEFAULT_UPLOAD_TYPES, UPLOAD_TYPES } from '../attachments/upload-type';
import {
  DEFAULT_SEARCH_TEXT_CONFIG,
  SEARCH_TEXT_CONFIG_NAME,
} from '../messages/search-text-config';
import { AppConfig, NodeEnv, RateLimitRule } from './app-config';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    /** The NODE_ENV understood, so the report can be worded for its reader. */
    readonly env: NodeEnv,
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadedConfig {
  config: AppConfig;
  warnings: string[];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_SECRET_LENGTH = 32;
const WEAK_SECRETS = /^(change.?me|secret|password|test|dev|development|example)/i;

/** Reads and validates every setting the app takes from the environment. */
export function loadConfig(env: Env): LoadedConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const read = new EnvReader(env, problems);

  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';

  const databaseUrl = read.postgresUrl('DATABASE_URL');
  if (production && !databaseUrl) {
    problems.push(
      'DATABASE_URL is required when NODE_ENV=production (postgres://user:pass@host/db)',
    );
  }

  const accessTokenSecret = accessTokenSecretOf(read, env, production, problems, warnings);
  const config: AppConfig = {
    env: nodeEnv,
    http: {
      host: read.string('HOST', '0.0.0.0'),
      port: read.integer('PORT', 3000, 0, 65535),
      bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 100 * 1024, 1024, 50 * 1024 * 1024),
      ...requestTimeouts(read),
      trustProxy: trustProxy(read),
      corsOrigins: read.origins('CORS_ORIGINS', production ? [] : true),
      webAppDir: resolve(read.string('WEB_APP_DIR', 'web/dist')),
    },
    database: {
      url: databaseUrl,
      poolSize: read.integer('DATABASE_POOL_SIZE', 10, 2, 200),
      runMigrations: read.boolean('DATABASE_MIGRATIONS_RUN', true),
      embedded: {
        dir: read.string('EMBEDDED_DATABASE_DIR', '.data/postgres'),
        port: read.integer('EMBEDDED_DATABASE_PORT', 54329, 1, 65535),
      },
    },
    auth: {
      accessTokenSecret,
      accessTokenTtlSeconds: read.integer('JWT_ACCESS_TTL_SECONDS', 900, 10, 24 * 3600),
      refreshTokenTtlSeconds: read.integer(
        'REFRESH_TOKEN_TTL_SECONDS',
        30 * 86400,
        60,
        365 * 86400,
      ),
      external: externalIdentityProvider(read, production),
    },
    rateLimits: {
      loginPerIp: read.rateLimit('RATE_LIMIT_LOGIN_PER_IP', '30/60'),
      loginPerAccount: read.rateLimit('RATE_LIMIT_LOGIN_PER_ACCOUNT', '10/300'),
      registerPerIp: read.rateLimit('RATE_LIMIT_REGISTER_PER_IP', '20/3600'),
      socketEvents: read.rateLimit('RATE_LIMIT_SOCKET_EVENTS', '200/10'),
      socketEventsPerUser: read.rateLimit('RATE_LIMIT_SOCKET_EVENTS_PER_USER', '400/10'),
      messagesPerUser: read.rateLimit('RATE_LIMIT_MESSAGES_PER_USER', '100/10'),
      messageChangesPerUser: read.rateLimit('RATE_LIMIT_MESSAGE_CHANGES_PER_USER', '30/10'),
      reactionsPerUser: read.rateLimit('RATE_LIMIT_REACTIONS_PER_USER', '60/10'),
      searchPerUser: read.rateLimit('RATE_LIMIT_SEARCH_PER_USER', '30/60'),
      exportsPerUser: read.rateLimit('RATE_LIMIT_EXPORTS_PER_USER', '5/3600'),
      friendRequestsPerUser: read.rateLimit('RATE_LIMIT_FRIEND_REQUESTS_PER_USER', '20/600'),
      typing: read.rateLimit('RATE_LIMIT_TYPING', '20/10'),
    },
    realtime: realtimeConfig(read),
    search: {
      textConfig: read.pattern(
        'SEARCH_TEXT_CONFIG',
        DEFAULT_SEARCH_TEXT_CONFIG,
        SEARCH_TEXT_CONFIG_NAME,
        'the name of a PostgreSQL text search configuration (simple, english, german, ...)',
      ),
      statementTimeoutMs: read.integer('SEARCH_STATEMENT_TIMEOUT_MS', 2000, 50, 60_000),
    },
    attachments: attachmentsConfig(read, accessTokenSecret),
    accounts: {
      eraseMessages: read.oneOf('ACCOUNT_ERASE_MESSAGES', ERASE_MODES, 'tombstone'),
      usernameGraceDays: read.integer('ACCOUNT_USERNAME_GRACE_DAYS', 30, 0, 3650),
    },
    jobs: {
      workers: read.boolean('JOB_WORKERS', true),
      maintenanceIntervalSeconds: read.integer('JOB_MAINTENANCE_INTERVAL_SECONDS', 30, 1, 3600),
    },
    admin: { token: adminToken(read, production, warnings) },
    webhooks: {
      timeoutMs: read.integer('WEBHOOK_TIMEOUT_MS', 10_000, 500, 60_000),
      retryDelaysMs: read.durations('WEBHOOK_RETRY_DELAYS', DEFAULT_WEBHOOK_RETRY_DELAYS),
      disableAfterFailures: read.integer('WEBHOOK_DISABLE_AFTER_FAILURES', 10, 1, 10_000),
      retentionDays: read.integer('WEBHOOK_RETENTION_DAYS', 7, 1, 365),
    },
    push: pushConfig(read),
    outboundAllowedNetworks: outboundAllowedNetworks(read),
    metrics: {
      port:
        read.raw('METRICS_PORT') === 'off' ? null : read.integer('METRICS_PORT', 9464, 0, 65535),
      host: read.string('METRICS_HOST', '0.0.0.0'),
    },
    log: { level: read.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info') },
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 120_000),
  };

  if (problems.length > 0) throw new ConfigError(problems, nodeEnv);
  return { config, warnings };
}

const MIB = 1024 * 1024;

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Asymmetric algorithms only: a shared secret (HS*) or none is never trusted from outside. */
const EXTERNAL_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

function externalIdentityProvider(
  read: EnvReader,
  production: boolean,
): AppConfig['auth']['external'] {
  const jwksUrl = read.url('AUTH_JWKS_URL', production ? ['https:'] : ['https:', 'http:']);
  if (jwksUrl === null) return null;
  const issuer = read.string('AUTH_ISSUER', '');
  const audience = read.string('AUTH_AUDIENCE', '');
  if (!issuer || !audience) {
    read.problem(
      "AUTH_JWKS_URL needs AUTH_ISSUER (the iss of the provider's tokens) and AUTH_AUDIENCE (their aud for this API)",
    );
  }
  const algorithms = splitList(read.string('AUTH_ALGORITHMS', 'RS256,ES256'));
  const refused = algorithms.filter((algorithm) => !EXTERNAL_ALGORITHMS.includes(algorithm));
  if (algorithms.length === 0 || refused.length > 0) {
    read.problem(
      `AUTH_ALGORITHMS must list some of ${EXTERNAL_ALGORITHMS.join(', ')}${refused.length ? ` (not ${refused.join(', ')})` : ''}`,
    );
  }
  return {
    jwksUrl,
    issuer,
    audience,
    algorithms,
    clockToleranceSeconds: read.integer('AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    usernameClaim: read.string('AUTH_USERNAME_CLAIM', 'preferred_username'),
    jwksCooldownMs: read.integer('AUTH_JWKS_COOLDOWN_MS', 30_000, 0, 600_000),
  };
}

/** About a day of retries: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h. */
const ERASE_MODES = ['tombstone', 'keep'] as const;
const DEFAULT_WEBHOOK_RETRY_DELAYS = '5,30,120,600,1800,3600,7200,14400,28800,28800';

function adminToken(read: EnvReader, production: boolean, warnings: string[]): string | null {
  const token = read.raw('ADMIN_API_TOKEN');
  if (token === undefined || token === '') return null;
  const weak = token.length < MIN_SECRET_LENGTH || WEAK_SECRETS.test(token);
  if (weak && production) {
    read.problem(
      `ADMIN_API_TOKEN is too weak: use at least ${MIN_SECRET_LENGTH} random characters (e.g. openssl rand -base64 48), or leave it unset to keep the admin API off`,
    );
  } else if (weak) {
    warnings.push('ADMIN_API_TOKEN is weak; it would be refused with NODE_ENV=production');
  }
  return token;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function pushConfig(read: EnvReader): AppConfig['push'] {
  const publicKey = read.raw('VAPID_PUBLIC_KEY');
  const privateKey = read.raw('VAPID_PRIVATE_KEY');
  const subject = read.raw('VAPID_SUBJECT');
  const rules = {
    delayMs: read.integer('PUSH_DELAY_MS', 3000, 0, 600_000),
    includeBody: read.boolean('PUSH_INCLUDE_BODY', true),
  };
  if (publicKey === undefined && privateKey === undefined && subject === undefined) {
    return { ...rules, vapid: null };
  }
  if (!publicKey || !privateKey || !subject) {
    read.problem(
      'Web Push needs VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT together (npx web-push generate-vapid-keys), or none of them to keep push off',
    );
    return { ...rules, vapid: null };
  }
  if (!BASE64URL.test(publicKey) || Buffer.from(publicKey, 'base64url').length !== 65) {
    read.problem('VAPID_PUBLIC_KEY must be a P-256 public key in URL-safe base64 (65 bytes)');
  }
  if (!BASE64URL.test(privateKey) || Buffer.from(privateKey, 'base64url').length !== 32) {
    read.problem('VAPID_PRIVATE_KEY must be a P-256 private key in URL-safe base64 (32 bytes)');
  }
  if (!/^(mailto:|https:\/\/)/.test(subject)) {
    read.problem(
      'VAPID_SUBJECT must be a mailto: or https:// URL where push services can reach you',
    );
  }
  return { ...rules, vapid: { publicKey, privateKey, subject } };
}

function outboundAllowedNetworks(read: EnvReader): string[] {
  const entries = (read.raw('OUTBOUND_ALLOWED_NETWORKS') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (!isAddressOrCidr(entry)) {
      read.problem(
        `OUTBOUND_ALLOWED_NETWORKS must list addresses or CIDR ranges like 10.0.0.0/8,127.0.0.1 (got "${entry}")`,
      );
    }
  }
  return entries;
}

function attachmentsConfig(read: EnvReader, accessTokenSecret: string): AppConfig['attachments'] {
  const rules = {
    maxUploadBytes: read.integer('UPLOAD_MAX_BYTES', 25 * MIB, 1024, 5 * 1024 * MIB),
    quotaBytesPerUser:
      read.raw('UPLOAD_QUOTA_BYTES') === 'off'
        ? null
        : read.integer('UPLOAD_QUOTA_BYTES', 1024 * MIB, 1024, Number.MAX_SAFE_INTEGER),
    allowedTypes: uploadTypes(read),
    maxImagePixels: read.integer('UPLOAD_MAX_IMAGE_PIXELS', 50_000_000, 1_000_000, 268_402_689),
    uploadTtlSeconds: read.integer('UPLOAD_EXPIRY_SECONDS', 86_400, 60, 30 * 86_400),
    purgeGraceSeconds: read.integer('ATTACHMENT_PURGE_GRACE_SECONDS', 86_400, 0, 365 * 86_400),
    cleanupIntervalSeconds: read.integer('ATTACHMENT_CLEANUP_INTERVAL_SECONDS', 600, 0, 86_400),
    linkTtlSeconds: read.integer('ATTACHMENT_LINK_TTL_SECONDS', 3600, 60, 7 * 86_400),
    linkSecret: linkSecret(read, accessTokenSecret),
  };
  const storage = read.oneOf('ATTACHMENT_STORAGE', ['postgres', 's3'] as const, 'postgres');
  if (storage === 'postgres') return { ...rules, storage, s3: null };
  const bucket = read.string('S3_BUCKET', '');
  if (!bucket) read.problem('ATTACHMENT_STORAGE=s3 needs S3_BUCKET (the bucket to store files in)');
  const accessKeyId = read.raw('S3_ACCESS_KEY_ID') ?? null;
  const secretAccessKey = read.raw('S3_SECRET_ACCESS_KEY') ?? null;
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    read.problem(
      'Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (the AWS default credential chain)',
    );
  }
  return {
    ...rules,
    storage,
    s3: {
      bucket,
      region: read.string('S3_REGION', 'us-east-1'),
      endpoint: read.url('S3_ENDPOINT', ['http:', 'https:']),
      forcePathStyle: read.boolean('S3_FORCE_PATH_STYLE', false),
      credentials:
        accessKeyId !== null && secretAccessKey !== null ? { accessKeyId, secretAccessKey } : null,
    },
  };
}

/** A comma-separated list among UPLOAD_TYPES; every one of them when unset. */
function uploadTypes(read: EnvReader): string[] {
  const value = read.raw('UPLOAD_TYPES');
  if (value === undefined) return DEFAULT_UPLOAD_TYPES;
  const types = value
    .split(',')
    .map((type) => type.trim().toLowerCase())
    .filter(Boolean);
  const unknown = types.filter((type) => !UPLOAD_TYPES.includes(type));
  if (types.length === 0 || unknown.length > 0) {
    read.problem(
      `UPLOAD_TYPES must list some of ${UPLOAD_TYPES.join(', ')}${unknown.length ? ` (not ${unknown.join(', ')})` : ''}`,
    );
  }
  return types;
}

/** Links stay valid across restarts and replicas as long as the secret they derive from does. */
function linkSecret(read: EnvReader, accessTokenSecret: string): Buffer {
  const own = read.string('ATTACHMENT_LINK_SECRET', '');
  if (own && own.length < MIN_SECRET_LENGTH) {
    read.problem(`ATTACHMENT_LINK_SECRET must have at least ${MIN_SECRET_LENGTH} characters`);
  }
  return createHmac('sha256', own || accessTokenSecret)
    .update('attachment links')
    .digest();
}

function realtimeConfig(read: EnvReader): AppConfig['realtime'] {
  const redisUrl = read.url('REDIS_URL', ['redis:', 'rediss:']);
  const chosen = read.oneOf('SOCKET_ADAPTER', ['auto', 'memory', 'postgres', 'redis'], 'auto');
  const adapter = chosen === 'auto' ? (redisUrl ? 'redis' : 'memory') : chosen;
  if (adapter === 'redis' && !redisUrl)
    read.problem('SOCKET_ADAPTER=redis needs REDIS_URL (redis://host:6379)');
  return {
    adapter,
    redisUrl,
    channel: read.string('SOCKET_ADAPTER_CHANNEL', 'chat-backend'),
    maxEventBytes: read.integer('SOCKET_MAX_PAYLOAD_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    maxPacketBytes: read.integer('SOCKET_MAX_PACKET_BYTES', 1024 * 1024, 1024, 10 * 1024 * 1024),
    maxInFlightPerSocket: read.integer('SOCKET_MAX_IN_FLIGHT', 32, 1, 10_000),
    queriesPerUser: read.integer('SOCKET_QUERIES_PER_USER', 4, 1, 100),
    presenceOfflineDelayMs: read.integer('PRESENCE_OFFLINE_DELAY_MS', 2000, 0, 60_000),
    typingTimeoutMs: read.integer('TYPING_TIMEOUT_MS', 5000, 100, 60_000),
    slowConsumerBytes: read.integer(
      'SOCKET_SLOW_CONSUMER_BYTES',
      4 * 1024 * 1024,
      64 * 1024,
      1024 * 1024 * 1024,
    ),
  };
}

function requestTimeouts(
  read: EnvReader,
): Pick<AppConfig['http'], 'requestTimeoutMs' | 'headersTimeoutMs'> {
  const requestTimeoutMs = read.integer('HTTP_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000);
  const headersTimeoutMs = read.integer(
    'HTTP_HEADERS_TIMEOUT_MS',
    Math.min(10_000, requestTimeoutMs),
    1000,
    600_000,
  );
  if (headersTimeoutMs > requestTimeoutMs) {
    read.problem(
      `HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS (got ${headersTimeoutMs} and ${requestTimeoutMs}): the headers are part of the request`,
    );
  }
  return { requestTimeoutMs, headersTimeoutMs };
}

const MAX_PROXY_HOPS = 16;
/** proxy-addr's names for well-known ranges, which Fastify also accepts. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function trustProxy(read: EnvReader): AppConfig['http']['trustProxy'] {
  const value = read.raw('TRUST_PROXY')?.toLowerCase();
  if (value === undefined || ['false', 'no', '0'].includes(value)) return false;
  if (['true', 'yes'].includes(value)) {
    read.problem(
      `TRUST_PROXY=${value} would believe every X-Forwarded-For entry, so a client could pick its ` +
        'own address and escape per-IP rate limits. Set the number of proxies in front of the app ' +
        '(1 behind one ingress or load balancer), or their addresses or CIDR ranges comma-separated ' +
        '(10.0.0.0/8,fd00::/8), or false',
    );
    return false;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops <= MAX_PROXY_HOPS) return hops;
    read.problem(`TRUST_PROXY as a hop count must be from 0 to ${MAX_PROXY_HOPS} (got "${value}")`);
    return false;
  }
  const proxies = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const proxy of proxies) {
    if (!NAMED_RANGES.includes(proxy) && !isAddressOrCidr(proxy)) {
      read.problem(
        `TRUST_PROXY must be false, a hop count, or comma-separated proxy addresses or CIDR ranges like 10.0.0.0/8 (got "${proxy}")`,
      );
    }
  }
  return proxies.length > 0 ? proxies : false;
}

function isAddressOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

function accessTokenSecretOf(
  read: EnvReader,
  env: Env,
  production: boolean,
  problems: string[],
  warnings: string[],
): string {
  const secret = read.string('JWT_ACCESS_SECRET', '');
  if (secret) {
    const weak = secret.length < MIN_SECRET_LENGTH || WEAK_SECRETS.test(secret);
    if (weak && production) {
      problems.push(
        `JWT_ACCESS_SECRET is too weak: use at least ${MIN_SECRET_LENGTH} random characters (e.g. openssl rand -base64 48)`,
      );
    } else if (weak) {
      warnings.push('JWT_ACCESS_SECRET is weak; it would be refused with NODE_ENV=production');
    }
    return secret;
  }
  if (production) {
    problems.push('JWT_ACCESS_SECRET is required when NODE_ENV=production');
    return '';
  }
  if (env.NODE_ENV !== 'test') {
    warnings.push(
      'JWT_ACCESS_SECRET is not set: using a random secret for this run, so tokens stop working on restart',
    );
  }
  return randomBytes(48).toString('base64url');
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  string(name: string, fallback: string): string {
    const value = this.raw(name);
    return value ?? fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  oneOf(name: string, allowed: readonly string[], fallback: string): string;
  oneOf(name: string, allowed: readonly string[], fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (allowed.includes(value)) return value;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  }

  pattern(name: string, fallback: string, pattern: RegExp, what: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (pattern.test(value)) return value;
    this.problems.push(`${name} must be ${what} (got "${value}")`);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${value}")`);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  postgresUrl(name: string): string | null {
    return this.url(name, ['postgres:', 'postgresql:']);
  }

  url(name: string, protocols: string[]): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    try {
      if (protocols.includes(new URL(value).protocol)) return value;
    } catch {
      // reported below
    }
    this.problems.push(`${name} must be a ${protocols[0]}// URL`);
    return null;
  }

  /** A comma-separated list of waits in seconds (decimals allowed), as milliseconds. */
  durations(name: string, fallback: string): number[] {
    const value = this.raw(name) ?? fallback;
    const parts = value.split(',').map((part) => part.trim());
    if (parts.length <= 50 && parts.every((part) => /^\d{1,6}(\.\d{1,3})?$/.test(part))) {
      return parts.map((part) => Math.round(Number(part) * 1000));
    }
    this.problems.push(
      `${name} must be up to 50 comma-separated waits in seconds, such as 5,30,120 (got "${value}")`,
    );
    return [];
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  origins(name: string, fallback: string[] | true): string[] | true {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (value === '*') return true;
    const origins = value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
    for (const origin of origins) {
      if (!isOrigin(origin)) {
        this.problems.push(
          `${name} must be * or a comma-separated list of origins like https://app.example.com (got "${origin}")`,
        );
      }
    }
    return origins;
  }

  rateLimit(name: string, fallback: string): RateLimitRule | null {
    const value = this.raw(name) ?? fallback;
    if (value === 'off') return null;
    const match = /^(\d{1,9})\/(\d{1,9})$/.exec(value);
    if (match && Number(match[1]) > 0 && Number(match[2]) > 0) {
      return { points: Number(match[1]), durationSeconds: Number(match[2]) };
    }
    this.problems.push(
      `${name} must be "<requests>/<seconds>" such as 10/60, or "off" (got "${value}")`,
    );
    return null;
  }

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
