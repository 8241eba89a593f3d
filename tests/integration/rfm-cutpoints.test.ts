/**
 * customer.rfmTier and rfmTier rules score each customer's own orders against stored cut points
 * (rfm.refresher.ts): no pass over everyone's orders per profile read, both evaluators read the same
 * cut points, and the tiers equal rfm(now) right after a refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, CustomerRfmTierDocument, RecordTouchpointsDocument, RfmDocument, SegmentDetailDocument, type TouchpointInput } from '../generated/graphql.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { DAY_MS, testClock } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const NOW = '2026-05-01T00:00:00.000Z';

describe.each(dbKinds)('rfm tiers from stored cut points on %s', (kind) => {
  let t: TestServer;
  const rnd = seededRandom(77);
  let n = 0;
  const orders = (people: number[], maxOrders = 5): TouchpointInput[] =>
    people.flatMap((p) =>
      Array.from({ length: rnd.int(1, maxOrders) }, () => ({
        messageId: `o-${n++}`,
        event: 'Order Completed',
        userId: `p-${p}`,
        revenue: rnd.int(5, 400),
        occurredAt: new Date(Date.parse(NOW) - rnd.int(1, 200) * DAY_MS).toISOString(),
      })),
    );

  beforeAll(async () => {
    t = await startTestServer(kind, {}, { clock: testClock(NOW).now });
    await t.ok(RecordTouchpointsDocument, { input: orders(Array.from({ length: 47 }, (_, i) => i)) });
  });
  afterAll(() => t?.stop());

  async function exactTiers() {
    const all = (await t.ok(RfmDocument, { asOf: NOW, first: 100 })).rfm;
    return new Map(all.edges.map((e) => [e.node.customerId, e.node.tier]));
  }
  async function profileTiers(ids: string[]) {
    const tiers = new Map<string, string | null | undefined>();
    for (const id of ids) tiers.set(id, (await t.ok(CustomerRfmTierDocument, { id })).customer!.rfmTier);
    return tiers;
  }

  it('a profile read scores the customer against the stored cut points, not by ranking everyone', async () => {
    await t.server.services.rfm.refreshCuts();
    const exact = await exactTiers();
    expect(new Set(exact.values()).size).toBeGreaterThan(1);
    // With every cut removed, each customer's own R and F count no cut below them: R1 F1 = LOST for all.
    // A read that ranked everyone would still answer the spread of tiers above.
    await t.db.prisma.$executeRaw`UPDATE rfm_cutpoints SET r_last = '{}', r_freq = '{}', r_mon = '{}', r_person = '{}', f_last = '{}', f_freq = '{}', f_mon = '{}', f_person = '{}'`;
    const ids = [...exact.keys()].slice(0, 10);
    expect([...(await profileTiers(ids)).values()]).toEqual(ids.map(() => 'LOST'));
    await t.server.services.rfm.refreshCuts();
    expect(await profileTiers(ids)).toEqual(new Map(ids.map((id) => [id, exact.get(id)])));
  });

  it('after each refresh, profile tiers and rfmTier rules equal rfm(now); between refreshes the two rule evaluators agree', async () => {
    for (let round = 0; round < 2; round++) {
      await t.server.services.rfm.refreshCuts();
      const exact = await exactTiers();
      expect(await profileTiers([...exact.keys()])).toEqual(exact);
      const seg = (await t.ok(CreateSegmentDocument, { input: { name: `champions ${round}`, rule: { attr: 'rfmTier', op: 'eq', value: 'CHAMPIONS' } } })).createSegment;
      const members = async () => (await t.ok(SegmentDetailDocument, { id: seg.id })).segment!.members.edges.map((e) => e.node.id).sort();
      expect(await members()).toEqual([...exact].filter(([, tier]) => tier === 'CHAMPIONS').map(([id]) => id).sort());

      // New orders (existing people and new ones) without a refresh: the cut points are stale, but the
      // incremental evaluator (on write) and the compiled rule (a new segment) read the same ones.
      await t.ok(RecordTouchpointsDocument, { input: orders([rnd.int(0, 46), rnd.int(0, 46), 100 + round], 8) });
      const stale = await profileTiers([...(await exactTiers()).keys()]);
      const again = (await t.ok(CreateSegmentDocument, { input: { name: `champions ${round} again`, rule: { attr: 'rfmTier', op: 'eq', value: 'CHAMPIONS' } } })).createSegment;
      const compiled = (await t.ok(SegmentDetailDocument, { id: again.id })).segment!.members.edges.map((e) => e.node.id).sort();
      expect(compiled).toEqual([...stale].filter(([, tier]) => tier === 'CHAMPIONS').map(([id]) => id).sort());
    }
  }, 240_000);
});
