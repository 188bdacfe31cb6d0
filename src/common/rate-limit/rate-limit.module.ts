import { Global, Module } from '@nestjs/common';
import { rateLimitRedisProvider } from './rate-limit-store';
import { RateLimiterService } from './rate-limiter.service';

@Global()
@Module({
  providers: [rateLimitRedisProvider, RateLimiterService],
  exports: [RateLimiterService],
})
export class RateLimitModule {}
