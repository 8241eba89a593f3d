/**
 * Customer stats are kept incrementally on append (a batch adds its own rows) and recomputed from
 * scratch when a merged set changes. After any random sequence of batches (with resent messageIds,
 * events that link two people, hand merges and unmerges) every live customer's stats equal an
 * aggregate over their merged set's stored touchpoints, computed here independently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustomerByIdDocument,
  MergeCustomersDocument,
  RecordTouchpointsDocument,
  UnmergeCustomersDocument,
  type TouchpointInput,
} from '../generated/graphql.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { DAY_MS } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const BASE = Date.parse('2026-03-01T00:00:00Z');

interface Stats {
  touchpointCount: number;
  lifetimeValue: number;
  orderCount: number;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
}

describe.each(dbKinds)('incremental customer stats on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  async function reference(): Promise<Map<string, Stats>> {
    const rows = await t.db.prisma.$queryRaw<{ id: string; n: number; ltv: string; orders: number; first: Date | null; last: Date | null }[]>`
      SELECT l.id::text AS id, count(t.id)::int AS n, COALESCE(sum(t.revenue) FILTER (WHERE t.revenue > 0), 0)::text AS ltv,
             (count(t.id) FILTER (WHERE t.revenue > 0))::int AS orders, min(t.occurred_at) AS first, max(t.occurred_at) AS last
      FROM customer l
      LEFT JOIN customer m ON m.id = l.id OR m.merged_into_id = l.id
      LEFT JOIN touchpoint t ON t.customer_id = m.id
      WHERE l.merged_into_id IS NULL AND l.erased_at IS NULL
      GROUP BY l.id`;
    return new Map(
      rows.map((r) => [
        r.id,
        { touchpointCount: r.n, lifetimeValue: Number(r.ltv), orderCount: r.orders, firstSeenAt: r.first && new Date(r.first).toISOString(), lastSeenAt: r.last && new Date(r.last).toISOString() },
      ]),
    );
  }

  async function expectStatsMatch(step: string) {
    const ref = await reference();
    for (const [id, want] of ref) {
      const s = (await t.ok(CustomerByIdDocument, { id })).customer!.stats;
      const got = { touchpointCount: s.touchpointCount, lifetimeValue: s.lifetimeValue, orderCount: s.orderCount, firstSeenAt: s.firstSeenAt, lastSeenAt: s.lastSeenAt };
      expect(got, `${step}: customer ${id}`).toEqual(want);
    }
  }

  it('after random batches, duplicates, linking events, merges and unmerges, stats equal the from-scratch aggregate', async () => {
    const rnd = seededRandom(4242);
    const sent: TouchpointInput[] = [];
    const merges: string[] = [];
    let n = 0;
    for (let step = 0; step < 30; step++) {
      const action = rnd.int(0, 9);
      if (action <= 6) {
        const input: TouchpointInput[] = [];
        for (let k = rnd.int(1, 8); k > 0; k--) {
          // A resent event (same messageId, maybe different content) must not count twice.
          if (sent.length && rnd.chance(0.2)) {
            input.push({ ...sent[rnd.int(0, sent.length - 1)]!, revenue: 999 });
            continue;
          }
          const u = rnd.int(0, 11);
          const tp: TouchpointInput = {
            messageId: `m-${n++}`,
            event: rnd.chance(0.4) ? 'Order Completed' : 'Page Viewed',
            anonymousId: `anon-${u}`,
            // Sometimes the user id of another person's anonymous id: the two are linked (merged).
            ...(rnd.chance(0.15) ? { userId: `user-${rnd.int(0, 11)}` } : {}),
            occurredAt: new Date(BASE + rnd.int(-200, 200) * DAY_MS + rnd.int(0, 999)).toISOString(),
          };
          if (rnd.chance(0.5)) tp.revenue = rnd.int(-5, 300) + rnd.int(0, 99) / 100;
          input.push(tp);
          sent.push(tp);
        }
        await t.ok(RecordTouchpointsDocument, { input });
      } else if (action <= 8) {
        const live = [...(await reference()).keys()];
        if (live.length >= 2) {
          const [a, b] = [live[rnd.int(0, live.length - 1)]!, live[rnd.int(0, live.length - 1)]!];
          if (a !== b) {
            const r = await t.gql(MergeCustomersDocument, { winnerId: a, loserId: b, reason: 'test' });
            if (!r.errors && r.data?.mergeCustomers.status === 'MERGED') merges.push(r.data.mergeCustomers.id);
          }
        }
      } else if (merges.length) {
        const id = merges.splice(rnd.int(0, merges.length - 1), 1)[0]!;
        await t.gql(UnmergeCustomersDocument, { mergeId: id });
      }
      await expectStatsMatch(`step ${step}`);
    }
  });

  it('a batch adds only its own rows: it does not re-aggregate the customer history', async () => {
    const user = 'history-user';
    await t.ok(RecordTouchpointsDocument, {
      input: [1, 2, 3].map((i) => ({ messageId: `h-${i}`, event: 'Order Completed', userId: user, revenue: 10, occurredAt: new Date(BASE + i * DAY_MS).toISOString() })),
    });
    const id = (await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'h-4', event: 'Page Viewed', userId: user, occurredAt: new Date(BASE + 4 * DAY_MS).toISOString() }] }))
      .recordTouchpoints.results[0]!.customerId!;
    // Change history behind the stats' back: a from-scratch recompute on the next batch would see it.
    await t.db.prisma.$executeRaw`UPDATE touchpoint SET revenue = 1000 WHERE message_id = 'h-1'`;
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'h-5', event: 'Order Completed', userId: user, revenue: 5, occurredAt: new Date(BASE + 5 * DAY_MS).toISOString() }] });
    const s = (await t.ok(CustomerByIdDocument, { id })).customer!.stats;
    expect({ touchpointCount: s.touchpointCount, lifetimeValue: s.lifetimeValue, orderCount: s.orderCount }).toEqual({ touchpointCount: 5, lifetimeValue: 35, orderCount: 4 });
  });
});
