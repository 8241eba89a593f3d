/**
 * Standard metrics in SQL (definitions: docs/analytics.md, "Standard metrics"). Pure builders; the
 * repository runs them. One statement per metric answers every period at once: each row read gets a
 * bucket index b (0..n−1; −1 for the period before the first, which only CHURN_RATE reads), and the
 * statement returns (b, num, den) per bucket that has anything; the service fills the others.
 *
 * "A person" is the live customer (scopedTouchpoints). Sessions are cut exactly as journeys cut them
 * (touchpointQueries.startsSessionSql over each person's touchpoints in the range, in touchpoint
 * order) and belong to the bucket of their first touchpoint. Survey metrics keep each person's latest
 * valid answer per bucket (touchpoint order), so a person who answers twice in a period counts once.
 */
import { Prisma } from '../../generated/prisma/client.ts';
import { touchpointQueries } from '../touchpoints/touchpoint.queries.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';
import { MetricKind } from './metric.types.ts';
import { fineIndex, numericValue, type BucketGrid } from './trend.sql.ts';

const { sql, raw } = Prisma;
type Sql = Prisma.Sql;

/** How rows are put in buckets: one bucket for the scope, or a trend's grid (extended one bucket back). */
export type MetricBuckets =
  | { kind: 'scope'; previousFrom: Date }
  | { kind: 'grid'; grid: BucketGrid; previousFrom: Date; count: number };

export interface MetricSettings {
  conversionEvent: string;
  orderEvent: string;
  npsEvent: string;
  npsScoreProperty: string;
  csatEvent: string;
  csatScoreProperty: string;
}

export interface MetricSqlQuery {
  kind: MetricKind;
  scope: AnalyticsScope;
  buckets: MetricBuckets;
  settings: MetricSettings;
  sessionGapMinutes: number;
}

export interface MetricSqlRow {
  b: number;
  num: number;
  den: number | null;
}

/** Bucket index of row alias `row` (a column occurred_at): −1 before scope.from (the previous period). */
function bucketOf(row: Sql, q: MetricSqlQuery): Sql {
  const bk = q.buckets;
  if (bk.kind === 'scope') return sql`(CASE WHEN ${row}.occurred_at >= ${q.scope.from}::timestamptz THEN 0 ELSE -1 END)`;
  // The grid starts one bucket before the first: width_bucket gives 0 there, so subtract 1.
  return sql`(width_bucket(${fineIndex(row, bk.grid)}, ${bk.grid.thresholds}::int[]) - 1)`;
}

/** The bucket count: 1 for the scope. */
const countOf = (bk: MetricBuckets) => (bk.kind === 'scope' ? 1 : bk.count);

function touchpoints(q: MetricSqlQuery, opts: { event?: string; previous?: boolean } = {}): Sql {
  const read = opts.previous ? { ...q.scope, from: q.buckets.previousFrom } : q.scope;
  const where = opts.event === undefined ? Prisma.empty : sql`AND t.event = ${opts.event}::text`;
  return sql`SELECT s.*, ${bucketOf(raw('s'), q)} AS b FROM (${scopedTouchpoints(read, where, sql`, t.type`)}) s`;
}

function sessionsSql(q: MetricSqlQuery, select: Sql): Sql {
  const starts = touchpointQueries.startsSessionSql(sql`o.occurred_at`, sql`o.prev_at`, q.sessionGapMinutes);
  return sql`
    WITH tp AS (${scopedTouchpoints(q.scope, Prisma.empty, sql`, t.type`)}),
    o AS (SELECT person, occurred_at, id, type, lag(occurred_at) OVER (PARTITION BY person ORDER BY occurred_at, id) AS prev_at FROM tp),
    n AS (SELECT o.*, sum(CASE WHEN ${starts} THEN 1 ELSE 0 END) OVER (PARTITION BY person ORDER BY occurred_at, id) AS sn FROM o o),
    s AS (
      SELECT person, sn, min(occurred_at) AS occurred_at, extract(epoch FROM max(occurred_at) - min(occurred_at))::float8 AS secs,
             count(*) FILTER (WHERE type::text IN ('PAGE', 'SCREEN')) AS pages
      FROM n GROUP BY person, sn
    ),
    sb AS (SELECT s.*, ${bucketOf(raw('s'), q)} AS b FROM s)
    SELECT b::int AS b, ${select} FROM sb GROUP BY b`;
}

/** Each person's latest answer per bucket whose score is a number in [lo, hi]. */
function answersSql(q: MetricSqlQuery, event: string, prop: string, lo: number, hi: number, select: Sql): Sql {
  return sql`
    WITH tp AS (${touchpoints(q, { event })}),
    ans AS (
      SELECT DISTINCT ON (b, person) b, person, v
      FROM (SELECT b, person, occurred_at, id, ${numericValue(raw('tp'), prop)} AS v FROM tp) x
      WHERE v >= ${lo}::float8 AND v <= ${hi}::float8
      ORDER BY b, person, occurred_at DESC, id DESC
    )
    SELECT b::int AS b, ${select} FROM ans GROUP BY b`;
}

export function metricSql(q: MetricSqlQuery): Sql {
  const st = q.settings;
  switch (q.kind) {
    case MetricKind.CONVERSION_RATE:
      return sql`
        WITH tp AS (${touchpoints(q)}),
        pp AS (SELECT b, person, bool_or(COALESCE(event = ${st.conversionEvent}::text, false)) AS conv FROM tp GROUP BY b, person)
        SELECT b::int AS b, (count(*) FILTER (WHERE conv))::float8 AS num, count(*)::float8 AS den FROM pp GROUP BY b`;
    case MetricKind.REPURCHASE_RATE:
      return sql`
        WITH tp AS (${touchpoints(q, { event: st.orderEvent })}),
        pp AS (SELECT b, person, count(*) AS orders FROM tp GROUP BY b, person)
        SELECT b::int AS b, (count(*) FILTER (WHERE orders >= 2))::float8 AS num, count(*)::float8 AS den FROM pp GROUP BY b`;
    case MetricKind.AVERAGE_ORDER_VALUE:
      return sql`
        WITH tp AS (${touchpoints(q, { event: st.orderEvent })})
        SELECT b::int AS b, COALESCE(sum(revenue), 0)::float8 AS num, count(revenue)::float8 AS den FROM tp GROUP BY b`;
    case MetricKind.REVENUE_PER_CUSTOMER:
      return sql`
        WITH tp AS (${touchpoints(q, { event: st.orderEvent })}),
        pp AS (SELECT b, person, sum(revenue) AS revenue FROM tp GROUP BY b, person)
        SELECT b::int AS b, COALESCE(sum(revenue), 0)::float8 AS num, count(*)::float8 AS den FROM pp GROUP BY b`;
    case MetricKind.CHURN_RATE:
      return sql`
        WITH tp AS (${touchpoints(q, { previous: true })}),
        act AS (SELECT b, person FROM tp GROUP BY b, person)
        SELECT (a.b + 1)::int AS b, (count(*) FILTER (WHERE c.person IS NULL))::float8 AS num, count(*)::float8 AS den
        FROM act a LEFT JOIN act c ON c.person = a.person AND c.b = a.b + 1
        WHERE a.b + 1 < ${countOf(q.buckets)}::int
        GROUP BY a.b + 1`;
    case MetricKind.SESSIONS:
      return sessionsSql(q, sql`count(*)::float8 AS num, NULL::float8 AS den`);
    case MetricKind.BOUNCE_RATE:
      return sessionsSql(q, sql`(count(*) FILTER (WHERE pages = 1))::float8 AS num, (count(*) FILTER (WHERE pages >= 1))::float8 AS den`);
    case MetricKind.AVERAGE_SESSION_SECONDS:
      return sessionsSql(q, sql`sum(secs)::float8 AS num, count(*)::float8 AS den`);
    case MetricKind.NPS:
      return answersSql(q, st.npsEvent, st.npsScoreProperty, 0, 10, sql`(count(*) FILTER (WHERE v >= 9) - count(*) FILTER (WHERE v <= 6))::float8 AS num, count(*)::float8 AS den`);
    case MetricKind.CSAT:
      return answersSql(q, st.csatEvent, st.csatScoreProperty, 1, 5, sql`(count(*) FILTER (WHERE v >= 4))::float8 AS num, count(*)::float8 AS den`);
  }
}
