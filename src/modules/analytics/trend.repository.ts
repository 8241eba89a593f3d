/**
 * Trends in SQL: the bucket plan of a range (where each bucket starts, in the query's time zone) and
 * one statement per series (trend.sql.ts). Definitions in docs/analytics.md, "Trends".
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { trendSql, type TrendSqlQuery, type TrendSqlRow } from './trend.sql.ts';
import { TrendInterval } from './trend.types.ts';

const { sql } = Prisma;

export interface BucketPlan {
  /** Buckets the range covers (the plan lists at most the first max + 1 of them, and the end). */
  count: number;
  /** HOUR: the first bucket's start; otherwise its local start date (YYYY-MM-DD). */
  anchor: Date | string;
  /** Bucket i starts at starts[i] (the last entry: the end of the last bucket). */
  starts: Date[];
  /** The fine index (hours or local days from the anchor) of each entry of starts. */
  fine: number[];
}

/**
 * The plan's SQL per interval: n buckets, the anchor, and bucket i's start as an instant and as a fine
 * index. l0/l1: the local date-times of the range's first and last instant (`to` is exclusive and
 * touchpoint times have millisecond precision).
 */
function planSql(interval: TrendInterval, tz: string, from: Date, to: Date, max: number): Prisma.Sql {
  const l0 = sql`(${from}::timestamptz AT TIME ZONE ${tz}::text)`;
  const l1 = sql`((${to}::timestamptz - interval '1 millisecond') AT TIME ZONE ${tz}::text)`;
  const cap = max + 1;
  if (interval === TrendInterval.HOUR) {
    return sql`
      WITH b AS (SELECT date_trunc('hour', ${from}::timestamptz, ${tz}::text) AS h0)
      SELECT ceil(extract(epoch FROM ${to}::timestamptz - b.h0) / 3600)::int AS n, NULL::text AS a, b.h0,
             i AS fine, b.h0 + i * interval '1 hour' AS at
      FROM b, generate_series(0, LEAST(ceil(extract(epoch FROM ${to}::timestamptz - b.h0) / 3600)::int, ${cap}::int)) i ORDER BY i`;
  }
  const unit = interval === TrendInterval.DAY ? 'day' : interval === TrendInterval.WEEK ? 'week' : 'month';
  const n =
    interval === TrendInterval.MONTH
      ? sql`((extract(year FROM l1) * 12 + extract(month FROM l1)) - (extract(year FROM a) * 12 + extract(month FROM a)))::int + 1`
      : interval === TrendInterval.WEEK
        ? sql`((l1::date - a) / 7) + 1`
        : sql`(l1::date - a) + 1`;
  const step = interval === TrendInterval.MONTH ? sql`interval '1 month'` : interval === TrendInterval.WEEK ? sql`interval '7 days'` : sql`interval '1 day'`;
  return sql`
    WITH b0 AS (SELECT ${l0} AS l0, ${l1} AS l1),
    b AS (SELECT date_trunc(${unit}::text, l0)::date AS a, l1 FROM b0),
    c AS (SELECT a, ${n} AS n FROM b)
    SELECT c.n, c.a::text AS a, NULL::timestamptz AS h0,
           ((c.a + i * ${step})::date - c.a) AS fine, ((c.a + i * ${step})::timestamp AT TIME ZONE ${tz}::text) AS at
    FROM c, generate_series(0, LEAST(c.n, ${cap}::int)) i ORDER BY i`;
}

export const trendRepository = {
  /** The zone names the database knows (read once per process by the service: the view reads every zone file). */
  async timezoneNames(db: Db): Promise<string[]> {
    const rows = await db.$queryRaw<{ name: string }[]>`SELECT name FROM pg_timezone_names`;
    return rows.map((r) => r.name);
  },

  async bucketPlan(db: Db, interval: TrendInterval, tz: string, from: Date, to: Date, max: number): Promise<BucketPlan> {
    const rows = await db.$queryRaw<{ n: number; a: string | null; h0: Date | null; fine: number; at: Date }[]>(planSql(interval, tz, from, to, max));
    const first = rows[0]!;
    return { count: first.n, anchor: interval === TrendInterval.HOUR ? first.h0! : first.a!, starts: rows.map((r) => r.at), fine: rows.map((r) => r.fine) };
  },

  async series(db: Db, q: TrendSqlQuery): Promise<TrendSqlRow[]> {
    return db.$queryRaw<TrendSqlRow[]>(trendSql(q));
  },
};
