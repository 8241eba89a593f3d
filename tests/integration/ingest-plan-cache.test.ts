/**
 * Writes must not grow Prisma's query plan cache with every request. Inside an interactive
 * transaction Prisma batches queries issued concurrently and caches the batch's plan keyed by the
 * statements, raw values included; identity resolution once read customers and capped identities
 * with Promise.all, so every request for known people added one ~8 KB entry (up to 1,000 of them): the
 * slow heap growth the cluster soak saw. Prisma reports each lookup on its debug channel
 * `prisma:client:clientEngine`; each case counts the misses while requests of one shape repeat, through
 * each door that writes: /v1/batch, recordTouchpoints and upsertCustomers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RecordTouchpointsDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const debugGlobal = globalThis as { DEBUG?: string };
const REQUESTS = 20;
const WARM_UP = 3;

describe.each(dbKinds)('writes and the query plan cache on %s', (kind) => {
  let t: TestServer;
  const before = debugGlobal.DEBUG;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());
  afterEach(() => {
    debugGlobal.DEBUG = before ?? '';
    vi.restoreAllMocks();
  });

  /** A request known to make a model query (the segment list), so the channel shows a lookup whatever the writes do. */
  const probe = async () => {
    const res = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.ADMIN}` },
      body: JSON.stringify({ query: '{ segments { id } }' }),
    });
    expect(res.status).toBe(200);
  };

  /**
   * Runs request(i) for i in [0, REQUESTS): the first WARM_UP fill the cache legitimately; the rest are
   * counted, and then the probe (its plan cached during the warm-up).
   */
  async function lookupsWhile(request: (i: number) => Promise<void>): Promise<string[]> {
    for (let i = 0; i < WARM_UP; i++) await request(i);
    await probe();
    const lines: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    debugGlobal.DEBUG = 'prisma:client:clientEngine';
    try {
      for (let i = WARM_UP; i < REQUESTS; i++) await request(i);
      await probe();
    } finally {
      debugGlobal.DEBUG = before ?? '';
    }
    return lines.filter((l) => l.includes('query plan cache'));
  }

  function expectNoMisses(lookups: string[]) {
    // The debug channel is live (else the assertion below could not fail): at least the probe's lookup.
    // Not one per request: only model queries and batched statements look a plan up, and a /v1/batch
    // request for known people may make no model query at all (the segment graph reads its rules with
    // raw SQL). A batch keyed by its values, the defect this guards against, is a lookup that misses.
    expect(lookups.length).toBeGreaterThan(0);
    // ...and no request added a plan: a cache keyed by values would miss once per request.
    expect(lookups.filter((l) => l.includes('cache miss'))).toEqual([]);
  }

  const sendV1 = async (i: number, round: string) => {
    const res = await fetch(`${t.baseUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${t.keys.WRITER}:`).toString('base64')}` },
      body: JSON.stringify({
        batch: [
          { type: 'identify', messageId: `plan-${round}-${i}-a`, userId: `plan-user-${i}`, traits: { email: `plan${i}@example.com` }, timestamp: '2026-03-01T00:00:00Z' },
          { type: 'track', messageId: `plan-${round}-${i}-b`, userId: `plan-user-${i}`, event: 'Viewed', timestamp: '2026-03-01T00:01:00Z' },
        ],
      }),
    });
    expect(res.status).toBe(200);
  };

  it('/v1/batch for known people adds no query plans after the first few', async () => {
    // The people exist first: resolution only reads customers (the batched reads) for known owners.
    for (let i = 0; i < REQUESTS; i++) await sendV1(i, 'first');
    expectNoMisses(await lookupsWhile((i) => sendV1(i, 'again')));
  });

  it('recordTouchpoints for known people adds no query plans after the first few', async () => {
    const send = async (i: number, round: string) => {
      const r = await t.ok(RecordTouchpointsDocument, {
        input: [{ messageId: `plan-gql-${round}-${i}`, event: 'Viewed', userId: `plan-gql-user-${i}`, channel: 'APP', occurredAt: '2026-03-02T00:00:00Z' }],
      });
      expect(r.recordTouchpoints.accepted).toBe(1);
    };
    for (let i = 0; i < REQUESTS; i++) await send(i, 'first');
    expectNoMisses(await lookupsWhile((i) => send(i, 'again')));
  });

  it('upsertCustomers updating known customers adds no query plans after the first few', async () => {
    const upsert = async (i: number, plan: string) => {
      const r = await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: `plan-crm-${i}`, email: `plan-crm-${i}@example.com`, traits: { plan } }] });
      expect(r.upsertCustomers.failed).toBe(0);
    };
    for (let i = 0; i < REQUESTS; i++) await upsert(i, 'free');
    expectNoMisses(await lookupsWhile((i) => upsert(i, 'pro')));
  });
});
