/**
 * Where rate-limit counters live. With REDIS_URL every server process counts against the same Redis
 * keys, so N processes behind a balancer give a key (or an address) one budget, not N. Without Redis
 * each process counts in its own memory.
 *
 * Redis is never allowed to hold a request up or turn it away: a connection that is not ready, or a
 * command that has not answered within COMMAND_TIMEOUT_MS, falls back to a per-process counter (the
 * library's insurance limiter). During an outage the budget is per process again, which is the
 * behaviour without Redis; requests are neither refused nor stalled because Redis is away.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { waitAtMost } from '../lib/wait-at-most.ts';
import type { Logger } from '../logger.ts';

const COMMAND_TIMEOUT_MS = 250;

export interface LimiterStore {
  readonly kind: 'memory' | 'redis';
  /** A limiter of `points` per `durationSeconds` window; `name` keeps different limits apart. */
  limiter(name: string, points: number, durationSeconds: number): RateLimiterAbstract;
  /**
   * Resolves once Redis answers, or after `timeoutMs` whatever happens: a process that starts counting
   * before its connection is up counts its first requests in memory, outside the shared budget.
   */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export const memoryLimiterStore: LimiterStore = {
  kind: 'memory',
  limiter: (_name, points, duration) => new RateLimiterMemory({ points, duration }),
  ready: async () => {},
  close: async () => {},
};

/**
 * `prefix` isolates the counters of one database (a deployment) from another sharing the Redis, as
 * the pub/sub channel prefix does.
 */
export function createLimiterStore(opts: { redisUrl?: string; prefix: string; logger: Logger }): LimiterStore {
  if (!opts.redisUrl) return memoryLimiterStore;
  const log = opts.logger.child({ module: 'rate-limit' });
  // No offline queue: a command issued while disconnected fails at once and the insurance limiter answers.
  const client = new Redis(opts.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    lazyConnect: false,
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'rate-limit redis connection error'));
  return {
    kind: 'redis',
    limiter: (name, points, duration) =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${opts.prefix}rl:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration }),
      }),
    async ready(timeoutMs) {
      if (client.status === 'ready') return;
      await waitAtMost(new Promise<void>((resolve) => client.once('ready', () => resolve())), timeoutMs);
    },
    async close() {
      client.disconnect();
    },
  };
}
