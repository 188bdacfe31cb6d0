import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig, RateLimitRule } from '../../config/app-config';
import { RateLimitedError } from '../errors/common-error';
import { RATE_LIMIT_REDIS, RateLimitRedis } from './rate-limit-store';

/**
 * Named fixed-window limits.
 *
 * Shared limits (per user, per IP, per account) count in Redis when REDIS_URL is set, so they hold
 * across replicas; if Redis is unreachable they fall back to this process's counters rather than
 * refusing or stalling requests. Without Redis each replica counts on its own. Local limits (per
 * socket) always count here: a socket lives on one replica.
 */
@Injectable()
export class RateLimiterService implements OnApplicationShutdown {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RATE_LIMIT_REDIS) private readonly redis: RateLimitRedis,
  ) {}

  /** Counts one request against `key` on every replica; throws RateLimitedError when used up. */
  consume(name: string, rule: RateLimitRule | null, key: string): Promise<void> {
    return rule ? this.take(this.shared(name, rule), key) : Promise.resolve();
  }

  /** Like consume, counted in this process only: for keys that live on one replica (a socket). */
  consumeLocal(name: string, rule: RateLimitRule | null, key: string): Promise<void> {
    return rule ? this.take(this.local(name, rule), key) : Promise.resolve();
  }

  /** Throws RateLimitedError when `key` has no requests left, without counting one. */
  async assertAvailable(name: string, rule: RateLimitRule | null, key: string): Promise<void> {
    if (!rule) return;
    const state = await this.shared(name, rule).get(key);
    if (state && state.remainingPoints <= 0) throw toRateLimited(state);
  }

  /** Forgets what `key` has used, e.g. the failed logins of an account once its owner logs in. */
  async reset(name: string, rule: RateLimitRule | null, key: string): Promise<void> {
    if (rule) await this.shared(name, rule).delete(key);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close().catch(() => undefined);
  }

  private async take(limiter: RateLimiterAbstract, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (error) {
      throw toRateLimited(error);
    }
  }

  private local(name: string, rule: RateLimitRule): RateLimiterAbstract {
    return this.limiter(`local:${name}`, () => memoryLimiter(name, rule));
  }

  private shared(name: string, rule: RateLimitRule): RateLimiterAbstract {
    const redis = this.redis;
    if (!redis) return this.local(name, rule);
    return this.limiter(
      `shared:${name}`,
      () =>
        new RateLimiterRedis({
          storeClient: redis,
          useRedisPackage: true,
          rejectIfRedisNotReady: true,
          keyPrefix: `${this.config.realtime.channel}:rate-limit:${name}`,
          points: rule.points,
          duration: rule.durationSeconds,
          insuranceLimiter: memoryLimiter(name, rule),
        }),
    );
  }

  private limiter(id: string, create: () => RateLimiterAbstract): RateLimiterAbstract {
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = create();
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

function memoryLimiter(name: string, rule: RateLimitRule): RateLimiterMemory {
  return new RateLimiterMemory({
    keyPrefix: name,
    points: rule.points,
    duration: rule.durationSeconds,
  });
}

function toRateLimited(error: unknown): Error {
  if (error instanceof RateLimiterRes) {
    return new RateLimitedError(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
  }
  return error as Error;
}
