/**
 * Ingest must not grow Prisma's query plan cache with every request. Inside an interactive
 * transaction Prisma batches queries issued concurrently and caches the batch's plan keyed by the
 * statements, raw values included; identity resolution once read customers and capped identities
 * with Promise.all, so every request with new people added one ~8 KB entry (up to 1,000 of them): the
 * slow heap growth the cluster soak saw. Prisma reports each lookup on its debug channel
 * `prisma:client:clientEngine`; the test counts the misses while requests of one shape repeat.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const debugGlobal = globalThis as { DEBUG?: string };

describe.each(dbKinds)('ingest and the query plan cache on %s', (kind) => {
  let t: TestServer;
  let before: string | undefined;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());
  afterEach(() => {
    debugGlobal.DEBUG = before ?? '';
    vi.restoreAllMocks();
  });

  const send = (i: number, round: string) =>
    fetch(`${t.baseUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${t.keys.WRITER}:`).toString('base64')}` },
      body: JSON.stringify({
        batch: [
          { type: 'identify', messageId: `plan-${round}-${i}-a`, userId: `plan-user-${i}`, traits: { email: `plan${i}@example.com` }, timestamp: '2026-03-01T00:00:00Z' },
          { type: 'track', messageId: `plan-${round}-${i}-b`, userId: `plan-user-${i}`, event: 'Viewed', timestamp: '2026-03-01T00:01:00Z' },
        ],
      }),
    });

  it('requests of the same shape for known people add no query plans after the first few', async () => {
    const requests = 20;
    // The people exist first: resolution only reads customers (the batched reads) for known owners.
    for (let i = 0; i < requests; i++) expect((await send(i, 'first')).status).toBe(200);
    // Warm up: the first requests of a shape fill the cache legitimately.
    for (let i = 0; i < 3; i++) expect((await send(i, 'again')).status).toBe(200);

    before = debugGlobal.DEBUG;
    const lines: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    debugGlobal.DEBUG = 'prisma:client:clientEngine';
    for (let i = 3; i < requests; i++) expect((await send(i, 'again')).status).toBe(200);
    debugGlobal.DEBUG = before ?? '';

    const lookups = lines.filter((l) => l.includes('query plan cache'));
    // The debug channel is live (else the assertion below could not fail)...
    expect(lookups.length).toBeGreaterThanOrEqual(requests - 3);
    // ...and no request added a plan: a cache keyed by values would miss once per request.
    const misses = lookups.filter((l) => l.includes('cache miss'));
    expect(misses).toEqual([]);
  });
});
