/**
 * Retention cohorts in one SQL statement. A person's cohort is the UTC period (date_trunc) of their first
 * `startEvent` touchpoint in the range. They count as retained in period k (k = 0..periods-1, k = 0 the
 * cohort period itself) if they have a `returnEvent` touchpoint in the range that comes after that first
 * start touchpoint (in (occurred_at, id) order, so never the start touchpoint itself when both events are
 * the same) and falls in the k-th period after the cohort period.
 *
 * How: one pass of window functions over each person's touchpoints of the two events in time order (the
 * first start time over the partition; a running count of start events strictly before each row), then
 * two groupings. No joins between row sets, so no plan turns quadratic on a misestimate.
 *
 * Scaling: reads only the touchpoints of the two events in [from, to) (index range scans of touchpoint
 * (event, occurred_at)), one sort by (person, occurred_at, id), two hash/sort aggregations with
 * count(DISTINCT person): O(m log m) in those m touchpoints.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';
import { CohortPeriod } from './retention.types.ts';

const { sql } = Prisma;

export interface RetentionQuery {
  scope: AnalyticsScope;
  period: CohortPeriod;
  startEvent: string;
  returnEvent: string;
  periods: number;
}
/** k null: the cohort size row. */
export interface RetentionRow {
  cohort: Date;
  k: number | null;
  people: number;
}

const UNIT: Record<CohortPeriod, string> = { DAY: 'day', WEEK: 'week', MONTH: 'month' };

export const retentionRepository = {
  run(db: Db, q: RetentionQuery): Promise<RetentionRow[]> {
    const unit = UNIT[q.period];
    const period = (x: Prisma.Sql) => sql`date_trunc(${unit}::text, ${x} AT TIME ZONE 'UTC')`;
    const k =
      q.period === CohortPeriod.MONTH
        ? sql`((extract(year FROM y.rp) - extract(year FROM y.cp)) * 12 + extract(month FROM y.rp) - extract(month FROM y.cp))`
        : q.period === CohortPeriod.WEEK
          ? sql`((y.rp::date - y.cp::date) / 7)`
          : sql`(y.rp::date - y.cp::date)`;
    return db.$queryRaw<RetentionRow[]>`
      WITH tp AS (${scopedTouchpoints(q.scope, sql`AND t.event = ANY(${[q.startEvent, q.returnEvent]}::text[])`)}),
      x AS (
        SELECT person, event, occurred_at,
               min(occurred_at) FILTER (WHERE event = ${q.startEvent}::text) OVER (PARTITION BY person) AS first_at,
               count(*) FILTER (WHERE event = ${q.startEvent}::text)
                 OVER (PARTITION BY person ORDER BY occurred_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS starts_before
        FROM tp
      ),
      y AS (
        SELECT person, event, starts_before, ${period(sql`first_at`)} AS cp, ${period(sql`occurred_at`)} AS rp
        FROM x WHERE first_at IS NOT NULL
      )
      SELECT (y.cp AT TIME ZONE 'UTC') AS cohort, NULL::int AS k, count(DISTINCT y.person)::int AS people
      FROM y GROUP BY y.cp
      UNION ALL
      SELECT (y.cp AT TIME ZONE 'UTC'), ${k}::int, count(DISTINCT y.person)::int
      FROM y
      WHERE y.event = ${q.returnEvent}::text AND y.starts_before > 0 AND ${k} < ${q.periods}::int
      GROUP BY y.cp, ${k}`;
  },
};
