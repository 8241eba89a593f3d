/**
 * B12: ROI by (channel, campaign) under LAST_TOUCH, written by hand in one SQL statement, with the
 * server's semantics (docs/analytics.md): a person is the live customer; a conversion's journey is the
 * person's non-conversion touches after their previous conversion (a touch at the same instant as a
 * conversion comes before it) and within the lookback before it; the last of them (by occurred_at, id)
 * gets the conversion and its revenue. Spend is the base amount of the spend rows of the scope's days.
 *
 * $1 conversion event, $2 from, $3 to (timestamptz), $4 lookback days, $5 first spend date, $6 end spend date.
 */
export const B12_ROI_SQL = `
WITH tp AS (
  SELECT COALESCE(c.merged_into_id, c.id) AS person, t.id, t.event, t.channel, t.campaign, t.revenue, t.occurred_at AS at
  FROM touchpoint t JOIN customer c ON c.id = t.customer_id
  WHERE t.occurred_at >= $2::timestamptz AND t.occurred_at < $3::timestamptz
),
conv AS (
  SELECT person, id, at, COALESCE(revenue, 0)::float8 AS value, lag(at) OVER (PARTITION BY person ORDER BY at, id) AS prev_at
  FROM tp WHERE event = $1
),
last_touch AS (
  SELECT DISTINCT ON (c.id) c.id, c.value, t.channel::text AS channel, COALESCE(t.campaign, '') AS campaign
  FROM conv c JOIN tp t ON t.person = c.person AND t.event IS DISTINCT FROM $1
   AND t.at <= c.at AND (c.prev_at IS NULL OR t.at > c.prev_at) AND t.at >= c.at - make_interval(days => $4::int)
  ORDER BY c.id, t.at DESC, t.id DESC
),
credit AS (SELECT channel, campaign, count(*)::float8 AS conversions, sum(value) AS value FROM last_touch GROUP BY 1, 2),
spend AS (
  SELECT channel::text AS channel, campaign, sum(amount_base)::float8 AS spend FROM ad_spend
  WHERE date >= $5::date AND date < $6::date GROUP BY 1, 2
)
SELECT COALESCE(s.channel, k.channel) AS channel, COALESCE(s.campaign, k.campaign) AS campaign,
       COALESCE(s.spend, 0) AS spend, COALESCE(k.conversions, 0) AS conversions, COALESCE(k.value, 0) AS value,
       COALESCE(s.spend, 0) / NULLIF(k.conversions, 0) AS cpa,
       COALESCE(k.value, 0) / NULLIF(s.spend, 0) AS roas,
       (COALESCE(k.value, 0) - COALESCE(s.spend, 0)) / NULLIF(s.spend, 0) AS roi
FROM spend s FULL JOIN credit k ON k.channel = s.channel AND k.campaign = s.campaign`;
