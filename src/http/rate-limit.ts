/**
 * Per-key rate limit: a fixed one-minute window per key. Counted in Redis when REDIS_URL is set, so
 * all server processes share one budget per key; per process otherwise (see limiter-store.ts).
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import { memoryLimiterStore, type LimiterStore } from './limiter-store.ts';

export interface RateLimit {
  /** null when allowed; otherwise the milliseconds until the key may try again. */
  take(keyId: string): Promise<number | null>;
}

export function createRateLimit(perMinute: number, store: LimiterStore = memoryLimiterStore): RateLimit {
  const limiter = store.limiter('key', perMinute, 60);
  return {
    async take(keyId) {
      try {
        await limiter.consume(keyId, 1);
        return null;
      } catch (e) {
        if (e instanceof RateLimiterRes) return Math.max(1, e.msBeforeNext);
        throw e;
      }
    },
  };
}
