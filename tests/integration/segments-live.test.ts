import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  CustomerSegmentsDocument,
  MembershipChangedDocument,
  PreviewSegmentDocument,
  RecordTouchpointsDocument,
  SegmentDetailDocument,
  SegmentRuleSchemaDocument,
  UpdateSegmentDocument,
  UpsertCustomersDocument,
} from '../generated/graphql.ts';
import { DAY_MS, testClock } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';

const START = '2026-06-01T12:00:00Z';

describe.each(dbKinds)('segments kept live on %s', (kind) => {
  let t: TestServer;
  const clock = testClock(START);
  beforeAll(async () => {
    t = await startTestServer(kind, { segmentRecheckMs: 100 }, { clock: clock.now });
  });
  afterAll(() => t?.stop());

  const view = (i: number, user: string, at: Date) => ({ messageId: `${user}-view-${i}-${at.getTime()}`, type: 'PAGE' as const, event: 'Page Viewed', userId: user, channel: 'WEB' as const, occurredAt: at.toISOString() });

  it('rejects a bad rule with BAD_RULE and the path of the offending node', async () => {
    const r = await t.gql(CreateSegmentDocument, {
      input: { name: 'bad', rule: { and: [{ attr: 'country', op: 'eq', value: 'CN' }, { event: 'X', count: { op: 'between', value: 1 } }] } },
    });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_RULE', path: '$.and[1].count.op' });
    const schema = (await t.ok(SegmentRuleSchemaDocument, {})).segmentRuleSchema as Record<string, unknown>;
    expect(JSON.stringify(schema)).toContain('withinDays');
  });

  it('pushes ENTERED when an event crosses the threshold, and LEFT when the window passes with no write', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Engaged', rule: { event: 'Page Viewed', count: { op: 'gt', value: 2 }, withinDays: 7 } } })).createSegment;
    const sub = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id] });
    await waitUntil(() => t.server.services.feed.listenerCount > 0);

    const now = clock.now();
    await t.ok(RecordTouchpointsDocument, { input: [view(1, 'eve', new Date(now.getTime() - 3 * DAY_MS)), view(2, 'eve', new Date(now.getTime() - 2 * DAY_MS))] });
    const crossing = (await t.ok(RecordTouchpointsDocument, { input: [view(3, 'eve', new Date(now.getTime() - DAY_MS))] })).recordTouchpoints;
    const [entered] = await sub.waitFor(1);
    expect(entered!.segmentMembershipChanged).toMatchObject({
      change: 'ENTERED',
      segment: { id: seg.id, name: 'Engaged' },
      customer: { id: crossing.results[0]!.customerId },
      reason: { kind: 'touchpoint', ruleVersion: 1, trigger: { messageId: expect.stringContaining('eve-view-3') } },
    });
    const profile = await t.ok(CustomerSegmentsDocument, { id: crossing.results[0]!.customerId! });
    expect(profile.customer!.segments.map((s) => s.name)).toEqual(['Engaged']);

    // Five days later the first view is out of the 7-day window: two left, not more than two.
    clock.advance(5 * DAY_MS);
    const [, left] = await sub.waitFor(2);
    expect(left!.segmentMembershipChanged).toMatchObject({ change: 'LEFT', reason: { kind: 'schedule' }, customer: { id: crossing.results[0]!.customerId } });
    expect(BigInt(left!.segmentMembershipChanged.seq)).toBeGreaterThan(BigInt(entered!.segmentMembershipChanged.seq));
    sub.dispose();
  });

  it('a subscriber that reconnects with the last seq it saw gets exactly the changes it missed, once', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Shoppers', rule: { event: 'Order Completed' } } })).createSegment;
    const first = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id] });
    await waitUntil(() => t.server.services.feed.listenerCount > 0);
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'o-1', event: 'Order Completed', userId: 'buyer-1' }] });
    const [seen] = await first.waitFor(1);
    first.dispose();
    await waitUntil(() => t.server.services.feed.listenerCount === 0);

    // While nobody listens, two more people buy.
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'o-2', event: 'Order Completed', userId: 'buyer-2' }] });
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'o-3', event: 'Order Completed', userId: 'buyer-3' }] });

    const resumed = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id], since: seen!.segmentMembershipChanged.seq });
    const replayed = await resumed.waitFor(2);
    // And one more live, right after the replay.
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'o-4', event: 'Order Completed', userId: 'buyer-4' }] });
    const all = await resumed.waitFor(3);
    await new Promise((r) => setTimeout(r, 300)); // nothing further arrives: no duplicates
    expect(resumed.received).toHaveLength(3);
    const seqs = all.map((e) => BigInt(e.segmentMembershipChanged.seq));
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    expect(new Set(seqs).size).toBe(3);
    expect(replayed.slice(0, 2).map((e) => e.segmentMembershipChanged.change)).toEqual(['ENTERED', 'ENTERED']);
    const detail = (await t.ok(SegmentDetailDocument, { id: seg.id, since: seen!.segmentMembershipChanged.seq })).segment!;
    expect(detail.changes.nodes.map((n) => n.seq)).toEqual(all.map((e) => e.segmentMembershipChanged.seq));
    expect(detail.size).toBe(4);
    resumed.dispose();
  });

  it('previewSegment answers without changing the database; updates make versions', async () => {
    await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'P-1', country: 'CN' }, { source: 'crm', externalId: 'P-2', country: 'FR' }] });
    const counts = async () => {
      const p = t.db.prisma;
      return Promise.all([p.segment.count(), p.segmentVersion.count(), p.segmentMembership.count(), p.membershipChange.count(), p.customer.count()]);
    };
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'China', rule: { attr: 'country', op: 'eq', value: 'CN' } } })).createSegment;
    const before = await counts();
    const preview = (await t.ok(PreviewSegmentDocument, { rule: { attr: 'country', op: 'in', value: ['CN', 'FR'] }, compareTo: seg.id })).previewSegment;
    expect(preview).toMatchObject({ size: 2, entering: 1, leaving: 0 });
    expect(preview.sampleIds).toHaveLength(2);
    expect(await counts()).toEqual(before);

    const updated = (await t.ok(UpdateSegmentDocument, { id: seg.id, input: { rule: { attr: 'country', op: 'in', value: ['CN', 'FR'] } } })).updateSegment;
    expect(updated.version).toBe(2);
    const detail = (await t.ok(SegmentDetailDocument, { id: seg.id })).segment!;
    expect(detail.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(detail.size).toBe(2);
    expect(detail.changes.nodes.map((n) => [n.change, n.reason.kind, n.reason.ruleVersion])).toEqual([
      ['ENTERED', 'created', 1],
      ['ENTERED', 'rule_changed', 2],
    ]);
  });
});
