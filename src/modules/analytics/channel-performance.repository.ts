/**
 * Channel performance in SQL. Data size: one pass over the scope's touchpoints grouped to
 * (person, channel), joined to the same person's conversions; only one row per channel (≤ 13) comes
 * back to Node, with the median computed by percentile_cont in the database.
 */
import type { Db } from '../../db/client.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';
import { dimensionKey } from './dimension.sql.ts';
import type { MarketingDimension } from './dimension.types.ts';

export interface ChannelPerformanceRow {
  /** A channel, or "CHANNEL/campaign" by CAMPAIGN (dimension.sql.ts). */
  channel: string;
  reached: number;
  touchpoints: number;
  converted: number;
  revenue: number;
  median_seconds: number | null;
}

export const channelPerformanceRepository = {
  async perChannel(db: Db, scope: AnalyticsScope, conversionEvent: string, by?: MarketingDimension): Promise<ChannelPerformanceRow[]> {
    return db.$queryRaw<ChannelPerformanceRow[]>`
      WITH tp AS (${scopedTouchpoints(scope)}),
      reach AS (
        SELECT person, ${dimensionKey(by)} AS channel, min(occurred_at) AS first_at, count(*) AS n
        FROM tp WHERE event IS DISTINCT FROM ${conversionEvent} GROUP BY 1, 2
      ),
      conv AS (SELECT person, occurred_at AS at, COALESCE(revenue, 0)::float8 AS value FROM tp WHERE event = ${conversionEvent}),
      per_person AS (
        SELECT r.channel, r.person, r.n, r.first_at, min(c.at) AS converted_at, COALESCE(sum(c.value), 0) AS value
        FROM reach r LEFT JOIN conv c ON c.person = r.person AND c.at >= r.first_at
        GROUP BY r.channel, r.person, r.n, r.first_at
      )
      SELECT channel, count(*)::int AS reached, sum(n)::int AS touchpoints, count(converted_at)::int AS converted,
             sum(value)::float8 AS revenue,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM converted_at - first_at)::float8) AS median_seconds
      FROM per_person GROUP BY channel ORDER BY channel`;
  },
};
