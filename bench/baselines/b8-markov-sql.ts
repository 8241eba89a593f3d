/**
 * B8: the Markov attribution's transition counts written by hand, in one SQL statement, with the
 * server's journeys (attribution.repository.ts): a person is the live customer; a touch belongs to the
 * first conversion at or after it in the order (occurred_at, conversion after touch at the same
 * instant, id) when it lies within the lookback before that conversion; people with touches and no
 * conversion make one non-converting journey of their touches within the lookback before their last
 * touch. Transitions: START → first channel, channel → next channel, last channel → CONVERSION or NULL.
 *
 * Written plainly with window functions: each touch gets the number of conversions before it (its
 * journey key with the person) and the time of the next conversion, then lead() over each journey.
 * Unlike the server's statement it computes nothing but the transitions (the server always computes the
 * rule-based models' sums and the totals in the same statement). The removal effects then come from the
 * same tiny linear solve the server uses (attribution.markov.ts), run on B8's counts.
 *
 * $1 the conversion event, $2 from, $3 to (timestamptz), $4 the lookback in days.
 */
export const B8_TRANSITIONS_SQL = `
WITH tp AS (
  SELECT COALESCE(c.merged_into_id, c.id) AS person, t.id, t.channel::text AS ch, t.occurred_at AS at,
         COALESCE(t.event = $1, false) AS is_conv
  FROM touchpoint t JOIN customer c ON c.id = t.customer_id
  WHERE t.occurred_at >= $2::timestamptz AND t.occurred_at < $3::timestamptz
),
n AS (
  SELECT tp.*,
         count(*) FILTER (WHERE is_conv) OVER (PARTITION BY person ORDER BY at, is_conv, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS k,
         min(at) FILTER (WHERE is_conv) OVER (PARTITION BY person ORDER BY at, is_conv, id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_conv_at,
         count(*) FILTER (WHERE is_conv) OVER (PARTITION BY person) AS convs,
         max(at) OVER (PARTITION BY person) AS last_at
  FROM tp
),
j AS (
  SELECT person, k, id, ch, at, next_conv_at IS NOT NULL AS converted FROM n
  WHERE NOT is_conv
    AND ((next_conv_at IS NOT NULL AND at >= next_conv_at - make_interval(days => $4::int))
      OR (convs = 0 AND at >= last_at - make_interval(days => $4::int)))
),
s AS (
  SELECT ch, converted, row_number() OVER w AS i, lead(ch) OVER w AS next_ch
  FROM j WINDOW w AS (PARTITION BY person, k ORDER BY at, id)
)
SELECT src, dst, count(*)::int AS n FROM (
  SELECT ch AS src, COALESCE(next_ch, CASE WHEN converted THEN '$conversion' ELSE '$null' END) AS dst FROM s
  UNION ALL
  SELECT '^start', ch FROM s WHERE i = 1
) x GROUP BY src, dst`;

export const b8Params = (p: { conversionEvent: string; from: Date; to: Date; lookbackDays: number }): unknown[] => [
  p.conversionEvent,
  p.from.toISOString(),
  p.to.toISOString(),
  p.lookbackDays,
];
