/**
 * Membership writes and the outbox, always in the caller's transaction. Every ENTERED/LEFT is written
 * in the same statement as the membership change itself, after taking the outbox lock: the lock is held to
 * commit, so transactions that write outbox rows commit one after another and `seq` (taken at insert)
 * follows commit order. A subscriber that resumes after seq N therefore never misses a smaller seq
 * that committed later.
 */
import type { Db } from '../../db/client.ts';
import { hashLargeSets } from '../../db/large-sets.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { sizeTrendSql, type SizeTrendRequest, type SizeTrendRow } from './size-trend.sql.ts';

/**
 * The outbox lock's key, one per schema: advisory locks are shared by the whole database, and a fixed
 * key made every deployment (or test, or bench run) in its own schema queue behind the others' writes.
 */
const OUTBOX_LOCK_KEY = Prisma.sql`hashtextextended('cdp:outbox:' || current_schema(), 0)`;

/**
 * Up to this many desired pairs, the live write finds the members who left with NOT IN over the pairs:
 * a hashed subplan, 32 ms for 20,000 pairs against 58 ms for the merge anti-join that NOT EXISTS gets.
 * PostgreSQL hashes a NOT IN subplan only while it fits in hash_mem; beyond that it re-scans the pairs
 * for every membership row, which is quadratic (over 30 s at 200,000 pairs, where NOT EXISTS takes
 * 0.5 s). 20,000 pairs of two uuids take about 1.3 MB, well under the default 8 MB. NOT EXISTS is safe
 * now that the pairs come from unnest over arrays, which the planner counts exactly; over
 * jsonb_array_elements (estimated at 100 rows) it became a nested loop: 4.8 s a batch in W4.
 */
export const HASHED_PAIRS_MAX = 20_000;

export interface MembershipChangeRecord {
  seq: string;
  segmentId: string;
  customerId: string;
  change: 'ENTERED' | 'LEFT';
  at: Date;
  reason: Record<string, unknown>;
}

export interface ApplySummary {
  entered: number;
  left: number;
  /** The seqs this transaction wrote (null: no change). */
  range: { first: bigint; last: bigint } | null;
}

type ChangeRow = { seq: bigint | string; segment_id: string; customer_id: string; change: 'ENTERED' | 'LEFT'; at: Date; reason: Record<string, unknown> };
const toRecord = (r: ChangeRow): MembershipChangeRecord => ({
  seq: String(r.seq),
  segmentId: r.segment_id,
  customerId: r.customer_id,
  change: r.change,
  at: r.at,
  reason: r.reason,
});

export const membershipRepository = {
  async lockOutbox(tx: Db): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${OUTBOX_LOCK_KEY})`;
  },

  /**
   * Makes the segment's membership among `candidates` equal `members` (ids, or a query of ids), or
   * without candidates the whole membership equal `members`, writing one outbox row per change.
   * Answers counts and the seq range written, never the rows: a recompute of a large segment must not
   * carry every change into Node (they are read back in pages to publish them). The outbox lock is
   * held to commit, so every seq in the range belongs to this transaction.
   */
  async apply(
    tx: Db,
    segmentId: string,
    target: { members: Prisma.Sql } | { candidates: string[]; members: string[] | Prisma.Sql },
    reason: Record<string, unknown>,
    at: Date,
  ): Promise<ApplySummary> {
    await this.lockOutbox(tx);
    // A full recompute compares the whole membership with the whole target (see db/large-sets.ts).
    if (!('candidates' in target)) await hashLargeSets(tx);
    const membersSql = Array.isArray(target.members) ? Prisma.sql`SELECT value AS id FROM jsonb_array_elements_text(${JSON.stringify(target.members)}::jsonb)` : target.members;
    const scope =
      'candidates' in target
        ? Prisma.sql`AND m.customer_id = ANY(${target.candidates}::uuid[])`
        : Prisma.empty;
    const [row] = await tx.$queryRaw<{ entered: number; left: number; first_seq: bigint | string | null; last_seq: bigint | string | null }[]>`
      WITH target AS (${membersSql}),
      entered AS (
        INSERT INTO segment_membership (segment_id, customer_id, since)
        SELECT ${segmentId}::uuid, t.id::uuid, ${at}::timestamptz FROM target t
        ON CONFLICT DO NOTHING
        RETURNING customer_id
      ),
      gone AS (
        DELETE FROM segment_membership m
        WHERE m.segment_id = ${segmentId}::uuid ${scope}
          AND m.customer_id NOT IN (SELECT t.id::uuid FROM target t)
        RETURNING customer_id
      ),
      written AS (
        INSERT INTO membership_change (segment_id, customer_id, change, at, reason)
        SELECT ${segmentId}::uuid, c.customer_id, c.change::"MembershipChangeKind", ${at}::timestamptz, ${JSON.stringify(reason)}::jsonb
        FROM (SELECT customer_id, 'ENTERED' AS change FROM entered UNION ALL SELECT customer_id, 'LEFT' FROM gone ORDER BY 2, 1) c
        RETURNING seq, change
      )
      SELECT count(*) FILTER (WHERE change = 'ENTERED')::int AS entered, count(*) FILTER (WHERE change = 'LEFT')::int AS left,
             min(seq) AS first_seq, max(seq) AS last_seq
      FROM written`;
    return {
      entered: Number(row?.entered ?? 0),
      left: Number(row?.left ?? 0),
      range: row?.first_seq == null ? null : { first: BigInt(row.first_seq), last: BigInt(row.last_seq!) },
    };
  },

  /** The customers whose membership of the segment changed with first <= seq <= last. */
  async customersInRange(db: Db, segmentId: string, range: { first: bigint; last: bigint }): Promise<string[]> {
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT DISTINCT customer_id::text AS id FROM membership_change
      WHERE segment_id = ${segmentId}::uuid AND seq >= ${range.first}::bigint AND seq <= ${range.last}::bigint`;
    return rows.map((r) => r.id);
  },

  /** One page of a segment's changes with first <= seq <= last, in seq order. */
  async changesInRange(db: Db, segmentId: string, range: { first: bigint; last: bigint }, limit: number): Promise<MembershipChangeRecord[]> {
    const rows = await db.$queryRaw<ChangeRow[]>`
      SELECT seq, segment_id::text AS segment_id, customer_id::text AS customer_id, change::text AS change, at, reason
      FROM membership_change
      WHERE segment_id = ${segmentId}::uuid AND seq >= ${range.first}::bigint AND seq <= ${range.last}::bigint
      ORDER BY seq LIMIT ${limit}`;
    return rows.map(toRecord);
  },

  /**
   * Size, the first `sample` ids and (with compareTo) how many would enter or leave that segment,
   * counted in the database: nothing proportional to the segment comes back.
   */
  async preview(db: Db, members: Prisma.Sql, compareTo: string | null, sample: number) {
    const [row] = await db.$queryRaw<{ size: number; sample: string[] | null; entering: number | null; leaving: number | null }[]>`
      WITH target AS MATERIALIZED (${members})
      SELECT (SELECT count(*) FROM target)::int AS size,
             (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM target ORDER BY id LIMIT ${sample}) s) AS sample,
             CASE WHEN ${compareTo}::uuid IS NULL THEN NULL ELSE (
               SELECT count(*) FROM target t
               WHERE NOT EXISTS (SELECT 1 FROM segment_membership m WHERE m.segment_id = ${compareTo}::uuid AND m.customer_id = t.id::uuid))::int END AS entering,
             CASE WHEN ${compareTo}::uuid IS NULL THEN NULL ELSE (
               SELECT count(*) FROM segment_membership m
               WHERE m.segment_id = ${compareTo}::uuid AND NOT EXISTS (SELECT 1 FROM target t WHERE t.id::uuid = m.customer_id))::int END AS leaving`;
    return { size: Number(row!.size), sampleIds: row!.sample ?? [], entering: row!.entering, leaving: row!.leaving };
  },

  /**
   * The incremental path: for these candidate customers and these segments, make membership equal
   * `desired` (pairs that should be members), in one statement for all segments. The reason of each
   * change carries the rule version in force and what triggered it for that customer.
   */
  async applyMany(
    tx: Db,
    opts: {
      segmentIds: string[];
      candidates: string[];
      desired: { segmentId: string; customerId: string }[];
      kind: string;
      versions: Record<string, number>;
      triggers: Record<string, unknown>;
      at: Date;
    },
  ): Promise<MembershipChangeRecord[]> {
    if (opts.segmentIds.length === 0 || opts.candidates.length === 0) return [];
    // The desired pairs go as two arrays of positions in segmentIds and candidates: a batch can desire
    // tens of thousands of pairs (W4: 100 segments x 400 customers), and parsing them as JSON objects
    // of two uuids took most of the statement.
    const segmentAt = new Map(opts.segmentIds.map((id, i) => [id, i + 1]));
    const candidateAt = new Map(opts.candidates.map((id, i) => [id, i + 1]));
    const desiredSegment: number[] = [];
    const desiredCustomer: number[] = [];
    for (const d of opts.desired) {
      desiredSegment.push(segmentAt.get(d.segmentId)!);
      desiredCustomer.push(candidateAt.get(d.customerId)!);
    }
    const notDesired =
      opts.desired.length <= HASHED_PAIRS_MAX
        ? Prisma.sql`(m.segment_id, m.customer_id) NOT IN (SELECT d.segment_id, d.customer_id FROM desired d)`
        : Prisma.sql`NOT EXISTS (SELECT 1 FROM desired d WHERE d.segment_id = m.segment_id AND d.customer_id = m.customer_id)`;
    await this.lockOutbox(tx);
    const rows = await tx.$queryRaw<ChangeRow[]>`
      WITH ids AS (SELECT ${opts.segmentIds}::uuid[] AS segments, ${opts.candidates}::uuid[] AS candidates),
      desired AS (
        SELECT ids.segments[d.s] AS segment_id, ids.candidates[d.c] AS customer_id
        FROM ids, unnest(${desiredSegment}::int[], ${desiredCustomer}::int[]) AS d(s, c)
      ), entered AS (
        INSERT INTO segment_membership (segment_id, customer_id, since)
        SELECT d.segment_id, d.customer_id, ${opts.at}::timestamptz FROM desired d
        ON CONFLICT DO NOTHING
        RETURNING segment_id, customer_id
      ), gone AS (
        DELETE FROM segment_membership m
        -- = ANY(uuid[]) lets the planner use the customer_id index; IN over jsonb_array_elements_text
        -- was planned as a scan of every membership (50 ms at 100,000, under the outbox lock: W9).
        WHERE m.segment_id = ANY(${opts.segmentIds}::uuid[]) AND m.customer_id = ANY(${opts.candidates}::uuid[])
          AND ${notDesired}
        RETURNING segment_id, customer_id
      )
      INSERT INTO membership_change (segment_id, customer_id, change, at, reason)
      SELECT c.segment_id, c.customer_id, c.change::"MembershipChangeKind", ${opts.at}::timestamptz,
             jsonb_build_object('kind', ${opts.kind}::text,
                                'ruleVersion', (${JSON.stringify(opts.versions)}::jsonb ->> c.segment_id::text)::int,
                                'trigger', ${JSON.stringify(opts.triggers)}::jsonb -> c.customer_id::text)
      FROM (SELECT segment_id, customer_id, 'ENTERED' AS change FROM entered
            UNION ALL SELECT segment_id, customer_id, 'LEFT' FROM gone ORDER BY 1, 3, 2) c
      RETURNING seq, segment_id::text AS segment_id, customer_id::text AS customer_id, change::text AS change, at, reason`;
    return rows.map(toRecord).sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  },

  /** Customers leave every segment when they are merged away; the winner is re-evaluated instead. */
  async removeCustomers(tx: Db, customerIds: string[], reason: Record<string, unknown>, at: Date): Promise<MembershipChangeRecord[]> {
    if (customerIds.length === 0) return [];
    await this.lockOutbox(tx);
    const rows = await tx.$queryRaw<ChangeRow[]>`
      WITH gone AS (
        DELETE FROM segment_membership
        WHERE customer_id = ANY(${customerIds}::uuid[])
        RETURNING segment_id, customer_id
      )
      INSERT INTO membership_change (segment_id, customer_id, change, at, reason)
      SELECT segment_id, customer_id, 'LEFT', ${at}::timestamptz, ${JSON.stringify(reason)}::jsonb FROM gone
      RETURNING seq, segment_id::text AS segment_id, customer_id::text AS customer_id, change::text AS change, at, reason`;
    return rows.map(toRecord);
  },

  async changesAfter(db: Db, opts: { segmentIds: string[] | null; afterSeq: bigint; limit: number }): Promise<MembershipChangeRecord[]> {
    return (await this.changesAfterWithHorizon(db, opts)).changes;
  },

  /**
   * A page of changes after `afterSeq` and the prune horizon, read in one statement (one snapshot):
   * when the horizon is at most afterSeq, the page is complete; a prune that commits meanwhile cannot
   * remove rows from it unnoticed.
   */
  async changesAfterWithHorizon(
    db: Db,
    opts: { segmentIds: string[] | null; afterSeq: bigint; limit: number },
  ): Promise<{ changes: MembershipChangeRecord[]; horizon: bigint }> {
    const rows = await db.$queryRaw<(Partial<ChangeRow> & { horizon: bigint | string })[]>`
      WITH h AS (SELECT coalesce(max(pruned_through_seq), 0) AS horizon FROM outbox_horizon)
      SELECT h.horizon, c.* FROM h LEFT JOIN LATERAL (
        SELECT seq, segment_id::text AS segment_id, customer_id::text AS customer_id, change::text AS change, at, reason
        FROM membership_change
        WHERE seq > ${opts.afterSeq}::bigint
          AND (${opts.segmentIds === null}::boolean OR segment_id::text IN (SELECT value FROM jsonb_array_elements_text(${JSON.stringify(opts.segmentIds ?? [])}::jsonb)))
        ORDER BY seq
        LIMIT ${opts.limit}) c ON true`;
    return {
      horizon: BigInt(rows[0]?.horizon ?? 0),
      changes: rows.filter((r) => r.seq != null).map((r) => toRecord(r as ChangeRow)),
    };
  },

  /** Every change with seq <= horizon has been pruned (0: none). */
  async horizon(db: Db): Promise<bigint> {
    const [row] = await db.$queryRaw<{ horizon: bigint | string }[]>`SELECT coalesce(max(pruned_through_seq), 0) AS horizon FROM outbox_horizon`;
    return BigInt(row?.horizon ?? 0);
  },

  /**
   * Moves the horizon to the newest change older than `cutoff` and at most `maxSeq` (a prefix of the outbox by seq), then
   * deletes through it in batches of `batch` rows. The horizon is written first, so a reader never
   * sees rows missing below a horizon it has not been told about. Answers the rows deleted.
   */
  async prune(db: Db, cutoff: Date, batch: number, now: Date, maxSeq: bigint | null = null): Promise<{ horizon: bigint; deleted: number }> {
    const [row] = await db.$queryRaw<{ horizon: bigint | string }[]>`
      WITH target AS (SELECT max(seq) AS seq FROM membership_change WHERE at < ${cutoff}::timestamptz AND (${maxSeq}::bigint IS NULL OR seq <= ${maxSeq}::bigint))
      INSERT INTO outbox_horizon (id, pruned_through_seq, pruned_at)
      SELECT 1, t.seq, ${now}::timestamptz FROM target t WHERE t.seq IS NOT NULL
      ON CONFLICT (id) DO UPDATE SET pruned_through_seq = GREATEST(outbox_horizon.pruned_through_seq, EXCLUDED.pruned_through_seq), pruned_at = EXCLUDED.pruned_at
      RETURNING pruned_through_seq AS horizon`;
    const horizon = row ? BigInt(row.horizon) : await this.horizon(db);
    let deleted = 0;
    for (;;) {
      const n = await db.$executeRaw`
        DELETE FROM membership_change WHERE seq IN (
          SELECT seq FROM membership_change WHERE seq <= ${horizon}::bigint ORDER BY seq LIMIT ${batch})`;
      deleted += n;
      if (n < batch) return { horizon, deleted };
    }
  },

  /** Every change with after < seq < before, in seq order (all segments). */
  async changesBetween(db: Db, after: bigint, before: bigint, limit: number): Promise<MembershipChangeRecord[]> {
    const rows = await db.$queryRaw<ChangeRow[]>`
      SELECT seq, segment_id::text AS segment_id, customer_id::text AS customer_id, change::text AS change, at, reason
      FROM membership_change WHERE seq > ${after}::bigint AND seq < ${before}::bigint ORDER BY seq LIMIT ${limit}`;
    return rows.map(toRecord);
  },

  async maxSeq(db: Db): Promise<bigint> {
    const [row] = await db.$queryRaw<{ seq: bigint | string | null }[]>`SELECT max(seq) AS seq FROM membership_change`;
    return row?.seq == null ? 0n : BigInt(row.seq);
  },

  /** Size at the end of each requested day, every request in one statement (size-trend.sql.ts). */
  async sizeTrends(db: Db, requests: readonly SizeTrendRequest[], today: string, retentionDays: number): Promise<(SizeTrendRow & { days: number })[]> {
    if (requests.length === 0) return [];
    const rows = await db.$queryRaw<(SizeTrendRow & { days: number })[]>(sizeTrendSql(requests, today, retentionDays));
    return rows.map((r) => ({ ...r, days: Number(r.days), size: Number(r.size) }));
  },

  async size(db: Db, segmentId: string): Promise<number> {
    return db.segmentMembership.count({ where: { segmentId } });
  },

  async members(db: Db, segmentId: string, take: number, after: string | null): Promise<string[]> {
    const rows = await db.segmentMembership.findMany({
      where: { segmentId, ...(after ? { customerId: { gt: after } } : {}) },
      orderBy: { customerId: 'asc' },
      take,
      select: { customerId: true },
    });
    return rows.map((r) => r.customerId);
  },
};
