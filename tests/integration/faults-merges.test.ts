/**
 * Fault: 50 merges that overlap, all sent at once. Request i says "identity i and identity i+1 are
 * one person" (half through upsertCustomers, half as IDENTIFY touchpoints), so together they chain
 * 51 customers into one. Whatever order they commit in, the result must be one consistent identity
 * graph: one live customer holding every identity, every other customer merged straight into it,
 * and a merge ledger that agrees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerByIdentityDocument, RecordTouchpointsDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const N = 51; // identities (and customers); N - 1 = 50 linking requests

describe.each(dbKinds)('50 concurrent overlapping merges on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('leave one live customer with every identity, and a consistent merge ledger', async () => {
    const started = Date.now();
    const id = (i: number) => ({ type: 'DEVICE_ID' as const, value: `m50-dev-${i}` });
    // N customers, each with its own device id.
    const made = (await t.ok(UpsertCustomersDocument, { input: Array.from({ length: N }, (_, i) => ({ source: 'm50', externalId: `m50-${i}`, identities: [id(i)] })) }))
      .upsertCustomers;
    expect(made.created).toBe(N);
    const original = made.results.map((r) => r.customerId!);
    expect(new Set(original).size).toBe(N);

    // 50 requests at once, each linking i and i+1.
    const responses = await Promise.all(
      Array.from({ length: N - 1 }, (_, i) =>
        i % 2
          ? t.gql(RecordTouchpointsDocument, { input: [{ messageId: `m50-link-${i}`, type: 'IDENTIFY', identities: [id(i), id(i + 1)] }] })
          : t.gql(UpsertCustomersDocument, { input: [{ identities: [id(i), id(i + 1)] }] }),
      ),
    );
    for (const r of responses) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    for (const [i, r] of responses.entries()) {
      const d = r.data as Record<string, { results: { status: string }[] }>;
      const row = (i % 2 ? d.recordTouchpoints : d.upsertCustomers)!.results[0]!;
      expect(row.status, `request ${i}`).not.toMatch(/FAILED|QUARANTINED|DROPPED/);
    }

    const p = t.db.prisma;
    // Merges are pointers (identities and touchpoints stay on the customer they were recorded on and
    // are read through merged_into_id), so "who holds an identity" is its customer, resolved.
    const customers = await p.customer.findMany({ where: { id: { in: original } } });
    expect(customers).toHaveLength(N);
    const liveCustomers = customers.filter((c) => c.mergedIntoId === null);
    expect(liveCustomers).toHaveLength(1);
    const live = liveCustomers[0]!.id;
    // No customer points at a merged-away customer: every loser points straight at the live one.
    for (const c of customers) if (c.id !== live) expect(c.mergedIntoId, c.id).toBe(live);
    const resolve = new Map(customers.map((c) => [c.id, c.mergedIntoId ?? c.id]));
    // Every identity still exists, once, on one of the N customers, and resolves to the live one.
    const identities = await p.identity.findMany({ where: { value: { startsWith: 'm50-dev-' } } });
    expect(identities.map((i) => i.value).sort()).toEqual(Array.from({ length: N }, (_, i) => `m50-dev-${i}`).sort());
    for (const i of identities) expect(resolve.get(i.customerId), i.value).toBe(live);
    // The upserts made no customer beyond the original N (they only linked ids that already existed).
    expect(await p.customer.count({ where: { identities: { some: { value: { startsWith: 'm50-dev-' } } } } })).toBe(N);
    const profile = (await t.ok(CustomerByIdentityDocument, id(N - 1))).customerByIdentity!;
    expect(profile.id).toBe(live);
    expect(profile.identities.filter((i) => i.type === 'DEVICE_ID').map((i) => i.value).sort()).toEqual(identities.map((i) => i.value).sort());

    // The ledger: each of the N - 1 losers merged exactly once, never the live one; following winners
    // from any loser reaches the live customer without a cycle.
    const ledger = await p.mergeEvent.findMany({ where: { OR: [{ loserId: { in: original } }, { winnerId: { in: original } }] } });
    const merged = ledger.filter((m) => m.status === 'MERGED' && m.undoneAt === null);
    expect(ledger.filter((m) => m.status !== 'MERGED')).toEqual([]); // no cap applies to device ids: nothing refused
    expect(merged.map((m) => m.loserId).sort()).toEqual(original.filter((c) => c !== live).sort());
    const winnerOf = new Map(merged.map((m) => [m.loserId, m.winnerId]));
    for (const loser of winnerOf.keys()) {
      let at = loser;
      const seen = new Set<string>();
      while (winnerOf.has(at)) {
        expect(seen.has(at), `ledger cycle at ${at}`).toBe(false);
        seen.add(at);
        at = winnerOf.get(at)!;
      }
      expect(at, `ledger chain from ${loser}`).toBe(live);
    }
    // What the ledger says each merge carried (for undo) is real, and together with the live
    // customer's own identities covers them all. (A merge of a customer that had itself absorbed others
    // lists theirs too, so one identity may be named by several merges along its chain.)
    const all = identities.map((i) => i.value).sort();
    const moved = merged.flatMap((m) => (m.identitiesMoved as { value: string }[]).map((i) => i.value)).filter((v) => v.startsWith('m50-dev-'));
    for (const v of moved) expect(all).toContain(v);
    const ownOfLive = identities.filter((i) => i.customerId === live).map((i) => i.value);
    expect([...new Set([...moved, ...ownOfLive])].sort()).toEqual(all);
    for (const m of merged) {
      const loserOwn = identities.filter((i) => i.customerId === m.loserId).map((i) => i.value);
      for (const v of loserOwn) expect((m.identitiesMoved as { value: string }[]).map((i) => i.value), `merge ${m.loserId}`).toContain(v);
    }

    // Through the API too, and the identify touchpoints all belong to the live customer.
    for (let i = 0; i < N; i += 10) expect((await t.ok(CustomerByIdentityDocument, { ...id(i) })).customerByIdentity?.id).toBe(live);
    const tps = await p.touchpoint.findMany({ where: { messageId: { startsWith: 'm50-link-' } } });
    expect(tps).toHaveLength(Math.floor((N - 1) / 2));
    for (const tp of tps) expect(resolve.get(tp.customerId), tp.messageId).toBe(live);
    console.log(`[faults-merges ${kind}] ${Date.now() - started} ms`);
  });
});
