/**
 * API keys: created once (the caller sees the key a single time), stored as a sha256 hash, verified
 * on every request that presents one. Verified answers (including "no such key") are kept in a small
 * in-memory cache for a few seconds, so a busy write key costs one query per TTL, not one per request.
 * A key revoked through this process stops working at once; one revoked by another process (the CLI,
 * another server) stops working here within the TTL.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { fail, ok, type Result } from '../../errors.ts';
import { ApiKeyRole } from '../../generated/prisma/enums.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import { apiKeyRepository, type ApiKeyRecord } from './api-key.repository.ts';

export const API_KEY_PREFIX = 'cdp_';
const KEY_BYTES = 32;
/** `cdp_` + 43 base64url characters. */
const KEY_PATTERN = /^cdp_[A-Za-z0-9_-]{43}$/;
/** Characters of the key kept in clear for listings: `cdp_` + 8. */
const SHOWN_CHARS = API_KEY_PREFIX.length + 8;
export const MAX_KEY_NAME_LENGTH = 100;

export const ROLES = Object.values(ApiKeyRole) as ApiKeyRole[];

export interface VerifiedKey {
  id: string;
  name: string;
  role: ApiKeyRole;
}

export type ApiKeyInfo = ApiKeyRecord;

export type CreateKeyCode = 'INVALID_NAME' | 'INVALID_ROLE';

interface CacheEntry {
  key: VerifiedKey | null;
  expiresAt: number;
}

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export class ApiKeyService {
  private readonly log: Logger;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<VerifiedKey | null>>();
  /** Bumped by every revoke, so a lookup that raced it does not cache its stale answer. */
  private generation = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    deps: { logger: Logger; cacheTtlMs?: number; cacheMaxEntries?: number; now?: () => number },
  ) {
    this.log = deps.logger.child({ module: 'api-key-service' });
    this.ttlMs = deps.cacheTtlMs ?? 5_000;
    this.maxEntries = deps.cacheMaxEntries ?? 1_000;
    this.now = deps.now ?? Date.now;
  }

  /** Makes a key; `key` is returned here and never again (only its hash is stored). */
  async create(input: { name: string; role: string }): Promise<Result<{ key: string; apiKey: ApiKeyInfo }, CreateKeyCode>> {
    const name = input.name.trim();
    if (!name || name.length > MAX_KEY_NAME_LENGTH) return fail('INVALID_NAME', `name must be 1 to ${MAX_KEY_NAME_LENGTH} characters`, 'name');
    const role = input.role.trim().toUpperCase();
    if (!(ROLES as string[]).includes(role)) return fail('INVALID_ROLE', `role must be one of ${ROLES.join(', ')}`, 'role');

    const key = API_KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url');
    const hash = hashKey(key);
    const apiKey = await apiKeyRepository.insert(this.db.prisma, { name, prefix: key.slice(0, SHOWN_CHARS), hash, role: role as ApiKeyRole });
    this.cache.delete(hash);
    this.log.info({ apiKeyId: apiKey.id, name, role }, 'api key created');
    return ok({ key, apiKey });
  }

  /** The key's id, name and role; null when it is malformed, unknown or revoked. */
  async verify(key: string): Promise<VerifiedKey | null> {
    if (!KEY_PATTERN.test(key)) return null; // not one of ours: no query, no cache entry
    const hash = hashKey(key);
    const now = this.now();
    const hit = this.cache.get(hash);
    if (hit && hit.expiresAt > now) {
      // Refresh recency so the busiest keys stay cached.
      this.cache.delete(hash);
      this.cache.set(hash, hit);
      return hit.key;
    }
    // Single flight: when an entry expires under load, every request in flight (and every live
    // subscription re-checking before its next event) would otherwise run its own UPDATE on the same
    // row at once — a stampede the W3 bench measured at hundreds of ms. One lookup per key, shared.
    let pending = this.inflight.get(hash);
    if (!pending) {
      const generation = this.generation;
      pending = apiKeyRepository
        .useByHash(this.db.prisma, hash, new Date(now))
        .then((found) => {
          // A revoke that happened while we looked must not be undone by caching the older answer.
          if (generation === this.generation) this.remember(hash, found, now);
          return found;
        })
        .finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    return pending;
  }

  /** True when a live key was revoked; false when the id is unknown or it was already revoked. */
  async revoke(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const revoked = await apiKeyRepository.revoke(this.db.prisma, id, new Date(this.now()));
    this.generation++;
    for (const [hash, entry] of this.cache) if (entry.key?.id === id) this.cache.delete(hash);
    if (revoked) this.log.info({ apiKeyId: id }, 'api key revoked');
    return revoked;
  }

  async get(id: string): Promise<ApiKeyInfo | null> {
    return isUuid(id) ? apiKeyRepository.byId(this.db.prisma, id) : null;
  }

  async list(): Promise<ApiKeyInfo[]> {
    return apiKeyRepository.list(this.db.prisma);
  }

  private remember(hash: string, key: VerifiedKey | null, now: number): void {
    this.cache.delete(hash);
    this.cache.set(hash, { key, expiresAt: now + this.ttlMs });
    // Map keeps insertion order, and hits re-insert, so the first entry is the least recently used.
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
  }
}
