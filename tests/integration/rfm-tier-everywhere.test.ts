/**
 * The RFM tier is one thing wherever it shows: the rfm() analysis, customer.rfmTier, and the rfmTier
 * attribute of segment rules (computed by both evaluators) all agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, CustomerRfmTierDocument, RecordTouchpointsDocument, RfmDocument, SegmentDetailDocument, type TouchpointInput } from '../generated/graphql.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { DAY_MS, testClock } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const NOW = '2026-05-01T00:00:00.000Z';

describe.each(dbKinds)('rfm tier on profiles and in rules on %s', (kind) => {
  let t: TestServer;
  const clock = testClock(NOW);
  beforeAll(async () => {
    t = await startTestServer(kind, {}, { clock: clock.now });
    const rnd = seededRandom(11);
    const input: TouchpointInput[] = [];
    for (let p = 0; p < 60; p++) {
      const orders = rnd.int(1, 6);
      for (let k = 0; k < orders; k++) {
        input.push({
          messageId: `rfm-${p}-${k}`,
          event: 'Order Completed',
          userId: `rfm-user-${p}`,
          revenue: rnd.int(10, 500),
          occurredAt: new Date(Date.parse(NOW) - rnd.int(1, 300) * DAY_MS).toISOString(),
        });
      }
    }
    const r = (await t.ok(RecordTouchpointsDocument, { input })).recordTouchpoints;
    expect(r.accepted).toBe(input.length);
  });
  afterAll(() => t?.stop());

  it('customer.rfmTier and rfmTier rules give the tiers of the rfm analysis', async () => {
    const all = (await t.ok(RfmDocument, { asOf: NOW, first: 100 })).rfm;
    expect(all.customersScored).toBe(60);
    const tierOf = new Map(all.edges.map((e) => [e.node.customerId, e.node.tier]));
    for (const [id, tier] of [...tierOf].slice(0, 15)) {
      expect((await t.ok(CustomerRfmTierDocument, { id })).customer!.rfmTier).toBe(tier);
    }
    const biggest = [...all.tiers].sort((a, b) => b.customers - a.customers)[0]!;
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: `Tier ${biggest.tier}`, rule: { attr: 'rfmTier', op: 'eq', value: biggest.tier } } })).createSegment;
    const members = (await t.ok(SegmentDetailDocument, { id: seg.id })).segment!.members.edges.map((e) => e.node.id).sort();
    expect(members).toEqual([...tierOf].filter(([, tier]) => tier === biggest.tier).map(([id]) => id).sort());
    expect(members.length).toBe(biggest.customers);

    // A new order moves someone up in recency; the incremental evaluator sees the new tier at once.
    const someone = [...tierOf].find(([, tier]) => tier !== 'CHAMPIONS')![0];
    const user = all.edges.find((e) => e.node.customerId === someone)!.node.customer!.identities.find((i) => i.type === 'USER_ID')!.value;
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'rfm-new', event: 'Order Completed', userId: user, revenue: 5000, occurredAt: NOW }] });
    const after = (await t.ok(RfmDocument, { asOf: NOW, first: 100 })).rfm;
    const newTier = after.edges.find((e) => e.node.customerId === someone)!.node.tier;
    expect((await t.ok(CustomerRfmTierDocument, { id: someone })).customer!.rfmTier).toBe(newTier);
    const inSeg = (await t.ok(SegmentDetailDocument, { id: seg.id })).segment!.members.edges.some((e) => e.node.id === someone);
    expect(inSeg).toBe(newTier === biggest.tier);
  });
});
