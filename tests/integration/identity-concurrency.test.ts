/**
 * Concurrent writers that touch the same people. On PostgreSQL these really run in parallel (a pool
 * of connections); the advisory locks must make them behave as if they ran one after another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerByIdentityDocument, RecordTouchpointsDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('concurrent identity resolution on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('20 concurrent requests carrying the same new identity create exactly one customer', async () => {
    const before = await t.db.prisma.customer.count();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? t.ok(RecordTouchpointsDocument, { input: [{ messageId: `race-${i}`, event: 'Login', userId: 'race-user', anonymousId: `race-anon-${i}` }] })
          : t.ok(UpsertCustomersDocument, { input: [{ identities: [{ type: 'USER_ID', value: 'race-user' }], traits: { [`k${i}`]: i } }] }),
      ),
    );
    const ids = responses.map((r) => ('recordTouchpoints' in r ? r.recordTouchpoints.results[0]!.customerId : r.upsertCustomers.results[0]!.customerId));
    expect(new Set(ids).size).toBe(1);
    expect(await t.db.prisma.customer.count()).toBe(before + 1);
    const c = (await t.ok(CustomerByIdentityDocument, { type: 'USER_ID', value: 'race-user' })).customerByIdentity!;
    expect(c.id).toBe(ids[0]);
    expect(c.identities.filter((i) => i.type === 'ANONYMOUS_ID')).toHaveLength(10);
    expect(Object.keys(c.traits).sort()).toEqual(['k0', 'k10', 'k12', 'k14', 'k16', 'k18', 'k2', 'k4', 'k6', 'k8']);
  });

  it('overlapping merges from concurrent batches leave one consistent identity graph, no identity lost', async () => {
    const n = 30;
    // Customers c0..c29 exist, each with its own cookie.
    await t.ok(UpsertCustomersDocument, { input: Array.from({ length: n }, (_, i) => ({ identities: [{ type: 'COOKIE' as const, value: `chain-${i}` }] })) });
    // Event i links cookie i and cookie i+1: together they chain every customer into one person.
    await Promise.all(
      Array.from({ length: n - 1 }, (_, i) =>
        t.ok(RecordTouchpointsDocument, {
          input: [{ messageId: `chain-ev-${i}`, event: 'Page Viewed', identities: [{ type: 'COOKIE', value: `chain-${i}` }, { type: 'COOKIE', value: `chain-${i + 1}` }] }],
        }),
      ),
    );
    const owners = await Promise.all(
      Array.from({ length: n }, async (_, i) => (await t.ok(CustomerByIdentityDocument, { type: 'COOKIE', value: `chain-${i}` })).customerByIdentity!.id),
    );
    expect(new Set(owners).size).toBe(1);
    const live = owners[0]!;
    const profile = (await t.ok(CustomerByIdentityDocument, { type: 'COOKIE', value: 'chain-0' })).customerByIdentity!;
    expect(profile.identities.map((i) => i.value).sort()).toEqual(Array.from({ length: n }, (_, i) => `chain-${i}`).sort());
    // Every merged-away customer points straight at the live one: no dangling or chained pointers.
    const chainCustomers = await t.db.prisma.customer.findMany({ where: { identities: { some: { value: { startsWith: 'chain-' } } } } });
    expect(chainCustomers).toHaveLength(n);
    for (const c of chainCustomers) expect(c.id === live ? c.mergedIntoId : c.mergedIntoId).toBe(c.id === live ? null : live);
    expect(await t.db.prisma.touchpoint.count({ where: { messageId: { startsWith: 'chain-ev-' } } })).toBe(n - 1);
  });
});
