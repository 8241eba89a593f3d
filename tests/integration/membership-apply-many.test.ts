/**
 * The live membership write (membershipRepository.applyMany) on both of its plans: up to
 * HASHED_PAIRS_MAX desired pairs it finds the members who left with a hashed NOT IN, above it with
 * NOT EXISTS (a NOT IN too large to hash would be re-scanned for every row). Either way the stored
 * membership of the candidates becomes the desired pairs, and the changes written are exactly the
 * differences, computed here with plain sets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASHED_PAIRS_MAX, membershipRepository } from '../../src/modules/segments/membership.repository.ts';
import { CreateSegmentDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SEGMENTS = 30;
const CUSTOMERS = 1_000;

/** A deterministic pseudo-random choice of pairs, about `share` of all. */
function choose(segmentIds: string[], customerIds: string[], share: number, seed: number) {
  let x = seed;
  const next = () => ((x = (x * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  return segmentIds.flatMap((segmentId) => customerIds.filter(() => next() < share).map((customerId) => ({ segmentId, customerId })));
}
const key = (p: { segmentId: string; customerId: string }) => `${p.segmentId}|${p.customerId}`;

describe.each(dbKinds)('live membership write on %s', (kind) => {
  let t: TestServer;
  let segmentIds: string[];
  let customerIds: string[];
  beforeAll(async () => {
    t = await startTestServer(kind);
    segmentIds = [];
    for (let i = 0; i < SEGMENTS; i++) segmentIds.push((await t.ok(CreateSegmentDocument, { input: { name: `Pairs ${i}`, rule: { hasTag: 'never-held' } } })).createSegment.id);
    // The customers are set up in one statement: they are not what is under test.
    const s = await t.db.session();
    try {
      customerIds = (await s.query<{ id: string }>(`INSERT INTO customer (id, updated_at) SELECT gen_random_uuid(), now() FROM generate_series(1, ${CUSTOMERS}) RETURNING id::text AS id`)).map((r) => r.id).sort();
    } finally {
      await s.release();
    }
  }, 120_000);
  afterAll(() => t?.stop());

  const stored = async () => {
    const s = await t.db.session();
    try {
      const rows = await s.query<{ segment_id: string; customer_id: string }>(`SELECT segment_id::text, customer_id::text FROM segment_membership`);
      return new Set(rows.map((r) => key({ segmentId: r.segment_id, customerId: r.customer_id })));
    } finally {
      await s.release();
    }
  };
  const apply = (desired: { segmentId: string; customerId: string }[], candidates = customerIds) =>
    t.db.prisma.$transaction((tx) => membershipRepository.applyMany(tx, { segmentIds, candidates, desired, kind: 'test', versions: {}, triggers: {}, at: new Date() }));

  it('makes the candidates\' membership the desired pairs, and writes exactly the differences, on both plans', { timeout: 120_000 }, async () => {
    // Large (NOT EXISTS) then small (hashed NOT IN) then large again, each from what the last left.
    const steps = [
      choose(segmentIds, customerIds, 0.9, 1),
      choose(segmentIds, customerIds, 0.3, 2),
      choose(segmentIds, customerIds, 0.8, 3),
    ];
    expect(steps.map((d) => d.length > HASHED_PAIRS_MAX)).toEqual([true, false, true]);
    let before = new Set<string>();
    for (const desired of steps) {
      const want = new Set(desired.map(key));
      const changes = await apply(desired);
      expect(await stored()).toEqual(want);
      const entered = changes.filter((c) => c.change === 'ENTERED').map(key).sort();
      const left = changes.filter((c) => c.change === 'LEFT').map(key).sort();
      expect(entered).toEqual([...want].filter((k) => !before.has(k)).sort());
      expect(left).toEqual([...before].filter((k) => !want.has(k)).sort());
      before = want;
    }
  });

  it('leaves members who are not candidates alone', { timeout: 60_000 }, async () => {
    const everyone = await stored();
    const some = customerIds.slice(0, 100);
    const changes = await apply([], some);
    const after = await stored();
    expect(after).toEqual(new Set([...everyone].filter((k) => !some.includes(k.split('|')[1]!))));
    expect(changes.every((c) => c.change === 'LEFT' && some.includes(c.customerId))).toBe(true);
  });
});
