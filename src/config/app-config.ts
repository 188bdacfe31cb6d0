export type NodeEnv = 'development' | 'production' | 'test';

export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

export interface AppConfig {
  env: NodeEnv;
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** How long a client may take to send a whole request, and its headers; 408 after that. */
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    /**
     * Which peers' X-Forwarded-For is believed: how many proxies stand in front of the app, or their
     * addresses and CIDR ranges; false believes none. The client is the first address, walking from
     * the right, that is not a trusted proxy.
     */
    trustProxy: false | number | string[];
    /** `true` reflects any origin; an empty list allows none. */
    corsOrigins: string[] | true;
    /** Where the built web app is (web/dist), served at /app/. */
    webAppDir: string;
  };
  database: {
    /** Null until the embedded server is started in development. */
    url: string | null;
    poolSize: number;
    runMigrations: boolean;
    embedded: { dir: string; port: number };
  };
  auth: {
    accessTokenSecret: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    /** The app's identity provider, whose access tokens are accepted too; null when not trusted. */
    external: ExternalIdentityProvider | null;
  };
  rateLimits: {
    loginPerIp: RateLimitRule | null;
    loginPerAccount: RateLimitRule | null;
    registerPerIp: RateLimitRule | null;
    socketEvents: RateLimitRule | null;
    socketEventsPerUser: RateLimitRule | null;
    messagesPerUser: RateLimitRule | null;
    messageChangesPerUser: RateLimitRule | null;
    reactionsPerUser: RateLimitRule | null;
    searchPerUser: RateLimitRule | null;
    /** Downloads of one's whole data (GET /users/me/export): each reads every message they sent. */
    exportsPerUser: RateLimitRule | null;
    friendRequestsPerUser: RateLimitRule | null;
    typing: RateLimitRule | null;
  };
  search: {
    /** The PostgreSQL text search configuration of the index and the queries (SEARCH_TEXT_CONFIG). */
    textConfig: string;
    /** A search running longer is cancelled and answered 400 QUERY_TOO_BROAD. */
    statementTimeoutMs: number;
  };
  attachments: {
    /** The largest upload, refused with 413 as soon as the stream passes it. */
    maxUploadBytes: number;
    /** What one user's stored uploads may add up to; null for no limit. */
    quotaBytesPerUser: number | null;
    /** The types an upload may be, as its bytes show them (the rest is 415). */
    allowedTypes: string[];
    /** Pictures with more pixels (every frame counted) are refused before decoding: 415. */
    maxImagePixels: number;
    /** How long an upload waits to be attached before it is purged. */
    uploadTtlSeconds: number;
    /** How long the files of a deleted message are kept (unreachable) before they are purged. */
    purgeGraceSeconds: number;
    /** How often each replica looks for files to purge; 0 never (another process does it). */
    cleanupIntervalSeconds: number;
    /** How long a signed link to a file works. */
    linkTtlSeconds: number;
    /** The key links are signed with: ATTACHMENT_LINK_SECRET, else one derived from JWT_ACCESS_SECRET. */
    linkSecret: Buffer;
    /** Where the bytes of uploads live; their metadata is always in PostgreSQL. */
    storage: 'postgres' | 's3';
    /** Any S3-compatible store (AWS S3, MinIO, Cloudflare R2, Ceph) when storage is 's3'. */
    s3: {
      bucket: string;
      region: string;
      /** Null for AWS itself; the store's URL otherwise. */
      endpoint: string | null;
      /** Bucket in the path rather than the host name: MinIO and most self-hosted stores need it. */
      forcePathStyle: boolean;
      /** Null: the AWS default credential chain (environment, profile, instance role). */
      credentials: { accessKeyId: string; secretAccessKey: string } | null;
    } | null;
  };
  realtime: {
    /** Where emits meet across replicas: in-process, PostgreSQL LISTEN/NOTIFY or Redis pub/sub. */
    adapter: 'memory' | 'postgres' | 'redis';
    redisUrl: string | null;
    /** Channel prefix on the backplane: deployments sharing one Redis keep apart by it. */
    channel: string;
    /** The largest event handled; a bigger one, up to maxPacketBytes, is refused in its ack. */
    maxEventBytes: number;
    /** The largest packet read at all; a bigger one closes that socket. */
    maxPacketBytes: number;
    maxInFlightPerSocket: number;
    /** Events of one user that query the database at once (over all their sockets here). */
    queriesPerUser: number;
    /** How long a user's last socket may be gone before friends hear they are offline. */
    presenceOfflineDelayMs: number;
    typingTimeoutMs: number;
    /** Buffered bytes past which a socket that does not read is dropped (it reconnects and syncs). */
    slowConsumerBytes: number;
  };
  /** The PostgreSQL job queue (pg-boss) behind webhooks and push. */
  /** What deleting an account does beyond the account itself. */
  accounts: {
    /** `tombstone`: the person's messages lose their bodies as their own deletes would; `keep`: they stay. */
    eraseMessages: 'tombstone' | 'keep';
    /** How long a deleted account's username stays taken, so nobody can pose as the person at once. */
    usernameGraceDays: number;
  };
  jobs: {
    /** Whether this replica takes jobs; they are written either way. */
    workers: boolean;
    /** How often expired jobs (their worker died) are found and retried, across replicas. */
    maintenanceIntervalSeconds: number;
  };
  /** The admin API (/api/v1/admin), off without a token. */
  admin: { token: string | null };
  webhooks: {
    /** How long a receiver has to answer one attempt. */
    timeoutMs: number;
    /** The waits between attempts after retryable failures; one more attempt than waits. */
    retryDelaysMs: number[];
    /** Deliveries given up on in a row that disable an endpoint. */
    disableAfterFailures: number;
    /** How long events and their finished deliveries are kept (for the admin list and replay). */
    retentionDays: number;
  };
  push: {
    /** Web Push's VAPID identity; null when push is off. */
    vapid: { publicKey: string; privateKey: string; subject: string } | null;
    /** How long a new message waits before it is pushed to those who have not seen it. */
    delayMs: number;
    /** False: the push names the chat and sender only, so no message text reaches the push service. */
    includeBody: boolean;
  };
  /**
   * Private, loopback and link-local addresses webhook and push requests may still reach (CIDR
   * ranges or addresses). Every other address of those kinds is refused.
   */
  outboundAllowedNetworks: string[];
  /** Prometheus metrics on a port of their own; null when switched off. */
  metrics: { port: number | null; host: string };
  log: { level: string };
  shutdownTimeoutMs: number;
}

/** An OIDC provider (Keycloak, Auth0, Cognito...) whose access tokens the chat accepts. */
export interface ExternalIdentityProvider {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Signing algorithms accepted (asymmetric only). */
  algorithms: string[];
  clockToleranceSeconds: number;
  /** The claim a user created on first use takes their username from. */
  usernameClaim: string;
  /** The least time between two fetches of the key set (a token with an unknown key refetches it). */
  jwksCooldownMs: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
