/**
 * B10: the churn check as it ran before churn_last_event, one statement: every touchpoint of the churn
 * event grouped by person, and every person silent since the cutoff inserted as an alert, the ones
 * already raised dropped by ON CONFLICT. W8 runs it right after the incremental check, so it should
 * insert nothing: what it returns is what the incremental check missed.
 *
 * $1 the churn event, $2 now, $3 the cutoff (timestamptz), $4 silence days.
 */
const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const B10_CHURN_SCAN_SQL = `
INSERT INTO alert (id, kind, key, customer_id, channel, details, raised_at)
SELECT gen_random_uuid(), 'CHURN_RISK'::"AlertKind", 'CHURN_RISK:' || s.person::text || ':' || ${iso('s.last_at')}, s.person, NULL,
       jsonb_build_object('event', $1::text, 'lastEventAt', ${iso('s.last_at')}, 'silenceDays', $4::float8,
                          'daysSilent', round((extract(epoch FROM $2::timestamptz - s.last_at) / 86400)::numeric, 3)::float8),
       $2::timestamptz
FROM (
  SELECT COALESCE(c.merged_into_id, c.id) AS person, max(t.occurred_at) AS last_at
  FROM touchpoint t JOIN customer c ON c.id = t.customer_id
  WHERE t.event = $1 AND t.occurred_at <= $2::timestamptz
  GROUP BY 1
) s
WHERE s.last_at < $3::timestamptz
ORDER BY s.last_at, s.person
ON CONFLICT (key) DO NOTHING
RETURNING key`;

/** How many people are silent now (for the report). */
export const B10_SILENT_SQL = `SELECT count(*)::int AS n FROM alert WHERE kind = 'CHURN_RISK'`;
