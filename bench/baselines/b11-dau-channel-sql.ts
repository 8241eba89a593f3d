/**
 * B11: the daily-active-customers trend by channel written by hand, in one SQL statement, with the
 * server's semantics (docs/analytics.md, "Trends"): a person is the live customer (touchpoints of merged
 * customers count for the winner); DAU at a DAY interval is the number of distinct people with a
 * touchpoint in the bucket (UTC days here); a row's total is the distinct people over the whole range.
 * No ranking or Other: the data set has fewer channels than the breakdown limit.
 *
 * $1 from, $2 to (timestamptz). Rows: (channel, day index from $1's date or NULL for the total, people).
 */
export const B11_DAU_CHANNEL_SQL = `
WITH e AS (
  SELECT COALESCE(c.merged_into_id, c.id) AS person, t.channel::text AS channel, (t.occurred_at AT TIME ZONE 'UTC')::date - ($1::timestamptz AT TIME ZONE 'UTC')::date AS day
  FROM touchpoint t JOIN customer c ON c.id = t.customer_id
  WHERE t.occurred_at >= $1::timestamptz AND t.occurred_at < $2::timestamptz
)
SELECT channel, day, count(DISTINCT person)::int AS people FROM e GROUP BY channel, day
UNION ALL
SELECT channel, NULL, count(DISTINCT person)::int FROM e GROUP BY channel`;

export const b11Params = (p: { from: Date; to: Date }): unknown[] => [p.from.toISOString(), p.to.toISOString()];
