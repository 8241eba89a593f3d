/**
 * Per-key rate limit, per process (each instance enforces its own budget; with N instances behind a
 * balancer a key gets up to N× the figure). rate-limiter-flexible's in-memory limiter: a fixed
 * one-minute window per key, no timers per key.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimit {
  /** null when allowed; otherwise the milliseconds until the key may try again. */
  take(keyId: string): Promise<number | null>;
}

export function createRateLimit(perMinute: number): RateLimit {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
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
