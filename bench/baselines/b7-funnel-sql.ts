/**
 * B7: a 4-step funnel written by hand, in one SQL statement, with the server's semantics
 * (funnel.repository.ts): a person is the live customer (touchpoints of merged customers count for the
 * winner); a person reaches step k if some step-1 touchpoint is followed, in the order (occurred_at, id)
 * and strictly after one another, by steps 2..k, all within the window of that step-1 touchpoint
 * (inclusive). Taking the earliest next match at every step is optimal, so a person's depth is the
 * deepest such greedy chain over their step-1 touchpoints.
 *
 * Written plainly: number each person's candidate touchpoints by (occurred_at, id), give every row the
 * number of the next row of step 2, 3 and 4 after it (a running min over the following rows), then follow
 * the chain with three equi-joins on (person, rn). Only the per-step counts come back (no medians: the
 * server also computes the median time between steps, which B7 does not).
 *
 * $1..$4 the step events, $5 from, $6 to (timestamptz), $7 the window in hours.
 */
export const B7_FUNNEL_SQL = `
WITH e AS (
  SELECT COALESCE(c.merged_into_id, c.id) AS person, t.id, t.event, t.occurred_at AS at
  FROM touchpoint t JOIN customer c ON c.id = t.customer_id
  WHERE t.event IN ($1, $2, $3, $4) AND t.occurred_at >= $5::timestamptz AND t.occurred_at < $6::timestamptz
),
n AS (
  SELECT person, id, event, at, row_number() OVER (PARTITION BY person ORDER BY at, id) AS rn FROM e
),
nx AS (
  SELECT n.*,
         min(rn) FILTER (WHERE event = $2) OVER f AS nx2,
         min(rn) FILTER (WHERE event = $3) OVER f AS nx3,
         min(rn) FILTER (WHERE event = $4) OVER f AS nx4
  FROM n
  WINDOW f AS (PARTITION BY person ORDER BY rn ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
),
chain AS (
  SELECT s1.person,
         1 + (s2.rn IS NOT NULL)::int + (s3.rn IS NOT NULL)::int + (s4.rn IS NOT NULL)::int AS depth
  FROM nx s1
  LEFT JOIN nx s2 ON s2.person = s1.person AND s2.rn = s1.nx2 AND s2.at <= s1.at + $7::float8 * interval '1 hour'
  LEFT JOIN nx s3 ON s3.person = s2.person AND s3.rn = s2.nx3 AND s3.at <= s1.at + $7::float8 * interval '1 hour'
  LEFT JOIN nx s4 ON s4.person = s3.person AND s4.rn = s3.nx4 AND s4.at <= s1.at + $7::float8 * interval '1 hour'
  WHERE s1.event = $1
),
per AS (SELECT person, max(depth) AS depth FROM chain GROUP BY person)
SELECT count(*)::int AS step1,
       count(*) FILTER (WHERE depth >= 2)::int AS step2,
       count(*) FILTER (WHERE depth >= 3)::int AS step3,
       count(*) FILTER (WHERE depth >= 4)::int AS step4
FROM per`;

export interface B7Params {
  steps: [string, string, string, string];
  from: Date;
  to: Date;
  windowHours: number;
}

export const b7Params = (p: B7Params): unknown[] => [...p.steps, p.from.toISOString(), p.to.toISOString(), p.windowHours];
