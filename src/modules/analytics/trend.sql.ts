/**
 * One trend series in one SQL statement (definitions: docs/analytics.md, "Trends"). Pure builders; the
 * repository runs them.
 *
 * Time: every touchpoint gets a "fine" index f — hours since the first bucket's start for HOUR, local
 * days (in the query's time zone) since the first bucket's local start date otherwise — and its bucket
 * is width_bucket(f, thresholds), the thresholds being the fine index of every bucket start after the
 * first (plus the end of the last). So buckets of any interval, in any zone, come from one integer
 * comparison per row, and the windows of DAU/WAU/MAU are counted in the same fine units.
 *
 * Shape: src (the series' touchpoints, a breakdown tuple `rawkey`, the numeric value for property maths)
 * → pre (grouped as far as the math allows: per bucket and tuple, or per person too for distinct counts,
 * or raw values for percentiles) → keep (the top `limit` tuples by the series' total over the range; or
 * the tuples given, for the compare period) → m (pre with each tuple's rank; the rest share rank
 * limit + 1, "Other", before anything is aggregated, so a distinct count in Other counts a person once)
 * → per-bucket points and per-row totals. Everything is grouped in the database; only at most
 * (limit + 1) × (buckets + 1) numbers come back.
 *
 * Windowed maths (DAU/WAU/MAU with an interval shorter than the window): per (row, person) the active
 * fine units become islands of coverage [first, last + W) (units closer than W merge), each island adds
 * +1 at the bucket holding its start and −1 at the bucket holding its end; the running sum of those
 * deltas over the buckets (taken by the service) is the number of people active in the W units ending
 * at each bucket's end. O(active person-units log) instead of one row per (person, unit, window unit).
 */
import { Prisma } from '../../generated/prisma/client.ts';
import type { Channel, TouchpointType } from '../../generated/prisma/enums.ts';
import { NUMERIC_STRING } from '../segments/rules/rule.values.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';
import { breakdownJoins, dimensionSql } from './breakdown.sql.ts';
import type { Dimension } from './breakdown.service.ts';
import { filterSql, type StepFilter } from './funnel.repository.ts';
import { TrendInterval, TrendMath } from './trend.types.ts';

const { sql, raw, join } = Prisma;
type Sql = Prisma.Sql;

export interface TrendSeriesSpec {
  event: string | null;
  type: TouchpointType | null;
  channel: Channel | null;
  where: StepFilter[];
  math: TrendMath;
  property: string | null;
}

/** Where the buckets of a range start, as the repository's bucket plan computes them. */
export interface BucketGrid {
  interval: TrendInterval;
  timezone: string;
  /** HOUR: the first bucket's start; otherwise its local start date (YYYY-MM-DD). */
  anchor: Date | string;
  /** The fine index of the start of buckets 1..n-1 and of the end of bucket n-1 (n entries). */
  thresholds: number[];
}

export interface TrendSqlQuery {
  scope: AnalyticsScope;
  /** scope.from, or earlier for windowed maths (their windows reach before the range). */
  readFrom: Date;
  grid: BucketGrid;
  series: TrendSeriesSpec;
  /** Windowed maths: the window in fine units; null for every other math. */
  window: number | null;
  dims: Dimension[];
  limit: number;
  /** The tuples to keep, in rank order (the compare period keeps the current period's); null: rank here. */
  keep: (string | null)[][] | null;
  now: Date;
}

export interface TrendSqlRow {
  kind: 'key' | 'point' | 'total';
  rk: number;
  key: (string | null)[] | null;
  bucket: number | null;
  value: number | null;
}

export const PROPERTY_MATHS: ReadonlySet<TrendMath> = new Set([TrendMath.SUM, TrendMath.AVG, TrendMath.MIN, TrendMath.MAX, TrendMath.MEDIAN, TrendMath.P90, TrendMath.P95, TrendMath.P99]);
const PERCENTILES: Partial<Record<TrendMath, number>> = { [TrendMath.MEDIAN]: 0.5, [TrendMath.P90]: 0.9, [TrendMath.P95]: 0.95, [TrendMath.P99]: 0.99 };
/** Window of the active-people maths, in days. */
export const ACTIVE_WINDOW_DAYS: Partial<Record<TrendMath, number>> = { [TrendMath.DAU]: 1, [TrendMath.WAU]: 7, [TrendMath.MAU]: 30 };

/** The property as a float: the revenue column, or a JSON number, or a string holding a plain decimal; else NULL. */
export function numericValue(e: Sql, prop: string): Sql {
  if (prop === 'revenue') return sql`${e}.revenue::float8`;
  const x = sql`(${e}.properties -> ${prop}::text)`;
  return sql`(CASE jsonb_typeof(${x}) WHEN 'number' THEN (${x})::float8
    WHEN 'string' THEN (CASE WHEN (${x} #>> '{}') ~ ${NUMERIC_STRING}::text THEN (${x} #>> '{}')::float8 END) END)`;
}

export function fineIndex(e: Sql, g: BucketGrid): Sql {
  if (g.interval === TrendInterval.HOUR) return sql`floor(extract(epoch FROM ${e}.occurred_at - ${g.anchor as Date}::timestamptz) / 3600)::int`;
  return sql`((${e}.occurred_at AT TIME ZONE ${g.timezone}::text)::date - ${g.anchor as string}::date)`;
}

type Kind = 'count' | 'moments' | 'distinct' | 'perCustomer' | 'percentile' | 'windowed';

function kindOf(math: TrendMath, windowed: boolean): Kind {
  if (windowed) return 'windowed';
  if (math === TrendMath.TOTAL) return 'count';
  if (math === TrendMath.PER_CUSTOMER_AVG) return 'perCustomer';
  if (PERCENTILES[math] !== undefined) return 'percentile';
  if (PROPERTY_MATHS.has(math)) return 'moments';
  return 'distinct'; // UNIQUE_CUSTOMERS, and DAU/WAU/MAU at an interval as long as their window
}

/** pre: the series' rows grouped as far as the math allows. */
function preSql(kind: Kind, bucket: Sql): Sql {
  switch (kind) {
    case 'count':
      return sql`SELECT rawkey, ${bucket} AS bucket, count(*)::float8 AS n FROM src GROUP BY 1, 2`;
    case 'moments':
      return sql`SELECT rawkey, ${bucket} AS bucket, count(*)::float8 AS n, sum(v) AS s, min(v) AS mn, max(v) AS mx FROM src GROUP BY 1, 2`;
    case 'distinct':
      return sql`SELECT rawkey, ${bucket} AS bucket, person FROM src GROUP BY 1, 2, 3`;
    case 'perCustomer':
      return sql`SELECT rawkey, ${bucket} AS bucket, person, count(*)::float8 AS n FROM src GROUP BY 1, 2, 3`;
    case 'percentile':
      return sql`SELECT rawkey, ${bucket} AS bucket, v FROM src`;
    case 'windowed':
      return sql`SELECT rawkey, person, f, bool_or(inr) AS inr FROM src GROUP BY 1, 2, 3`;
  }
}

/**
 * The math over groups of pre rows: `SELECT <cols>, value FROM <from> [WHERE ...] GROUP BY <cols>`.
 * Distinct people are counted by grouping on (cols, person) first and counting those rows: hash
 * aggregates, where count(DISTINCT) would sort every group.
 */
function aggregateSql(kind: Kind, math: TrendMath, from: Sql, cols: string, where: Sql = Prisma.empty): Sql {
  const c = raw(cols);
  const grouped = (value: Sql) => sql`SELECT ${c}, ${value} AS value FROM ${from} ${where} GROUP BY ${c}`;
  switch (kind) {
    case 'count':
      return grouped(sql`sum(n)`);
    case 'moments':
      return grouped(math === TrendMath.SUM ? sql`sum(s)` : math === TrendMath.AVG ? sql`sum(s) / NULLIF(sum(n), 0)` : math === TrendMath.MIN ? sql`min(mn)` : sql`max(mx)`);
    case 'percentile':
      return grouped(sql`percentile_cont(${PERCENTILES[math]!}::float8) WITHIN GROUP (ORDER BY v)`);
    case 'distinct':
    case 'windowed':
      return sql`SELECT ${c}, count(*)::float8 AS value FROM (SELECT ${c}, person FROM ${from} ${where} GROUP BY ${c}, person) x GROUP BY ${c}`;
    case 'perCustomer':
      return sql`SELECT ${c}, sum(n) / count(*) AS value FROM (SELECT ${c}, person, sum(n) AS n FROM ${from} ${where} GROUP BY ${c}, person) x GROUP BY ${c}`;
  }
}

function seriesWhere(s: TrendSeriesSpec, e: Sql, value: Sql | null): Sql {
  const parts: Sql[] = [sql`true`];
  if (s.event !== null) parts.push(sql`${e}.event = ${s.event}::text`);
  if (s.type !== null) parts.push(sql`${e}.type::text = ${s.type}::text`);
  if (s.channel !== null) parts.push(sql`${e}.channel::text = ${s.channel}::text`);
  for (const f of s.where) parts.push(filterSql(f));
  if (value) parts.push(sql`${value} IS NOT NULL`);
  return join(parts, ' AND ');
}

export function trendSql(q: TrendSqlQuery): Sql {
  const e = raw('e'); // filterSql reads alias e
  const s = q.series;
  const kind = kindOf(s.math, q.window !== null);
  const value = s.property !== null && PROPERTY_MATHS.has(s.math) ? numericValue(e, s.property) : null;
  const rows = sql`(${scopedTouchpoints({ ...q.scope, from: q.readFrom }, Prisma.empty, sql`, t.type, t.source_name, t.context, t.sentiment_label`)}) e`;
  const where = seriesWhere(s, e, value);
  const persons = sql`SELECT DISTINCT e.person FROM ${rows} WHERE ${where}`;
  const joins = breakdownJoins(q.dims, { person: sql`e.person`, persons, now: q.now });
  const rawkey = q.dims.length ? sql`ARRAY[${join(q.dims.map((d) => dimensionSql(d, { row: 'e', timezone: q.grid.timezone })), ', ')}]::text[]` : sql`'{}'::text[]`;
  const thresholds = sql`${q.grid.thresholds}::int[]`;
  const bucketOf = (x: Sql) => sql`width_bucket(${x}, ${thresholds})`;
  const inRange = kind === 'windowed' ? sql`WHERE inr` : Prisma.empty;
  const other = q.limit + 1;
  const ranking = q.keep === null && q.dims.length > 0;

  // Ranking: the math per tuple over the range. Those are also the kept rows' totals, so only Other's
  // total is computed again (from its own rows); with given tuples (compare), or without breakdown (one
  // row, the empty tuple, even when nothing matched), every total is computed from m.
  const keep = !ranking
    ? q.keep === null
      ? sql`SELECT 1 AS rk, '{}'::text[] AS rawkey, NULL::float8 AS total`
      : sql`SELECT k.ord::int AS rk, ARRAY(SELECT x.v FROM jsonb_array_elements_text(k.t) WITH ORDINALITY x(v, o) ORDER BY x.o)::text[] AS rawkey, NULL::float8 AS total
          FROM jsonb_array_elements(${JSON.stringify(q.keep)}::jsonb) WITH ORDINALITY k(t, ord)`
    : sql`SELECT rk, rawkey, total FROM (
            SELECT rawkey, value AS total, row_number() OVER (ORDER BY value DESC NULLS LAST, rawkey COLLATE "C") AS rk
            FROM (${aggregateSql(kind, s.math, sql`pre`, 'rawkey', inRange)}) ranked
          ) r WHERE rk <= ${q.limit}`;
  const totals = ranking
    ? sql`SELECT rk, total AS value FROM keep UNION ALL ${aggregateSql(kind, s.math, sql`m`, 'rk', kind === 'windowed' ? sql`WHERE inr AND rk = ${other}::int` : sql`WHERE rk = ${other}::int`)}`
    : aggregateSql(kind, s.math, sql`m`, 'rk', inRange);

  const points =
    kind === 'windowed'
      ? sql`act AS (SELECT rk, person, f FROM m GROUP BY rk, person, f),
          gaps AS (SELECT rk, person, f, CASE WHEN f - lag(f) OVER (PARTITION BY rk, person ORDER BY f) <= ${q.window!}::int THEN 0 ELSE 1 END AS brk FROM act),
          runs AS (SELECT rk, person, f, sum(brk) OVER (PARTITION BY rk, person ORDER BY f) AS run FROM gaps),
          isl AS (SELECT rk, min(f) AS s, max(f) + ${q.window!}::int AS e FROM runs GROUP BY rk, person, run),
          deltas AS (SELECT rk, ${bucketOf(sql`s`)} AS bucket, 1 AS d FROM isl UNION ALL SELECT rk, ${bucketOf(sql`e`)}, -1 FROM isl),
          points AS (SELECT rk, bucket, sum(d)::float8 AS value FROM deltas WHERE bucket < ${q.grid.thresholds.length}::int GROUP BY rk, bucket)`
      : sql`points AS (${aggregateSql(kind, s.math, sql`m`, 'rk, bucket')})`;

  return sql`
    WITH src AS (
      SELECT e.person, ${fineIndex(e, q.grid)} AS f, e.occurred_at >= ${q.scope.from}::timestamptz AS inr, ${value ?? sql`NULL::float8`} AS v, ${rawkey} AS rawkey
      FROM ${rows} ${joins}
      WHERE ${where}
    ),
    pre AS (${preSql(kind, bucketOf(sql`f`))}),
    keep AS (${keep}),
    m AS (SELECT pre.*, COALESCE(keep.rk, ${other}::int) AS rk FROM pre LEFT JOIN keep ON keep.rawkey = pre.rawkey),
    ${points}
    SELECT 'key' AS kind, rk::int AS rk, rawkey AS key, NULL::int AS bucket, NULL::float8 AS value FROM keep
    UNION ALL SELECT 'point', rk::int, NULL, bucket::int, value::float8 FROM points
    UNION ALL SELECT 'total', rk::int, NULL, NULL, value::float8 FROM (${totals}) t`;
}
