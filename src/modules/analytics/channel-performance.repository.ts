/**
 * Channel performance in SQL. Data size: one pass over the scope's touchpoints grouped to
 * (person, channel), joined to the same person's conversions; only one row per channel (≤ 13) comes
 * back to Node, with the median computed by percentile_cont in the database.
 */
import type { Db } from '../../db/client.ts';
import type { Channel } from '../../generated/prisma/enums.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';

export interface ChannelPerformanceRow {
  channel: Channel;
  reached: number;
  touchpoints: number;
  converted: number;
  revenue: number;
  median_seconds: number | null;
}

export const channelPerformanceRepository = {
  async perChannel(db: Db, scope: AnalyticsScope, conversionEvent: string): Promise<ChannelPerformanceRow[]> {
    return db.$queryRaw<ChannelPerformanceRow[]>`
      WITH tp AS (${scopedTouchpoints(scope)}),
      reach AS (
        SELECT person, channel, min(occurred_at) AS first_at, count(*) AS n
        FROM tp WHERE event IS DISTINCT FROM ${conversionEvent} GROUP BY person, channel
      ),
      conv AS (SELECT person, occurred_at AS at, COALESCE(revenue, 0)::float8 AS value FROM tp WHERE event = ${conversionEvent}),
      per_person AS (
        SELECT r.channel, r.person, r.n, r.first_at, min(c.at) AS converted_at, COALESCE(sum(c.value), 0) AS value
        FROM reach r LEFT JOIN conv c ON c.person = r.person AND c.at >= r.first_at
        GROUP BY r.channel, r.person, r.n, r.first_at
      )
      SELECT channel::text AS channel, count(*)::int AS reached, sum(n)::int AS touchpoints, count(converted_at)::int AS converted,
             sum(value)::float8 AS revenue,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM converted_at - first_at)::float8) AS median_seconds
      FROM per_person GROUP BY channel ORDER BY channel`;
  },
};
