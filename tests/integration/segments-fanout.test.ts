/**
 * Live delivery at scale and under concurrency: one change fanned out to 1,000 subscribers costs one
 * load, and seq follows commit order even when writers commit concurrently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, MembershipChangedDocument, RecordTouchpointsDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import type { Db } from '../../src/db/client.ts';
import { dbKinds } from '../helpers/databases.ts';
import { countStatements, startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';
import { membershipRepository } from '../../src/modules/segments/membership.repository.ts';
import { Topic } from '../../src/pubsub/topics.ts';

describe.each(dbKinds)('membership fan-out on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('loads each change once for 1,000 subscribers', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Fans', rule: { event: 'Post Liked' } } })).createSegment;
    // 10 connections × 100 subscriptions each (graphql-ws multiplexes operations on one socket).
    const subs = Array.from({ length: 10 }, () => t.wsClient()).flatMap((client) =>
      Array.from({ length: 100 }, () => collect(client, MembershipChangedDocument, { segmentIds: [seg.id] })),
    );
    await waitUntil(() => t.server.services.feed.listenerCount === 1000, 30_000);
    const enrichmentsBefore = t.server.services.feed.enrichments;
    const { statements } = await countStatements(t.db, async () => {
      await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'like-1', event: 'Post Liked', userId: 'fan-1', channel: 'SOCIAL' }] });
      await Promise.all(subs.map((s) => s.waitFor(1, 30_000)));
    });
    for (const s of subs) expect(s.received[0]!.segmentMembershipChanged).toMatchObject({ change: 'ENTERED', customer: { id: expect.any(String) }, segment: { id: seg.id } });
    expect(t.server.services.feed.enrichments - enrichmentsBefore).toBe(1);
    // The write itself is a fixed number of statements, and delivery adds one load of the customer and
    // segment for all 1,000 subscribers: nothing here grows with the number of subscribers.
    expect(statements.length).toBeLessThan(60);
    subs.forEach((s) => s.dispose());
    await waitUntil(() => t.server.services.feed.listenerCount === 0);
  });

  it('seq follows commit order: a reader that resumes from the highest seq it saw never misses one', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Racers', rule: { hasTag: 'never-set' } } })).createSegment;
    const people = (await t.ok(UpsertCustomersDocument, { input: [{ externalId: 'race-a' }, { externalId: 'race-b' }] })).upsertCustomers.results.map((r) => r.customerId!);
    const enter = (customerId: string) => (tx: Db) =>
      membershipRepository.applyMany(tx, { segmentIds: [seg.id], candidates: [customerId], desired: [{ segmentId: seg.id, customerId }], kind: 'test', versions: {}, triggers: {}, at: new Date() });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Writer A takes its seq first and commits late; writer B starts after A has its seq.
    const a = t.db.prisma.$transaction(async (tx) => {
      const rows = await enter(people[0]!)(tx);
      await sleep(400);
      return rows;
    });
    await sleep(100);
    const b = await t.db.prisma.$transaction(enter(people[1]!));
    // A reader that looks the moment B is visible and would resume after the highest seq it saw.
    const seenWhenBCommitted = await membershipRepository.changesAfter(t.db.prisma, { segmentIds: [seg.id], afterSeq: -1n, limit: 100 });
    const aRows = await a;
    const resumeAfter = seenWhenBCommitted.reduce((m, c) => (BigInt(c.seq) > m ? BigInt(c.seq) : m), -1n);
    const all = await membershipRepository.changesAfter(t.db.prisma, { segmentIds: [seg.id], afterSeq: -1n, limit: 100 });
    expect(all).toHaveLength(2);
    expect(BigInt(aRows[0]!.seq)).toBeLessThan(BigInt(b[0]!.seq));
    // Everything at or below the resume point was already visible: nothing committed "behind" it.
    const visible = new Set(seenWhenBCommitted.map((c) => c.seq));
    for (const c of all) if (BigInt(c.seq) <= resumeAfter) expect(visible.has(c.seq)).toBe(true);
  });

  it('keeps the live stream in seq order when commits are published out of order', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Ordered', rule: { hasTag: 'never-set-either' } } })).createSegment;
    const people = (await t.ok(UpsertCustomersDocument, { input: [{ externalId: 'ord-a' }, { externalId: 'ord-b' }] })).upsertCustomers.results.map((r) => r.customerId!);
    const sub = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id] });
    await waitUntil(() => t.server.services.feed.listenerCount > 0);
    const enter = (customerId: string) => (tx: Db) =>
      membershipRepository.applyMany(tx, { segmentIds: [seg.id], candidates: [customerId], desired: [{ segmentId: seg.id, customerId }], kind: 'test', versions: {}, triggers: {}, at: new Date() });
    // Two committed writers whose publishes race: the later commit is published first.
    const a = await t.db.prisma.$transaction(enter(people[0]!));
    const b = await t.db.prisma.$transaction(enter(people[1]!));
    const payload = (rows: typeof a) => ({ changes: rows.map((c) => ({ ...c, at: c.at.toISOString() })) });
    await t.server.services.pubsub.publish(Topic.MEMBERSHIP_CHANGED, payload(b));
    await t.server.services.pubsub.publish(Topic.MEMBERSHIP_CHANGED, payload(a));
    const got = await sub.waitFor(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.received.map((e) => e.segmentMembershipChanged.seq)).toEqual([a[0]!.seq, b[0]!.seq]);
    expect(got.map((e) => e.segmentMembershipChanged.customer!.id)).toEqual(people);
    sub.dispose();
  });
});
