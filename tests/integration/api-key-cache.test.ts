/**
 * The API-key cache under load: when an entry expires, concurrent verifications of one key share a
 * single lookup (one UPDATE of last_used_at, not one per request), and a revoke that lands while a
 * lookup is in flight is not undone by caching the older answer.
 */
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

  const service = (clock: { now: number }) => new ApiKeyService(t.db, { logger: createLogger(t.config), cacheTtlMs: 5_000, now: () => clock.now });

  it('shares one lookup among concurrent verifications of an expired key', async () => {
    const clock = { now: Date.now() };
    const keys = service(clock);
    const made = await keys.create({ name: 'stampede', role: 'READER' });
    if (!made.ok) throw new Error(made.message);
    await keys.verify(made.value.key); // cached
    clock.now += 6_000; // expired
    const { result, statements } = await countStatements(t.db, () => Promise.all(Array.from({ length: 50 }, () => keys.verify(made.value.key))));
    expect(result.every((k) => k?.id === made.value.apiKey.id)).toBe(true);
    expect(statements.filter((s) => /UPDATE\s+"?api_key/i.test(s))).toHaveLength(1);
  });

  it('does not cache a lookup that raced a revoke', async () => {
    const clock = { now: Date.now() };
    const keys = service(clock);
    const made = await keys.create({ name: 'race', role: 'READER' });
    if (!made.ok) throw new Error(made.message);
    // Hold the lookup's answer (the key, still live when read) until the revoke has finished.
    let revokeDone!: () => void;
    const revoked = new Promise<void>((resolve) => (revokeDone = resolve));
    const original = apiKeyRepository.useByHash;
    apiKeyRepository.useByHash = async (...args) => {
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
      apiKeyRepository.useByHash = original;
    }
    expect(await keys.verify(made.value.key)).toBeNull();
  });
});
