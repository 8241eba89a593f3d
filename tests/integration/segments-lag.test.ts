/**
 * A subscriber that stops reading while a large recompute publishes is closed with 4410 as soon as
 * it is more than SUBSCRIBER_MAX_LAG events behind (not buffered without limit, never skipped over):
 * what it received before the close is the outbox in seq order with no gap, and resubscribing with
 * since = the last seq it received delivers the rest exactly once.
 *
 * "Stops reading" is a paused socket: the server's writes back up through both kernel buffers until
 * graphql-ws waits on each send, and the feed's queues fill behind it. The client keeps sending
 * (unsolicited) pongs, so graphql-ws's keep-alive sees a live peer and it is the lag, not the
 * keep-alive, that ends the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, RecomputeSegmentDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { rawSubscribe } from '../helpers/raw-ws.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/subscriptions.ts';

const MAX_LAG = 1_000; // the least SUBSCRIBER_MAX_LAG allowed
/**
 * Members the recompute adds, each carried with ~4 KB of traits: 16 MB in all, well over what
 * loopback's kernel buffers hold (~4 MB measured: about 1,000 of these) plus the ~1.5 × MAX_LAG
 * events the server holds for one subscriber before it closes it.
 */
const MEMBERS = 4_000;
const PAD = 4_000;
const WS_CLOSE_RESUME = 4410;

const CHANGES = `subscription($ids: [ID!], $since: String) {
  segmentMembershipChanged(segmentIds: $ids, since: $since) { seq change customer { id traits } }
}`;
type Change = { segmentMembershipChanged: { seq: string; change: string; customer: { id: string } | null } };

describe.each(dbKinds)('a subscriber that stops reading on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { subscriberMaxLag: MAX_LAG });
  }, 60_000);
  afterAll(() => t?.stop());

  async function outbox(segmentId: string): Promise<{ seq: string; customerId: string }[]> {
    const s = await t.db.session();
    try {
      return await s.query<{ seq: string; customerId: string }>(
        `SELECT seq::text AS seq, customer_id::text AS "customerId" FROM membership_change WHERE segment_id = $1::uuid ORDER BY membership_change.seq`,
        [segmentId],
      );
    } finally {
      await s.release();
    }
  }

  it('is closed with 4410 holding a gap-free prefix, and resumes with since to get the rest exactly once', { timeout: 120_000 }, async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Lagging', rule: { attr: 'country', op: 'eq', value: 'LG' } } })).createSegment;
    const s = await t.db.session();
    try {
      await s.exec(
        `INSERT INTO customer (id, country, traits, updated_at)
         SELECT gen_random_uuid(), 'LG', jsonb_build_object('pad', repeat('x', ${PAD})), now() FROM generate_series(1, ${MEMBERS})`,
      );
    } finally {
      await s.release();
    }

    const sub = await rawSubscribe<Change>(t.wsUrl, t.keys.ADMIN, CHANGES, { ids: [seg.id], since: null });
    let closedWith: number | null = null;
    void sub.closed.then((c) => (closedWith = c));
    await waitUntil(() => t.server.services.feed.listenerCount === 1, 15_000);

    sub.pause();
    const heartbeat = setInterval(() => sub.heartbeat(), 1_000);
    try {
      expect((await t.ok(RecomputeSegmentDocument, { id: seg.id })).recomputeSegment).toEqual({ entered: MEMBERS, left: 0 });
      // The server must notice while the client still reads nothing: its queues are full, not its memory.
      await waitUntil(() => t.server.services.feed.fellBehind === 1, 60_000).catch(() => {
        throw new Error(`the server never closed a subscriber that read nothing while ${MEMBERS} changes were published (fellBehind = ${t.server.services.feed.fellBehind})`);
      });
    } finally {
      clearInterval(heartbeat);
      sub.resume();
    }
    await waitUntil(() => closedWith !== null, 30_000);
    expect(closedWith).toBe(WS_CLOSE_RESUME);
    expect(sub.errors).toEqual([]);

    const all = await outbox(seg.id);
    expect(all).toHaveLength(MEMBERS);
    const before = sub.received.map((r) => r.segmentMembershipChanged);
    console.info(`${kind}: ${before.length} of ${MEMBERS} changes received before 4410`);
    // Fell behind: so it cannot have had everything, and it had at least what the kernel buffers held.
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(MEMBERS);
    // A prefix of the outbox: in seq order, nothing missing, nothing twice.
    expect(before.map((c) => ({ seq: c.seq, customerId: c.customer?.id }))).toEqual(all.slice(0, before.length));

    // Resume with since = the last seq received; a sentinel change after the rest proves nothing more comes twice.
    const resumed = await rawSubscribe<Change>(t.wsUrl, t.keys.ADMIN, CHANGES, { ids: [seg.id], since: before.at(-1)!.seq });
    const sentinel = (await t.ok(UpsertCustomersDocument, { input: [{ source: 'lag-test', externalId: 'sentinel', country: 'LG' }] })).upsertCustomers;
    const sentinelId = sentinel.results[0]!.customerId!;
    await waitUntil(() => resumed.received.some((r) => r.segmentMembershipChanged.customer?.id === sentinelId), 60_000).catch(() => {
      throw new Error(`resumed subscriber got ${resumed.received.length} changes, never the sentinel`);
    });
    resumed.close();
    expect(resumed.errors).toEqual([]);
    const after = resumed.received.map((r) => ({ seq: r.segmentMembershipChanged.seq, customerId: r.segmentMembershipChanged.customer?.id }));
    const withSentinel = await outbox(seg.id);
    expect(withSentinel).toHaveLength(MEMBERS + 1);
    expect(withSentinel.at(-1)!.customerId).toBe(sentinelId);
    expect(after).toEqual(withSentinel.slice(before.length));
  });
});
