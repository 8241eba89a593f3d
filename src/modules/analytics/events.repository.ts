/**
 * The event dictionary (definition in docs/analytics.md): per event name in scope, exact counts from
 * one grouped scan of the scope, and property keys from a bounded sample per name.
 *
 * Scaling: `names` reads every touchpoint in scope once (the range of touchpoint (occurred_at), joined
 * to customer by primary key for the person) and keeps one row per name; `details` then reads only the
 * names asked for, through touchpoint (event, occurred_at): the per-channel and per-type counts, and the
 * latest SAMPLE_SIZE touchpoints of each name, a backward index scan that stops after SAMPLE_SIZE rows
 * (with a segment, after SAMPLE_SIZE of its members' rows). jsonb_each runs on those rows only, never on
 * the whole scope.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';

const { sql } = Prisma;

/** Touchpoints per name whose keys are read: the latest in scope. */
export const SAMPLE_SIZE = 200;
/** Distinct example values kept per key. */
export const EXAMPLES_PER_KEY = 3;

export interface EventNameRow {
  name: string;
  count: number;
  customers: number;
  firstSeen: Date;
  lastSeen: Date;
  /** How many names matched in all (the same on every row). */
  total: number;
}

export interface EventBreakdownRow {
  name: string;
  dim: 'channel' | 'type';
  value: string;
  count: number;
}

export interface EventKeyRow {
  name: string;
  /** "properties" or "context". */
  root: string;
  /** The key as shown: `plan`, or for context `device.type` (one level of nesting unfolded). */
  key: string;
  /** Sampled touchpoints that carry the key. */
  seen: number;
  types: string[];
  /** Up to EXAMPLES_PER_KEY distinct scalar values, most recent first. */
  examples: unknown[];
}

const inSegmentCondition = (segmentId: string) =>
  sql`COALESCE(c.merged_into_id, c.id) IN (SELECT customer_id FROM segment_membership WHERE segment_id = ${segmentId}::uuid)`;
const inSegment = (scope: AnalyticsScope) => (scope.segmentId ? sql`WHERE ${inSegmentCondition(scope.segmentId)}` : Prisma.empty);

export const eventsRepository = {
  /** Named events in scope (names containing `search`, ASCII case folded), most touchpoints first, then name. */
  async names(db: Db, scope: AnalyticsScope, search: string | null, limit: number): Promise<EventNameRow[]> {
    const match = search === null ? Prisma.empty : sql`AND strpos(lower(t.event COLLATE "C"), lower(${search}::text COLLATE "C")) > 0`;
    // Grouped by (event, stored customer) first, so only those pairs, not every touchpoint, are joined
    // to customer to find the person (a merged-away customer counts for the winner); hash aggregates
    // throughout, no count(DISTINCT) sort.
    return db.$queryRaw<EventNameRow[]>`
      WITH ec AS (
        SELECT t.event, t.customer_id, count(*) AS n, min(t.occurred_at) AS f, max(t.occurred_at) AS l
        FROM touchpoint t
        WHERE t.occurred_at >= ${scope.from}::timestamptz AND t.occurred_at < ${scope.to}::timestamptz AND t.event IS NOT NULL ${match}
        GROUP BY t.event, t.customer_id),
      ep AS (
        SELECT ec.event, COALESCE(c.merged_into_id, c.id) AS person, sum(ec.n) AS n, min(ec.f) AS f, max(ec.l) AS l
        FROM ec JOIN customer c ON c.id = ec.customer_id
        ${inSegment(scope)}
        GROUP BY 1, 2),
      g AS (
        SELECT event AS name, sum(n)::int AS count, count(*)::int AS customers, min(f) AS "firstSeen", max(l) AS "lastSeen"
        FROM ep GROUP BY event)
      SELECT g.*, (count(*) OVER ())::int AS total FROM g
      ORDER BY g.count DESC, g.name COLLATE "C"
      LIMIT ${limit}`;
  },

  /** Touchpoints per channel and per type of each of `names`, in scope. */
  async breakdowns(db: Db, scope: AnalyticsScope, names: string[]): Promise<EventBreakdownRow[]> {
    // Without a segment nobody's person matters, so no join to customer. scopedTouchpoints leaves out
    // `type` unless asked for, and the grouping below needs it.
    const tp = scope.segmentId
      ? scopedTouchpoints(scope, sql`AND t.event = ANY(${names}::text[])`, sql`, t.type`)
      : sql`SELECT t.event, t.channel, t.type FROM touchpoint t
            WHERE t.occurred_at >= ${scope.from}::timestamptz AND t.occurred_at < ${scope.to}::timestamptz AND t.event = ANY(${names}::text[])`;
    return db.$queryRaw<EventBreakdownRow[]>`
      WITH tp AS (${tp})
      SELECT event AS name, CASE WHEN GROUPING(channel) = 0 THEN 'channel' ELSE 'type' END AS dim,
             COALESCE(channel::text, type::text) AS value, count(*)::int AS count
      FROM tp GROUP BY GROUPING SETS ((event, channel), (event, type))`;
  },

  /**
   * Keys of `properties` and of `context` (its top-level keys, and one level below an object: `device.type`)
   * over the latest SAMPLE_SIZE touchpoints in scope of each name.
   */
  async keys(db: Db, scope: AnalyticsScope, names: string[]): Promise<EventKeyRow[]> {
    const segment = scope.segmentId ? sql`AND ${inSegmentCondition(scope.segmentId)}` : Prisma.empty;
    const obj = (x: Prisma.Sql) => sql`(CASE WHEN jsonb_typeof(${x}) = 'object' THEN ${x} ELSE '{}'::jsonb END)`;
    return db.$queryRaw<EventKeyRow[]>`
      WITH sample AS (
        SELECT n.name, row_number() OVER (PARTITION BY n.name ORDER BY s.occurred_at DESC, s.id DESC) AS rn, s.properties, s.context
        FROM unnest(${names}::text[]) AS n(name)
        CROSS JOIN LATERAL (
          -- No window function in here: it would number every row of the name before the LIMIT applies.
          SELECT t.id, t.occurred_at, t.properties, t.context
          FROM touchpoint t JOIN customer c ON c.id = t.customer_id
          -- "event = name AND from <= occurred_at < to" written as row comparisons, with the event in the
          -- order: only the (event, occurred_at) index serves them, scanned backward and stopped after
          -- SAMPLE_SIZE rows however rare the name is (with event = name the planner may prefer a
          -- backward scan of the occurred_at index, filtering every touchpoint in scope for a rare name).
          WHERE (t.event, t.occurred_at) >= (n.name, ${scope.from}::timestamptz) AND (t.event, t.occurred_at) < (n.name, ${scope.to}::timestamptz) ${segment}
          ORDER BY t.event DESC, t.occurred_at DESC, t.id DESC
          LIMIT ${SAMPLE_SIZE}) s),
      kv AS (
        SELECT s.name, s.rn, 'properties' AS root, p.key, p.value FROM sample s CROSS JOIN LATERAL jsonb_each(${obj(sql`s.properties`)}) p
        UNION ALL
        SELECT s.name, s.rn, 'context', c1.key, c1.value FROM sample s CROSS JOIN LATERAL jsonb_each(${obj(sql`s.context`)}) c1
        WHERE jsonb_typeof(c1.value) <> 'object'
        UNION ALL
        SELECT s.name, s.rn, 'context', c1.key || '.' || c2.key, c2.value FROM sample s
        CROSS JOIN LATERAL jsonb_each(${obj(sql`s.context`)}) c1 CROSS JOIN LATERAL jsonb_each(${obj(sql`c1.value`)}) c2
        WHERE jsonb_typeof(c1.value) = 'object'),
      ex AS (
        SELECT name, root, key, value, row_number() OVER (PARTITION BY name, root, key ORDER BY min(rn), value) AS r
        FROM kv WHERE jsonb_typeof(value) IN ('string', 'number', 'boolean')
        GROUP BY name, root, key, value),
      exa AS (SELECT name, root, key, jsonb_agg(value ORDER BY r) AS examples FROM ex WHERE r <= ${EXAMPLES_PER_KEY} GROUP BY 1, 2, 3),
      g AS (
        SELECT name, root, key, count(*)::int AS seen, array_agg(DISTINCT jsonb_typeof(value) ORDER BY jsonb_typeof(value)) AS types
        FROM kv GROUP BY 1, 2, 3)
      SELECT g.name, g.root, g.key, g.seen, g.types, COALESCE(exa.examples, '[]'::jsonb) AS examples
      FROM g LEFT JOIN exa ON exa.name = g.name AND exa.root = g.root AND exa.key = g.key
      ORDER BY g.name, g.root, g.key COLLATE "C"`;
  },
};
