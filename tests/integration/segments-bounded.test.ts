/**
 * Work that must not grow with the size of a segment: a 100,000-member recompute is published in
 * bounded messages, previews count in SQL, a subscriber that falls behind is closed with 4410 and
 * resumes with `since` (never a silent gap), and an outbox older than OUTBOX_RETENTION_DAYS is pruned
 * with SINCE_EXPIRED for a `since` it no longer covers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, PreviewSegmentDocument, RecomputeSegmentDocument, RecordTouchpointsDocument, SegmentDetailDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { rawSubscribe, type RawSubscription } from '../helpers/raw-ws.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { waitUntil } from '../helpers/subscriptions.ts';

const MEMBERS = 100_000;
const SUBSCRIBER_MAX_LAG = 2_000;
const WS_CLOSE_RESUME = 4410;

const CHANGES = `subscription($ids: [ID!], $since: String) {
  segmentMembershipChanged(segmentIds: $ids, since: $since) { seq change customer { id email country createdAt } }
}`;
type Change = { segmentMembershipChanged: { seq: string; change: string; customer: { id: string } | null } };

async function until(check: () => boolean, timeoutMs: number, what: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Bucket counts of one histogram from /metrics text. */
function histogram(text: string, name: string) {
  const buckets = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))) buckets.set(m[1]!, Number(m[2]));
  const count = Number(new RegExp(`^${name}_count (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { buckets, count };
}

describe('a 100,000-member segment on PostgreSQL', () => {
  if (!dbKinds.includes('postgres')) {
    it.skip('needs TEST_DATABASE_URL (PGlite is one in-process connection; the size test is for PostgreSQL)', () => {});
    return;
  }
  let t: TestServer;
  let reference: string[];
  beforeAll(async () => {
    t = await startTestServer('postgres', { subscriberMaxLag: SUBSCRIBER_MAX_LAG });
  }, 60_000);
  afterAll(() => t?.stop());

  it('recompute publishes bounded messages; a subscriber gets every change exactly once in seq order, resuming with since when closed 4410', { timeout: 240_000 }, async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Big', rule: { attr: 'country', op: 'eq', value: 'ZZ' } } })).createSegment;
    // 100,000 customers in one statement: the setup is not what is under test.
    const s = await t.db.session();
    try {
      await s.exec(`INSERT INTO customer (id, country, updated_at) SELECT gen_random_uuid(), 'ZZ', now() FROM generate_series(1, ${MEMBERS})`);
      reference = (await s.query<{ id: string }>(`SELECT id::text AS id FROM customer WHERE country = 'ZZ' ORDER BY id`)).map((r) => r.id);
    } finally {
      await s.release();
    }
    expect(reference).toHaveLength(MEMBERS);

    // A subscriber that keeps reading, and resumes with since whenever it is closed for falling behind.
    const got: Change['segmentMembershipChanged'][] = [];
    const closes: number[] = [];
    let current: RawSubscription<Change> | null = null;
    const reader = (async () => {
      let since: string | null = '0';
      while (got.length < MEMBERS) {
        const sub: RawSubscription<Change> = await rawSubscribe<Change>(t.wsUrl, t.keys.ADMIN, CHANGES, { ids: [seg.id], since });
        current = sub;
        let taken = 0;
        let closedWith: number | null = null;
        void sub.closed.then((c) => (closedWith = c));
        for (;;) {
          while (taken < sub.received.length) got.push(sub.received[taken++]!.segmentMembershipChanged);
          if (sub.errors.length) throw new Error(`subscription error: ${JSON.stringify(sub.errors)}`);
          if (got.length >= MEMBERS || closedWith !== null) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        while (taken < sub.received.length) got.push(sub.received[taken++]!.segmentMembershipChanged);
        if (closedWith === null) break;
        closes.push(closedWith);
        expect(closedWith).toBe(WS_CLOSE_RESUME);
        since = got.at(-1)?.seq ?? since;
      }
    })();
    let readerError: unknown = null;
    reader.catch((e) => (readerError = e));
    await waitUntil(() => t.server.services.feed.listenerCount === 1, 15_000);
    const recomputed = (await t.ok(RecomputeSegmentDocument, { id: seg.id })).recomputeSegment;
    expect(recomputed).toEqual({ entered: MEMBERS, left: 0 });

    await until(() => {
      if (readerError) throw readerError;
      return got.length >= MEMBERS;
    }, 180_000, () => `received ${got.length} of ${MEMBERS} (closes: ${closes.join(',')})`);
    await reader;
    (current as RawSubscription<Change> | null)?.close();
    // Exactly once, in seq order, every member.
    const seqs = got.map((c) => BigInt(c.seq));
    for (let i = 1; i < seqs.length; i++) if (seqs[i]! <= seqs[i - 1]!) throw new Error(`seq order broken at ${i}: ${seqs[i - 1]} then ${seqs[i]}`);
    expect(got.every((c) => c.change === 'ENTERED')).toBe(true);
    expect(got.map((c) => c.customer?.id).sort()).toEqual(reference);

    console.info(`100k recompute: subscriber closed ${closes.length} time(s) with 4410 and resumed`);
    // No message carried more than a chunk of changes; and at least MEMBERS / chunk of them were sent.
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const h = histogram(metrics, 'cdp_membership_publish_changes');
    expect(h.count).toBeGreaterThanOrEqual(MEMBERS / 1000);
    expect(h.buckets.get('1000')).toBe(h.count);
  });

  it('preview counts and samples in SQL', { timeout: 60_000 }, async () => {
    const segs = (await t.ok(SegmentDetailDocument, { id: (await t.gql<{ segments: { id: string; name: string }[] }, never>('{ segments { id name } }')).data!.segments.find((x) => x.name === 'Big')!.id })).segment!;
    expect(segs.size).toBe(MEMBERS);
    const same = (await t.ok(PreviewSegmentDocument, { rule: { attr: 'country', op: 'eq', value: 'ZZ' }, compareTo: segs.id })).previewSegment;
    expect(same).toEqual({ size: MEMBERS, sampleIds: reference.slice(0, 20), entering: 0, leaving: 0 });
    const none = (await t.ok(PreviewSegmentDocument, { rule: { attr: 'country', op: 'eq', value: 'YY' }, compareTo: segs.id })).previewSegment;
    expect(none).toEqual({ size: 0, sampleIds: [], entering: 0, leaving: MEMBERS });
  });
});

describe.each(dbKinds)('outbox retention on %s', (kind) => {
  let t: TestServer;
  let now = new Date('2026-03-01T00:00:00Z');
  beforeAll(async () => {
    t = await startTestServer(kind, { outbox: { retentionDays: 7, pruneMs: 100 } }, { clock: () => now });
  }, 60_000);
  afterAll(() => t?.stop());

  it('prunes changes older than OUTBOX_RETENTION_DAYS; a since it no longer covers gets SINCE_EXPIRED', { timeout: 60_000 }, async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Old', rule: { event: 'Retained' } } })).createSegment;
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'r-1', event: 'Retained', userId: 'ret-1', occurredAt: now.toISOString() }] });
    const first = (await t.ok(SegmentDetailDocument, { id: seg.id, since: '0' })).segment!.changes;
    expect(first.nodes).toHaveLength(1);
    const oldSeq = first.nodes[0]!.seq;

    now = new Date(now.getTime() + 8 * 86_400_000);
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'r-2', event: 'Retained', userId: 'ret-2', occurredAt: now.toISOString() }] });
    // Wait for the pruning job to pass the old change.
    let expired: { extensions?: Record<string, unknown> }[] | undefined;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await t.gql(SegmentDetailDocument, { id: seg.id, since: '0' });
      if (r.errors?.length) {
        expired = r.errors;
        break;
      }
      if (Date.now() > deadline) throw new Error(`never expired: ${JSON.stringify(r.data)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(expired![0]!.extensions).toMatchObject({ code: 'SINCE_EXPIRED' });
    // From the last seq seen before the prune horizon onward, nothing is missing: the newer change is there.
    const resumed = (await t.ok(SegmentDetailDocument, { id: seg.id, since: oldSeq })).segment!.changes;
    expect(resumed.nodes.map((n) => n.customerId)).toHaveLength(1);

    const sub = await rawSubscribe<Change>(t.wsUrl, t.keys.ADMIN, CHANGES, { ids: [seg.id], since: '0' });
    await until(() => sub.errors.length > 0, 15_000, () => 'no error for an expired since');
    expect(sub.errors[0]).toMatchObject({ extensions: { code: 'SINCE_EXPIRED' } });
    sub.close();
  });
});
