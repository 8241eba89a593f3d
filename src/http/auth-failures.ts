/**
 * Failed authentication, rationed per client address (across all processes when REDIS_URL is set, see
 * limiter-store.ts; per process otherwise), in front of every door that
 * takes a key (/graphql, /v1, graphql-ws, /metrics off the loopback). Each address may spend
 * `perMinute` database lookups a minute on keys that turn out unknown or revoked (a fixed one-minute
 * window). A lookup reserves its point before it runs and gives it back when the key is real, so a
 * concurrent flood cannot get more lookups than that by racing; a known miss answered from memory
 * counts as a failure too. Malformed secrets never reach the database and are not counted.
 *
 * Once the address has used its budget, every request it makes to these doors is refused (429,
 * close 4429) until the window ends, a valid key included: letting valid keys through only while
 * they sit in the key cache would work or fail by the accident of a TTL, and an address failing
 * this often is broken or hostile. The cost falls on peers sharing the address (a NAT, a proxy).
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { ApiKeyService, VerifiedKey } from '../modules/auth/api-key.service.ts';
import { clientAddressKey } from './client-address.ts';
import { memoryLimiterStore, type LimiterStore } from './limiter-store.ts';

export type Authentication =
  | { ok: true; key: VerifiedKey; keyHash: string }
  /** missing: no secret at all; malformed: not the shape of a key; unknown: no live key has it. */
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown' }
  | { ok: false; reason: 'limited'; retryAfterSeconds: number };

export interface AuthGate {
  /** Seconds until this peer may authenticate again; null when it may now. */
  blockedFor(remoteAddress: string | undefined): Promise<number | null>;
  authenticate(remoteAddress: string | undefined, secret: string | undefined): Promise<Authentication>;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function createAuthGate(deps: { apiKeys: ApiKeyService; failuresPerMinute: number; store?: LimiterStore }): AuthGate {
  const points = deps.failuresPerMinute;
  const limiter = (deps.store ?? memoryLimiterStore).limiter('auth', points, 60);

  const blockedFor = async (who: string): Promise<number | null> => {
    const state = await limiter.get(who);
    return state && state.consumedPoints >= points ? seconds(state.msBeforeNext) : null;
  };

  return {
    blockedFor: (remoteAddress) => blockedFor(clientAddressKey(remoteAddress)),

    async authenticate(remoteAddress, secret) {
      const who = clientAddressKey(remoteAddress);
      const wait = await blockedFor(who);
      if (wait !== null) return { ok: false, reason: 'limited', retryAfterSeconds: wait };
      if (secret === undefined) return { ok: false, reason: 'missing' };

      let reserved = false;
      let refusedMs = 0;
      const admit = async () => {
        try {
          await limiter.consume(who, 1);
          reserved = true;
          return true;
        } catch (e) {
          if (!(e instanceof RateLimiterRes)) throw e;
          refusedMs = e.msBeforeNext;
          return false;
        }
      };
      let v: Awaited<ReturnType<ApiKeyService['check']>>;
      try {
        v = await deps.apiKeys.check(secret, admit);
      } catch (e) {
        // A database outage is not the client's failure.
        if (reserved) await limiter.reward(who, 1);
        throw e;
      }
      if (v.ok) {
        if (reserved) await limiter.reward(who, 1);
        return v;
      }
      if (v.reason === 'refused') return { ok: false, reason: 'limited', retryAfterSeconds: seconds(refusedMs) };
      if (v.reason === 'unknown' && !reserved) await limiter.penalty(who, 1);
      return { ok: false, reason: v.reason };
    },
  };
}
