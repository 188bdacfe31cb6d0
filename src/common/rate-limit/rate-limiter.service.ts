import { Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitRule } from '../../config/app-config';
import { RateLimitedError } from '../errors/common-error';

/**
 * Named fixed-window limits. Counters live in this process, so with several replicas each one
 * counts on its own.
 */
@Injectable()
export class RateLimiterService {
  private readonly limiters = new Map<string, RateLimiterMemory>();

  /** Counts one request against `key`; throws RateLimitedError when the window is used up. */
  async consume(name: string, rule: RateLimitRule | null, key: string): Promise<void> {
    if (!rule) return;
    try {
      await this.limiter(name, rule).consume(key);
    } catch (error) {
      throw toRateLimited(error);
    }
  }

  /** Throws RateLimitedError when `key` has no requests left, without counting one. */
  async assertAvailable(name: string, rule: RateLimitRule | null, key: string): Promise<void> {
    if (!rule) return;
    const state = await this.limiter(name, rule).get(key);
    if (state && state.remainingPoints <= 0) throw toRateLimited(state);
  }

  private limiter(name: string, rule: RateLimitRule): RateLimiterMemory {
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new RateLimiterMemory({
        keyPrefix: name,
        points: rule.points,
        duration: rule.durationSeconds,
      });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}

function toRateLimited(error: unknown): Error {
  if (error instanceof RateLimiterRes) {
    return new RateLimitedError(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
  }
  return error as Error;
}
