/**
 * Membership writes and the outbox, always in the caller's transaction. Every ENTERED/LEFT is written
 * in the same statement as the membership change itself, after taking OUTBOX_LOCK: the lock is held to
 * commit, so transactions that write outbox rows commit one after another and `seq` (taken at insert)
 * follows commit order. A subscriber that resumes after seq N therefore never misses a smaller seq
 * that committed later.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';

export const OUTBOX_LOCK = 72_410_002;

export interface MembershipChangeRecord {
  seq: string;
  segmentId: string;
  customerId: string;
  change: 'ENTERED' | 'LEFT';
  at: Date;
  reason: Record<string, unknown>;
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
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${OUTBOX_LOCK}::bigint)`;
  },

  /**
   * Makes the segment's membership among `candidates` equal `members` (ids, or a query of ids), or
   * without candidates the whole membership equal `members`, writing one outbox row per change.
   */
  async apply(
    tx: Db,
    segmentId: string,
    target: { members: Prisma.Sql } | { candidates: string[]; members: string[] | Prisma.Sql },
    reason: Record<string, unknown>,
    at: Date,
  ): Promise<MembershipChangeRecord[]> {
    await this.lockOutbox(tx);
    const membersSql = Array.isArray(target.members) ? Prisma.sql`SELECT value AS id FROM jsonb_array_elements_text(${JSON.stringify(target.members)}::jsonb)` : target.members;
    const scope =
      'candidates' in target
        ? Prisma.sql`AND m.customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(target.candidates)}::jsonb))`
        : Prisma.empty;
    const rows = await tx.$queryRaw<ChangeRow[]>`
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
      )
      INSERT INTO membership_change (segment_id, customer_id, change, at, reason)
      SELECT ${segmentId}::uuid, c.customer_id, c.change::"MembershipChangeKind", ${at}::timestamptz, ${JSON.stringify(reason)}::jsonb
      FROM (SELECT customer_id, 'ENTERED' AS change FROM entered UNION ALL SELECT customer_id, 'LEFT' FROM gone ORDER BY 2, 1) c
      RETURNING seq, segment_id::text AS segment_id, customer_id::text AS customer_id, change::text AS change, at, reason`;
    return rows.map(toRecord).sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
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
    await this.lockOutbox(tx);
    const rows = await tx.$queryRaw<ChangeRow[]>`
      WITH desired AS (
        SELECT (r->>'segmentId')::uuid AS segment_id, (r->>'customerId')::uuid AS customer_id
        FROM jsonb_array_elements(${JSON.stringify(opts.desired)}::jsonb) AS r
      ), entered AS (
        INSERT INTO segment_membership (segment_id, customer_id, since)
        SELECT segment_id, customer_id, ${opts.at}::timestamptz FROM desired
        ON CONFLICT DO NOTHING
        RETURNING segment_id, customer_id
      ), gone AS (
        DELETE FROM segment_membership m
        WHERE m.segment_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(opts.segmentIds)}::jsonb))
          AND m.customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(opts.candidates)}::jsonb))
          AND NOT EXISTS (SELECT 1 FROM desired d WHERE d.segment_id = m.segment_id AND d.customer_id = m.customer_id)
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
        WHERE customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(customerIds)}::jsonb))
        RETURNING segment_id, customer_id
      )
      INSERT INTO membership_change (segment_id, customer_id, change, at, reason)
      SELECT segment_id, customer_id, 'LEFT', ${at}::timestamptz, ${JSON.stringify(reason)}::jsonb FROM gone
      RETURNING seq, segment_id::text AS segment_id, customer_id::text AS customer_id, change::text AS change, at, reason`;
    return rows.map(toRecord);
  },

  async changesAfter(db: Db, opts: { segmentIds: string[] | null; afterSeq: bigint; limit: number }): Promise<MembershipChangeRecord[]> {
    const rows = await db.$queryRaw<ChangeRow[]>`
      SELECT seq, segment_id::text AS segment_id, customer_id::text AS customer_id, change::text AS change, at, reason
      FROM membership_change
      WHERE seq > ${opts.afterSeq}::bigint
        AND (${opts.segmentIds === null}::boolean OR segment_id::text IN (SELECT value FROM jsonb_array_elements_text(${JSON.stringify(opts.segmentIds ?? [])}::jsonb)))
      ORDER BY seq
      LIMIT ${opts.limit}`;
    return rows.map(toRecord);
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

  async currentMembers(db: Db, segmentId: string): Promise<Set<string>> {
    const rows = await db.segmentMembership.findMany({ where: { segmentId }, select: { customerId: true } });
    return new Set(rows.map((r) => r.customerId));
  },
};
