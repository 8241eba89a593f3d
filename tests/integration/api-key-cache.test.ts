/**
 * The API-key cache under load: when an entry expires, concurrent verifications of one key share a
 * single lookup (one UPDATE of last_used_at, not one per request), and a revoke that lands while a
 * lookup is in flight is not undone by caching the older answer. Unknown keys are remembered in a
 * cache of their own, with its own bound, so a flood of them never pushes a verified key out; a key
 * created after its hash was looked up in vain works at once.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { apiKeyRepository } from '../../src/modules/auth/api-key.repository.ts';
import { ApiKeyService } from '../../src/modules/auth/api-key.service.ts';
import { dbKinds } from '../helpers/databases.ts';
import { countStatements, startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('API-key cache on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  const service = (clock: { now: number }, more: Partial<ConstructorParameters<typeof ApiKeyService>[1]> = {}) =>
    new ApiKeyService(t.db, { logger: createLogger(t.config), cacheTtlMs: 5_000, now: () => clock.now, ...more });
  const unknownKey = () => `cdp_${randomBytes(32).toString('base64url')}`;
  const keyStatements = (statements: string[]) => statements.filter((s) => /api_key/i.test(s));

  it('shares one lookup among concurrent verifications of an expired key', async () => {
    const clock = { now: Date.now() };
    const keys = service(clock);
    const made = await keys.create({ name: 'stampede', role: 'READER' });
    if (!made.ok) throw new Error(made.message);
    await keys.verify(made.value.key); // cached
    clock.now += 6_000; // expired
    const { result, statements } = await countStatements(t.db, () => Promise.all(Array.from({ length: 50 }, () => keys.verify(made.value.key))));
    expect(result.every((k) => k?.id === made.value.apiKey.id)).toBe(true);
    const keyReads = keyStatements(statements);
    expect(keyReads.filter((s) => /^\s*SELECT\b/i.test(s))).toHaveLength(1);
    expect(keyReads.filter((s) => /^\s*UPDATE\b/i.test(s))).toHaveLength(1);
  });

  it('does not cache a lookup that raced a revoke', async () => {
    const clock = { now: Date.now() };
    const keys = service(clock);
    const made = await keys.create({ name: 'race', role: 'READER' });
    if (!made.ok) throw new Error(made.message);
    // Hold the lookup's answer (the key, still live when read) until the revoke has finished.
    let revokeDone!: () => void;
    const revoked = new Promise<void>((resolve) => (revokeDone = resolve));
    const original = apiKeyRepository.findLiveByHash;
    apiKeyRepository.findLiveByHash = async (...args) => {
      const found = await original(...args);
      await revoked;
      return found;
    };
    try {
      const lookup = keys.verify(made.value.key);
      await new Promise((r) => setTimeout(r, 50)); // let the UPDATE run first
      expect(await keys.revoke(made.value.apiKey.id)).toBe(true);
      revokeDone();
      expect((await lookup)?.id).toBe(made.value.apiKey.id); // it read the key before the revoke
    } finally {
      apiKeyRepository.findLiveByHash = original;
    }
    expect(await keys.verify(made.value.key)).toBeNull();
  });

  it('a flood of unknown keys (fifty times what the key cache holds) never evicts a verified key', async () => {
    const clock = { now: Date.now() };
    const keys = service(clock, { cacheMaxEntries: 10 });
    const made = await keys.create({ name: 'steady', role: 'READER' });
    if (!made.ok) throw new Error(made.message);
    await keys.verify(made.value.key); // cached
    for (let i = 0; i < 500; i++) expect(await keys.verify(unknownKey())).toBeNull();
    const { result, statements } = await countStatements(t.db, () => keys.verify(made.value.key));
    expect(result?.id).toBe(made.value.apiKey.id);
    expect(keyStatements(statements)).toEqual([]); // still served from the cache: no lookup
  });

  it('misses are remembered under their own bound', async () => {
    const clock = { now: Date.now() };
    const keys = service(clock, { cacheMaxEntries: 10, missCacheMaxEntries: 50 });
    const first = unknownKey();
    await keys.verify(first);
    for (let i = 0; i < 20; i++) await keys.verify(unknownKey()); // more than the hit cache holds, fewer than the miss cache
    expect(keyStatements((await countStatements(t.db, () => keys.verify(first))).statements)).toEqual([]);
    for (let i = 0; i < 50; i++) await keys.verify(unknownKey()); // now the oldest miss must go
    expect(keyStatements((await countStatements(t.db, () => keys.verify(first))).statements)).toHaveLength(1);
  });

  it('a key created after its hash was cached as a miss works at once', async () => {
    const clock = { now: Date.now() };
    const next: string[] = [];
    const keys = service(clock, { newSecret: () => next.shift()! });
    const secret = unknownKey();
    expect(await keys.verify(secret)).toBeNull(); // now a cached miss
    next.push(secret);
    const made = await keys.create({ name: 'late', role: 'READER' });
    if (!made.ok) throw new Error(made.message);
    expect(made.value.key).toBe(secret);
    expect((await keys.verify(secret))?.id).toBe(made.value.apiKey.id);
  });

  it('a miss looked up while the key was being created is not cached', async () => {
    const clock = { now: Date.now() };
    const next: string[] = [];
    const keys = service(clock, { newSecret: () => next.shift()! });
    const secret = unknownKey();
    // Hold the lookup's answer (no such key, when read) until the key has been created.
    let createdDone!: () => void;
    const created = new Promise<void>((resolve) => (createdDone = resolve));
    let looked!: () => void;
    const lookedUp = new Promise<void>((resolve) => (looked = resolve));
    const original = apiKeyRepository.findLiveByHash;
    apiKeyRepository.findLiveByHash = async (...args) => {
      const found = await original(...args);
      looked();
      await created;
      return found;
    };
    try {
      const lookup = keys.verify(secret);
      await lookedUp;
      next.push(secret);
      const made = await keys.create({ name: 'raced', role: 'READER' });
      if (!made.ok) throw new Error(made.message);
      createdDone();
      expect(await lookup).toBeNull(); // it read before the key existed
    } finally {
      apiKeyRepository.findLiveByHash = original;
    }
    expect((await keys.verify(secret))?.role).toBe('READER');
  });
});
