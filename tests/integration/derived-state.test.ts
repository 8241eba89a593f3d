/**
 * Derived state follows what it is derived from: rule tags expire with their time windows, creating a
 * rule tag updates the segments that say hasTag on it, a segment that says inSegment follows the
 * referenced segment when that one changes by a recompute or a clock move, and concurrent edits of
 * one segment each get their own version (tags: tags.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  CreateTagDocument,
  RecordTouchpointsDocument,
  SegmentDetailDocument,
  TagsDocument,
  UpdateSegmentDocument,
  UpsertCustomersDocument,
} from '../generated/graphql.ts';
import { DAY_MS, testClock } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('derived state on %s', (kind) => {
  const clock = testClock('2026-03-01T12:00:00Z');
  let t: TestServer;
  let ids: string[];
  beforeAll(async () => {
    t = await startTestServer(kind, { segmentRecheckMs: 100 }, { clock: clock.now });
    const r = await t.ok(UpsertCustomersDocument, { input: ['a', 'b', 'c'].map((x) => ({ source: 'ds', externalId: x, country: x === 'c' ? 'DE' : 'CN' })) });
    ids = r.upsertCustomers.results.map((x) => x.customerId!);
  });
  afterAll(() => t?.stop());

  const members = async (id: string) => (await t.ok(SegmentDetailDocument, { id })).segment!.members.edges.map((e) => e.node.id).sort();
  const tagCount = async (key: string) => (await t.ok(TagsDocument, {})).tags.find((x) => x.key === key)?.memberCount;
  /** Polls until `read` gives `expected` (the re-check runs on its own timer); then compares for the message. */
  const eventually = async <T>(read: () => Promise<T>, expected: T) => {
    let last: T | undefined;
    const poll = async () => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        last = await read();
        if (JSON.stringify(last) === JSON.stringify(expected)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await poll();
    expect(last).toEqual(expected);
  };

  it('a rule tag with a time window expires, and hasTag segments follow it', async () => {
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'ds-1', userId: 'ds-user', event: 'Login', occurredAt: clock.now().toISOString() }] });
    await t.ok(CreateTagDocument, { input: { key: 'active', name: 'Active', rule: { event: 'Login', withinDays: 2 } } });
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'tagged active', rule: { hasTag: 'active' } } })).createSegment;
    expect(await tagCount('active')).toBe(1);
    expect((await members(seg.id)).length).toBe(1);
    clock.advance(3 * DAY_MS);
    await eventually(() => tagCount('active'), 0);
    await eventually(() => members(seg.id), []);
  });

  it('creating a rule tag re-evaluates the segments that say hasTag on it', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'germans by tag', rule: { hasTag: 'de' } } })).createSegment;
    expect(await members(seg.id)).toEqual([]);
    await t.ok(CreateTagDocument, { input: { key: 'de', name: 'Germany', rule: { attr: 'country', op: 'eq', value: 'DE' } } });
    expect(await members(seg.id)).toEqual([ids[2]]);
  });

  it('a segment saying inSegment follows the referenced segment through rule changes and clock moves', async () => {
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'ds-2', userId: 'ds-user-2', event: 'Order Completed', occurredAt: clock.now().toISOString() }] });
    const buyers = (await t.ok(CreateSegmentDocument, { input: { name: 'recent buyers', rule: { event: 'Order Completed', withinDays: 2 } } })).createSegment;
    const outer = (await t.ok(CreateSegmentDocument, { input: { name: 'not recent buyers', rule: { not: { inSegment: buyers.id } } } })).createSegment;
    const all = (await t.db.prisma.$queryRaw<{ id: string }[]>`SELECT id::text FROM customer WHERE merged_into_id IS NULL`).map((r) => r.id).sort();
    const buyer = (await members(buyers.id))[0]!;
    expect(await members(outer.id)).toEqual(all.filter((id) => id !== buyer));
    // A rule change of the referenced segment reaches the referrer in the same write.
    await t.ok(UpdateSegmentDocument, { id: buyers.id, input: { rule: { attr: 'country', op: 'eq', value: 'DE' } } });
    expect(await members(outer.id)).toEqual(all.filter((id) => id !== ids[2]));
    await t.ok(UpdateSegmentDocument, { id: buyers.id, input: { rule: { event: 'Order Completed', withinDays: 2 } } });
    expect(await members(outer.id)).toEqual(all.filter((id) => id !== buyer));
    // Time: the buyer's order leaves the window, so they leave buyers and enter the referrer.
    clock.advance(3 * DAY_MS);
    await eventually(() => members(outer.id), all);
  });

  it('ten concurrent updates of one segment give ten versions', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'busy', rule: { attr: 'country', op: 'eq', value: 'CN' } } })).createSegment;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.gql(UpdateSegmentDocument, { id: seg.id, input: { name: `busy ${i}`, rule: { attr: 'orderCount', op: 'gte', value: i } } })),
    );
    expect(results.map((r) => r.errors ?? null)).toEqual(Array(10).fill(null));
    expect(results.map((r) => r.data!.updateSegment.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const detail = (await t.ok(SegmentDetailDocument, { id: seg.id })).segment!;
    expect(detail.versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
