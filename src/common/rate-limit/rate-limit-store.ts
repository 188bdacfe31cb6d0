import { Logger, Provider } from '@nestjs/common';
import { createClient, RedisClientType } from 'redis';
import { APP_CONFIG, AppConfig } from '../../config/app-config';

/** The Redis connection shared limits count in, or null when counters stay in this process. */
export const RATE_LIMIT_REDIS = Symbol('RATE_LIMIT_REDIS');

export type RateLimitRedis = RedisClientType | null;

const logger = new Logger('RateLimitStore');

export const rateLimitRedisProvider: Provider = {
  provide: RATE_LIMIT_REDIS,
  inject: [APP_CONFIG],
  useFactory: async (config: AppConfig): Promise<RateLimitRedis> => {
    const url = config.realtime.redisUrl;
    if (!url) return null;
    // Without the offline queue a command fails at once while Redis is away, so a limit check falls
    // back to this process's counters instead of holding the request.
    const client: RedisClientType = createClient({ url, disableOfflineQueue: true });
    client.on('error', (error: Error) => logger.warn({ err: error }, 'Redis (rate limits) error'));
    await client.connect();
    return client;
  },
};
