import 'reflect-metadata'; // segment.service.ts (RECHECK_CHUNK) loads type-graphql classes
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
import { membershipRepository } from '../../src/modules/segments/membership.repository.ts';
import { RECHECK_CHUNK } from '../../src/modules/segments/segment.service.ts';
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

  it('a since beyond the largest seq (bigint) is BAD_USER_INPUT on since, over HTTP and WebSocket', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Far ahead', rule: { event: 'Far Ahead' } } })).createSegment;
    const beyond = '9999999999999999999'; // 19 digits, more than 9223372036854775807
    const http = await t.gql(SegmentDetailDocument, { id: seg.id, since: beyond });
    expect(http.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'since' })]);
    const sub = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id], since: beyond });
    await waitUntil(() => sub.errors.length > 0);
    expect(sub.errors.flat()).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'since' }) })]);
    expect(JSON.stringify(sub.errors)).not.toMatch(/bigint|out of range|Invalid|prisma/i);
    // The largest seq itself is a seq: nothing after it, no error.
    const last = (await t.ok(SegmentDetailDocument, { id: seg.id, since: '9223372036854775807' })).segment!.changes;
    expect(last).toEqual({ lastSeq: '9223372036854775807', hasMore: false, nodes: [] });
  });

  it('segmentIds written in upper case get their segments\' changes, replayed and live', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Loud', rule: { event: 'Shouted' } } })).createSegment;
    const from = (await t.ok(SegmentDetailDocument, { id: seg.id })).segment!.changes.lastSeq ?? '0';
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'loud-1', event: 'Shouted', userId: 'loud-1' }] });
    const upper = seg.id.toUpperCase();
    expect(upper).not.toBe(seg.id);
    const before = t.server.services.feed.listenerCount;
    const replayed = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [upper], since: from });
    const live = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [upper] });
    await waitUntil(() => t.server.services.feed.listenerCount >= before + 2);
    await replayed.waitFor(1);
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'loud-2', event: 'Shouted', userId: 'loud-2' }] });
    const both = await replayed.waitFor(2);
    const [second] = await live.waitFor(1);
    expect(both.map((e) => [e.segmentMembershipChanged.change, e.segmentMembershipChanged.segment?.id])).toEqual([
      ['ENTERED', seg.id],
      ['ENTERED', seg.id],
    ]);
    expect(second!.segmentMembershipChanged.seq).toBe(both[1]!.segmentMembershipChanged.seq);
    replayed.dispose();
    live.dispose();
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

describe.each(dbKinds)('the time re-check on %s', (kind) => {
  let t: TestServer;
  let now = new Date(START).getTime();
  let ticking = false;
  // While ticking, every read of the clock moves it on a second, so the `at` of a change tells when
  // its evaluation read the time.
  const clock = () => {
    const at = new Date(now);
    if (ticking) now += 1000;
    return at;
  };
  beforeAll(async () => {
    t = await startTestServer(kind, { segmentRecheckMs: 3_600_000 }, { clock });
  });
  afterAll(() => t?.stop());

  const CHANGES = `query($id: ID!, $since: String) { segment(id: $id) { changes(since: $since, first: 1000) { lastSeq nodes { seq change at reason } } } }`;
  type Changes = { segment: { changes: { lastSeq: string | null; nodes: { seq: string; change: string; at: string; reason: { kind: string } }[] } } };

  // A write that commits while the re-check runs evaluates its customers at a later time than the
  // re-check started: a chunk that then evaluated them at the start time could undo that write. The
  // race itself cannot be timed from outside, so this shows what prevents it: each chunk of the
  // re-check reads the clock after it holds the outbox lock.
  it('evaluates each chunk at the time read under its lock, not the time the re-check started', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Seen today', rule: { event: 'Seen', withinDays: 1 } } })).createSegment;
    const people = RECHECK_CHUNK + 20; // two chunks
    const seenAt = new Date(now - 3_600_000).toISOString();
    await t.ok(RecordTouchpointsDocument, { input: Array.from({ length: people }, (_, i) => ({ messageId: `seen-${i}`, event: 'Seen', userId: `seen-${i}`, occurredAt: seenAt })) });
    const entered = (await t.gql<Changes, { id: string }>(CHANGES, { id: seg.id })).data!.segment.changes;
    expect(entered.nodes).toHaveLength(people);

    now += 2 * DAY_MS; // everyone's view is now out of the window
    const started = now;
    const locked: number[] = []; // the clock, unread, each time the outbox lock is held
    const lockOutbox = membershipRepository.lockOutbox;
    membershipRepository.lockOutbox = async (tx) => {
      await lockOutbox.call(membershipRepository, tx);
      locked.push(now);
    };
    ticking = true;
    try {
      expect(await t.server.services.segments.recheckTimeDependent()).toBe(people);
    } finally {
      ticking = false;
      membershipRepository.lockOutbox = lockOutbox;
    }

    const left = (await t.gql<Changes, { id: string; since: string }>(CHANGES, { id: seg.id, since: entered.lastSeq! })).data!.segment.changes.nodes;
    expect(left).toHaveLength(people);
    expect(new Set(left.map((c) => `${c.change} ${c.reason.kind}`))).toEqual(new Set(['LEFT schedule']));
    const chunks = [left.slice(0, RECHECK_CHUNK), left.slice(RECHECK_CHUNK)];
    const ats = chunks.map((chunk) => {
      const times = new Set(chunk.map((c) => Date.parse(c.at)));
      expect(times.size).toBe(1); // one evaluation time per chunk
      return [...times][0]!;
    });
    // Each chunk's time was read after its lock was held: after the start, and after the chunk before.
    const [first, second] = ats as [number, number];
    expect(first).toBeGreaterThan(started);
    expect(second).toBeGreaterThan(first);
    expect(locked.some((at) => at > started && at <= first)).toBe(true);
    expect(locked.some((at) => at > first && at <= second)).toBe(true);
  });
});
