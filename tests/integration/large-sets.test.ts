/**
 * Full recomputes compare a whole membership with a whole target through `NOT IN (SELECT … FROM
 * target)`. Planned unhashed, that re-scans the target for every row (847 s for a 500,000-member
 * segment at the bench's large scale). The planner hashes it only while the target is expected to fit
 * in hash_mem; recomputes raise the limit (src/db/large-sets.ts). Shown here on the plan of that very
 * construct for 500,000 ids, with and without the raise, on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashLargeSets } from '../../src/db/large-sets.ts';
import type { Db } from '../../src/db/client.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PLAN = `EXPLAIN (FORMAT JSON)
  WITH target AS (SELECT md5(g::text)::uuid AS id FROM generate_series(1, 500000) g)
  DELETE FROM segment_membership m
  WHERE m.segment_id = '00000000-0000-0000-0000-000000000001'::uuid AND m.customer_id NOT IN (SELECT t.id FROM target t)`;

/** The plan's text, with each subplan named as the planner did (hashed or not). */
async function plan(tx: Db): Promise<string> {
  const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(PLAN);
  return JSON.stringify(rows[0]!['QUERY PLAN']);
}

describe.each(dbKinds)('NOT IN over a large target on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('is re-scanned per row by default, and hashed once a recompute raises hash_mem', async () => {
    const before = await t.db.prisma.$transaction((tx) => plan(tx));
    expect(before).toMatch(/"Subplan Name":"SubPlan \d+"/);
    expect(before).not.toContain('hashed SubPlan');
    const after = await t.db.prisma.$transaction(async (tx) => {
      await hashLargeSets(tx);
      return plan(tx);
    });
    expect(after).toContain('hashed SubPlan');
  });
});
