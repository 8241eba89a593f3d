/**
 * API keys: created once (the caller sees the key a single time), stored as a sha256 hash, verified
 * on every request that presents one. Answers are kept in memory for a few seconds, so a busy key
 * costs one lookup per TTL, not one per request: verified keys in one bounded cache, unknown or
 * revoked hashes in another with its own bound, so a flood of made-up keys can never push a real key
 * out. A lookup only reads; `last_used_at` is written for keys that exist, never for a stranger's.
 * A key revoked through this process stops working at once; one revoked by another process (the CLI,
 * another server) stops working here within the TTL.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { fail, ok, type Result } from '../../errors.ts';
import { ApiKeyRole } from '../../generated/prisma/enums.ts';
import { TtlCache } from '../../lib/ttl-cache.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import { apiKeyRepository, type ApiKeyRecord } from './api-key.repository.ts';

export const API_KEY_PREFIX = 'cdp_';
const KEY_BYTES = 32;
/** `cdp_` + 43 base64url characters. */
const KEY_PATTERN = /^cdp_[A-Za-z0-9_-]{43}$/;
/** Whether a secret has the shape of one of our keys; anything else is refused without a lookup. */
export const isWellFormedKey = (secret: string): boolean => KEY_PATTERN.test(secret);
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

/**
 * `unknown`: well-formed, but no live key has it (never issued, or revoked). `refused`: the answer
 * needed a database lookup and the caller's `admit` said no.
 */
export type Verification = { ok: true; key: VerifiedKey; keyHash: string } | { ok: false; reason: 'malformed' | 'unknown' | 'refused' };

/** Asked just before a lookup that would reach the database; false refuses it. */
export type LookupAdmission = () => Promise<boolean>;

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export class ApiKeyService {
  private readonly log: Logger;
  private readonly hits: TtlCache<string, VerifiedKey>;
  private readonly misses: TtlCache<string, true>;
  private readonly inflight = new Map<string, Promise<VerifiedKey | null>>();
  /**
   * Bumped by every create and revoke, so a lookup that raced one does not cache its stale answer
   * (a key that was revoked meanwhile, or a miss for a key that now exists).
   */
  private generation = 0;
  private readonly now: () => number;
  private readonly newSecret: () => string;

  constructor(
    private readonly db: Database,
    deps: {
      logger: Logger;
      cacheTtlMs?: number;
      cacheMaxEntries?: number;
      missCacheMaxEntries?: number;
      now?: () => number;
      /** The random part's source; tests pass their own to know a key before it exists. */
      newSecret?: () => string;
    },
  ) {
    this.log = deps.logger.child({ module: 'api-key-service' });
    const ttlMs = deps.cacheTtlMs ?? 5_000;
    this.now = deps.now ?? Date.now;
    this.hits = new TtlCache(deps.cacheMaxEntries ?? 1_000, ttlMs, this.now);
    this.misses = new TtlCache(deps.missCacheMaxEntries ?? 10_000, ttlMs, this.now);
    this.newSecret = deps.newSecret ?? (() => API_KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url'));
  }

  /** Makes a key; `key` is returned here and never again (only its hash is stored). */
  async create(input: { name: string; role: string }): Promise<Result<{ key: string; apiKey: ApiKeyInfo }, CreateKeyCode>> {
    const name = input.name.trim();
    if (!name || name.length > MAX_KEY_NAME_LENGTH) return fail('INVALID_NAME', `name must be 1 to ${MAX_KEY_NAME_LENGTH} characters`, 'name');
    const role = input.role.trim().toUpperCase();
    if (!(ROLES as string[]).includes(role)) return fail('INVALID_ROLE', `role must be one of ${ROLES.join(', ')}`, 'role');

    const key = this.newSecret();
    const hash = hashKey(key);
    const apiKey = await apiKeyRepository.insert(this.db.prisma, { name, prefix: key.slice(0, SHOWN_CHARS), hash, role: role as ApiKeyRole });
    this.generation++;
    this.misses.delete(hash);
    this.log.info({ apiKeyId: apiKey.id, name, role }, 'api key created');
    return ok({ key, apiKey });
  }

  /** The key's id, name and role; null when it is malformed, unknown or revoked. */
  async verify(secret: string): Promise<VerifiedKey | null> {
    const v = await this.check(secret);
    return v.ok ? v.key : null;
  }

  /**
   * verify for a key already verified once, by the hash check answered then: a live subscription
   * re-checks its key before every event, and hashing the secret each time was a visible share of
   * the fan-out's CPU (issue 16). It also means the secret itself need not be kept for the re-checks.
   */
  async verifyHash(keyHash: string): Promise<VerifiedKey | null> {
    const v = await this.checkHash(keyHash);
    return v.ok ? v.key : null;
  }

  /**
   * Like verify, with the reason for a failure. `admit` is asked only when the answer is not already
   * known in memory and no lookup of the same key is in flight, i.e. only when this call would cost a
   * database query; it lets the caller ration queries (per client address, for instance).
   */
  async check(secret: string, admit?: LookupAdmission): Promise<Verification> {
    if (!KEY_PATTERN.test(secret)) return { ok: false, reason: 'malformed' }; // not one of ours: no query, no cache entry
    return this.checkHash(hashKey(secret), admit);
  }

  private async checkHash(hash: string, admit?: LookupAdmission): Promise<Verification> {
    let known = this.known(hash);
    if (known !== undefined) return answer(known, hash);
    let pending = this.inflight.get(hash);
    if (!pending && admit) {
      if (!(await admit())) return { ok: false, reason: 'refused' };
      // Someone else may have looked it up while we waited for admission.
      known = this.known(hash);
      if (known !== undefined) return answer(known, hash);
      pending = this.inflight.get(hash);
    }
    return answer(await (pending ?? this.lookup(hash)), hash);
  }

  /** The cached answer: the key, null for a known miss, undefined when not cached. */
  private known(hash: string): VerifiedKey | null | undefined {
    const hit = this.hits.get(hash);
    if (hit) return hit;
    return this.misses.get(hash) ? null : undefined;
  }

  /**
   * Single flight: when an entry expires under load, every request in flight (and every live
   * subscription re-checking before its next event) would otherwise run its own query on the same
   * row at once — a stampede the W3 bench measured at hundreds of ms. One lookup per key, shared.
   */
  private lookup(hash: string): Promise<VerifiedKey | null> {
    const generation = this.generation;
    const now = this.now();
    const pending = (async () => {
      const found = await apiKeyRepository.findLiveByHash(this.db.prisma, hash);
      if (found) await apiKeyRepository.markUsed(this.db.prisma, found.id, new Date(now));
      // A create or revoke that happened while we looked must not be undone by caching the older answer.
      if (generation === this.generation) {
        if (found) this.hits.set(hash, found);
        else this.misses.set(hash, true);
      }
      return found;
    })().finally(() => this.inflight.delete(hash));
    this.inflight.set(hash, pending);
    return pending;
  }

  /** True when a live key was revoked; false when the id is unknown or it was already revoked. */
  async revoke(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const revoked = await apiKeyRepository.revoke(this.db.prisma, id, new Date(this.now()));
    this.generation++;
    this.hits.deleteWhere((key) => key.id === id);
    if (revoked) this.log.info({ apiKeyId: id }, 'api key revoked');
    return revoked;
  }

  async get(id: string): Promise<ApiKeyInfo | null> {
    return isUuid(id) ? apiKeyRepository.byId(this.db.prisma, id) : null;
  }

  async list(): Promise<ApiKeyInfo[]> {
    return apiKeyRepository.list(this.db.prisma);
  }
}

const answer = (key: VerifiedKey | null, keyHash: string): Verification => (key ? { ok: true, key, keyHash } : { ok: false, reason: 'unknown' });
