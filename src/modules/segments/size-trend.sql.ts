/**
 * A segment's size at the end of each of its last N UTC days, for many segments in one statement.
 *
 * There is no stored size history: the size at the end of day D is today's membership count minus the
 * net change (ENTERED +1, LEFT −1) of every outbox row from the end of D on. Counting back from today
 * rather than forward from the start is what keeps this right after pruning: the outbox keeps only
 * OUTBOX_RETENTION_DAYS, and a forward replay would start from an unknown size.
 *
 * A day is `complete` when every change after its end is still in the outbox. The pruner deletes a
 * prefix by seq of the changes older than its cutoff (its run's time minus OUTBOX_RETENTION_DAYS), so
 * every pruned change is older than the last cutoff: a day that ends at it or later lost nothing. Nothing
 * pruned (horizon 0): every day is complete (a segment's creation writes its first members to the
 * outbox, so before it the count is 0, as it was). The cutoff is taken with today's retention: raising
 * OUTBOX_RETENTION_DAYS makes it earlier than the real one until the pruner next removes something.
 */
import { Prisma } from '../../generated/prisma/client.ts';

export interface SizeTrendRequest {
  segmentId: string;
  days: number;
}

export interface SizeTrendRow {
  segmentId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  size: number;
  complete: boolean;
}

/** `today` is the UTC date (YYYY-MM-DD) of the services' clock; rows come in (segment, days, day) order. */
export function sizeTrendSql(requests: readonly SizeTrendRequest[], today: string, retentionDays: number): Prisma.Sql {
  const longest = Math.max(...requests.map((r) => r.days));
  return Prisma.sql`
    WITH req AS (
      SELECT DISTINCT r."segmentId"::uuid AS segment_id, r.days
      FROM jsonb_to_recordset(${JSON.stringify(requests)}::jsonb) AS r("segmentId" text, days int)
    ),
    -- Every pruned change is older than this (null: nothing pruned).
    bound AS (
      SELECT max(pruned_at) - make_interval(days => ${retentionDays}::int) AS at FROM outbox_horizon WHERE pruned_through_seq > 0
    ),
    -- Net change per segment and UTC day, from the end of each request's first day on (later days included).
    net AS (
      SELECT c.segment_id, (c.at AT TIME ZONE 'UTC')::date AS day,
             sum(CASE WHEN c.change = 'ENTERED' THEN 1 ELSE -1 END)::int AS delta
      FROM membership_change c
      JOIN (SELECT segment_id, max(days) AS days FROM req GROUP BY segment_id) r ON r.segment_id = c.segment_id
      WHERE c.at >= ((${today}::date - r.days + 2)::timestamp AT TIME ZONE 'UTC')
        -- The same bound for the longest request, free of the join: lets the planner skip older months' partitions.
        AND c.at >= ((${today}::date - ${longest}::int + 2)::timestamp AT TIME ZONE 'UTC')
      GROUP BY 1, 2
    ),
    -- Changes dated after today (a clock set back) count as after every day.
    later AS (
      SELECT segment_id, sum(delta)::int AS delta FROM net WHERE day > ${today}::date GROUP BY 1
    ),
    now_size AS (
      SELECT m.segment_id, count(*)::int AS size
      FROM segment_membership m WHERE m.segment_id IN (SELECT segment_id FROM req)
      GROUP BY 1
    ),
    grid AS (
      SELECT req.segment_id, req.days, (${today}::date - g.n) AS day
      FROM req CROSS JOIN LATERAL generate_series(0, req.days - 1) AS g(n)
    )
    SELECT g.segment_id::text AS "segmentId", g.days, to_char(g.day, 'YYYY-MM-DD') AS day,
           (coalesce(s.size, 0) - coalesce(l.delta, 0)
             - coalesce(sum(coalesce(n.delta, 0)) OVER (PARTITION BY g.segment_id, g.days ORDER BY g.day DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))::int AS size,
           (b.at IS NULL OR ((g.day + 1)::timestamp AT TIME ZONE 'UTC') >= b.at) AS complete
    FROM grid g
    LEFT JOIN net n ON n.segment_id = g.segment_id AND n.day = g.day
    LEFT JOIN now_size s ON s.segment_id = g.segment_id
    LEFT JOIN later l ON l.segment_id = g.segment_id
    CROSS JOIN bound b
    ORDER BY g.segment_id, g.days, g.day`;
}
