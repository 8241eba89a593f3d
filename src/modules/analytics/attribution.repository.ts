/**
 * Attribution in SQL. Data size: every step below runs in the database, over the scope's touchpoints,
 * with window functions partitioned by person (one sort of the scope, then linear passes and one
 * equi-join); what comes back to Node is one row of JSON holding per-channel sums (≤ 13 rows; by CAMPAIGN one per
 * channel and campaign), the
 * Markov transition counts (≤ 15 × 15 pairs) and a few totals, however many touchpoints there are.
 *
 * Journeys. Every touchpoint of a person in scope is numbered by how many of that person's
 * conversions come before it, in the order (occurred_at, conversion after touch at the same instant,
 * id). A touch numbered k belongs to conversion k+1, i.e. to the first conversion at or after it, so
 * it lies after the previous conversion; it is in that conversion's journey when it is also within
 * `lookbackDays` before it. People in scope with touches and no conversion at all make the
 * non-converting journeys: their touches within `lookbackDays` before their last touch. A converting
 * person's touches after their last conversion belong to no journey.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';
import { dimensionKey } from './dimension.sql.ts';
import type { MarketingDimension } from './dimension.types.ts';

export interface AttributionQuery {
  scope: AnalyticsScope;
  conversionEvent: string;
  lookbackDays: number;
  halfLifeDays: number;
  /** Also count the transitions of the Markov chain. */
  markov: boolean;
  /** Sum the rule-based models' credits per channel (false: `channels` comes back empty, for a MARKOV-only request). Default true. */
  rules?: boolean;
  /** What a touch is credited to: its channel, or its channel and campaign (the key of dimension.sql.ts). */
  by?: MarketingDimension;
}

/** Credit per dimension key (a channel, or "CHANNEL/campaign") under the rule-based models: conversions (c) and value (v). */
export interface ChannelCredits {
  channel: string;
  first_c: number;
  first_v: number;
  last_c: number;
  last_v: number;
  linear_c: number;
  linear_v: number;
  position_c: number;
  position_v: number;
  decay_c: number;
  decay_v: number;
}

/** Markov states besides the channels. */
export const START = '^start';
export const CONVERSION = '$conversion';
export const NULL_STATE = '$null';

export interface Transition {
  src: string;
  dst: string;
  n: number;
}

export interface AttributionTotals {
  conversions: number;
  value: number;
  attributed: number;
  attributed_value: number;
  non_converting: number;
}

export interface AttributionRows {
  channels: ChannelCredits[];
  transitions: Transition[];
  totals: AttributionTotals;
}

export const attributionRepository = {
  async compute(db: Db, q: AttributionQuery): Promise<AttributionRows> {
    const lookback = Prisma.sql`make_interval(days => ${q.lookbackDays}::int)`;
    const transitions = q.markov
      ? Prisma.sql`(SELECT COALESCE(jsonb_agg(jsonb_build_object('src', src, 'dst', dst, 'n', n)), '[]') FROM (
           SELECT src, dst, count(*)::int AS n FROM (
             SELECT channel::text AS src, COALESCE(next_channel, CASE WHEN converted THEN ${CONVERSION} ELSE ${NULL_STATE} END) AS dst FROM pos
             UNION ALL
             SELECT ${START}, channel::text FROM pos WHERE i = 1
           ) t GROUP BY src, dst) g)`
      : Prisma.sql`'[]'::jsonb`;
    // A MARKOV-only request needs neither the decay weights nor the per-channel credit sums.
    const rules = q.rules ?? true;
    const decay = Prisma.sql`,
               -- 2^(−Δt/halfLife) relative to the journey's last touch (the factor to the conversion cancels
               -- when normalising); the exponent is bounded so a long-ago touch weighs ~0 instead of underflowing.
               exp(greatest(-700::float8, -ln(2::float8) * extract(epoch FROM max(at) OVER p - at)::float8 / ${q.halfLifeDays * 86_400}::float8)) AS decay`;
    const credit = Prisma.sql`,
      credit AS (
        SELECT channel, value,
               CASE WHEN i = 1 THEN 1 ELSE 0 END::float8 AS first_c,
               CASE WHEN i = n THEN 1 ELSE 0 END::float8 AS last_c,
               1::float8 / n AS linear_c,
               CASE WHEN n = 1 THEN 1 WHEN n = 2 THEN 0.5 WHEN i = 1 OR i = n THEN 0.4 ELSE 0.2 / (n - 2) END::float8 AS position_c,
               decay / sum(decay) OVER (PARTITION BY journey) AS decay_c
        FROM pos WHERE converted
      )`;
    const channels = Prisma.sql`(SELECT COALESCE(jsonb_agg(to_jsonb(g)), '[]') FROM (
           SELECT channel::text AS channel,
                  sum(first_c) AS first_c, sum(first_c * value) AS first_v, sum(last_c) AS last_c, sum(last_c * value) AS last_v,
                  sum(linear_c) AS linear_c, sum(linear_c * value) AS linear_v, sum(position_c) AS position_c,
                  sum(position_c * value) AS position_v, sum(decay_c) AS decay_c, sum(decay_c * value) AS decay_v
           FROM credit GROUP BY channel) g)`;
    const [row] = await db.$queryRaw<AttributionRows[]>`
      WITH tp AS (${scopedTouchpoints(q.scope)}),
      numbered AS (
        SELECT person, id, ${dimensionKey(q.by)} AS channel, occurred_at AS at, revenue, is_conv,
               count(*) FILTER (WHERE is_conv) OVER (PARTITION BY person ORDER BY occurred_at, is_conv, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS convs_before,
               count(*) FILTER (WHERE is_conv) OVER (PARTITION BY person) AS convs_total,
               max(occurred_at) OVER (PARTITION BY person) AS last_at
        FROM (SELECT tp.*, (tp.event IS NOT DISTINCT FROM ${q.conversionEvent}) AS is_conv FROM tp) x
      ),
      conv AS (
        SELECT person, convs_before + 1 AS k, id, at, COALESCE(revenue, 0)::float8 AS value FROM numbered WHERE is_conv
      ),
      journey_touch AS (
        SELECT true AS converted, c.id AS journey, t.channel, t.at, t.id, c.value
        FROM conv c JOIN numbered t ON t.person = c.person AND t.convs_before + 1 = c.k AND NOT t.is_conv AND t.at >= c.at - ${lookback}
        UNION ALL
        SELECT false, t.person, t.channel, t.at, t.id, 0::float8
        FROM numbered t WHERE t.convs_total = 0 AND t.at >= t.last_at - ${lookback}
      ),
      pos AS (
        SELECT j.*, row_number() OVER w AS i, count(*) OVER p AS n, lead(channel::text) OVER w AS next_channel
               ${rules ? decay : Prisma.empty}
        FROM journey_touch j
        WINDOW p AS (PARTITION BY converted, journey), w AS (PARTITION BY converted, journey ORDER BY at, id)
      )
      ${rules ? credit : Prisma.empty}
      SELECT
        ${rules ? channels : Prisma.sql`'[]'::jsonb`} AS channels,
        ${transitions} AS transitions,
        (SELECT to_jsonb(s) FROM (
           SELECT count(*)::int AS conversions, COALESCE(sum(c.value), 0) AS value, count(a.journey)::int AS attributed,
                  COALESCE(sum(c.value) FILTER (WHERE a.journey IS NOT NULL), 0) AS attributed_value,
                  (SELECT count(DISTINCT journey)::int FROM journey_touch WHERE NOT converted) AS non_converting
           FROM conv c LEFT JOIN (SELECT DISTINCT journey FROM journey_touch WHERE converted) a ON a.journey = c.id) s) AS totals`;
    return row!;
  },

  /** Whether any touchpoint ever had this event name (an index lookup on (event, occurred_at)). */
};
