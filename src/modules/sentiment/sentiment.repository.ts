/**
 * Per-customer sentiment aggregates (customer_sentiment), by the customer id a touchpoint is stored
 * under: merges move no touchpoint, so a profile sums the rows of its merged set when read and no
 * merge, unmerge or re-merge has anything to recompute.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { SentimentLabel } from './sentiment.model.ts';

export interface SentimentAggregateRow {
  customerId: string;
  scoredCount: number;
  /** round(Σ score / count, 4) as exact decimal text. */
  average: string;
  negativeCount: number;
  neutralCount: number;
  positiveCount: number;
  lastLabel: SentimentLabel;
  lastScore: string;
  lastAt: Date;
  lastTouchpointId: string;
}

/** SQL of the merged-set average of live customer `c` (the segment compiler's sentimentAverage), rounded as the profile shows it. */
export const sentimentAverageSql = (customer: Prisma.Sql): Prisma.Sql => Prisma.sql`(SELECT round(sum(cs.score_sum) / NULLIF(sum(cs.scored_count), 0), 4)
    FROM customer_sentiment cs
    WHERE cs.customer_id IN (SELECT ${customer} UNION ALL SELECT m.id FROM customer m WHERE m.merged_into_id = ${customer}))`;

export const sentimentRepository = {
  /**
   * Adds the scored touchpoints among these newly stored ones (by id) to their customers' aggregates;
   * `last` moves only to a later (occurred_at, id), so late arrivals and concurrent batches commute.
   * Callers pass each stored row once (ingestion passes only what insertMany reported stored).
   */
  async addTouchpoints(tx: Db, touchpointIds: readonly string[]): Promise<void> {
    if (touchpointIds.length === 0) return;
    await tx.$executeRaw`
      WITH s AS (
        SELECT t.customer_id AS id, count(*)::int AS n, sum(t.sentiment_score) AS total,
               (count(*) FILTER (WHERE t.sentiment_label = 'NEGATIVE'))::int AS neg,
               (count(*) FILTER (WHERE t.sentiment_label = 'NEUTRAL'))::int AS neu,
               (count(*) FILTER (WHERE t.sentiment_label = 'POSITIVE'))::int AS pos,
               (array_agg(t.occurred_at ORDER BY t.occurred_at DESC, t.id DESC))[1] AS last_at,
               (array_agg(t.id ORDER BY t.occurred_at DESC, t.id DESC))[1] AS last_id,
               (array_agg(t.sentiment_label ORDER BY t.occurred_at DESC, t.id DESC))[1] AS last_label,
               (array_agg(t.sentiment_score ORDER BY t.occurred_at DESC, t.id DESC))[1] AS last_score
        FROM touchpoint t
        WHERE t.id = ANY(${[...touchpointIds]}::uuid[]) AND t.sentiment_label IS NOT NULL
        GROUP BY 1
      )
      INSERT INTO customer_sentiment AS cs (customer_id, scored_count, score_sum, negative_count, neutral_count, positive_count,
                                            last_at, last_touchpoint_id, last_label, last_score)
      SELECT id, n, total, neg, neu, pos, last_at, last_id, last_label, last_score FROM s ORDER BY id
      ON CONFLICT (customer_id) DO UPDATE SET
        scored_count = cs.scored_count + EXCLUDED.scored_count,
        score_sum = cs.score_sum + EXCLUDED.score_sum,
        negative_count = cs.negative_count + EXCLUDED.negative_count,
        neutral_count = cs.neutral_count + EXCLUDED.neutral_count,
        positive_count = cs.positive_count + EXCLUDED.positive_count,
        last_at = CASE WHEN (EXCLUDED.last_at, EXCLUDED.last_touchpoint_id) > (cs.last_at, cs.last_touchpoint_id) THEN EXCLUDED.last_at ELSE cs.last_at END,
        last_label = CASE WHEN (EXCLUDED.last_at, EXCLUDED.last_touchpoint_id) > (cs.last_at, cs.last_touchpoint_id) THEN EXCLUDED.last_label ELSE cs.last_label END,
        last_score = CASE WHEN (EXCLUDED.last_at, EXCLUDED.last_touchpoint_id) > (cs.last_at, cs.last_touchpoint_id) THEN EXCLUDED.last_score ELSE cs.last_score END,
        last_touchpoint_id = CASE WHEN (EXCLUDED.last_at, EXCLUDED.last_touchpoint_id) > (cs.last_at, cs.last_touchpoint_id) THEN EXCLUDED.last_touchpoint_id ELSE cs.last_touchpoint_id END`;
  },

  /** Aggregates of these live customers over their merged sets; customers with no scored touchpoint are absent. */
  async ofCustomers(db: Db, customerIds: readonly string[]): Promise<SentimentAggregateRow[]> {
    const ids = [...new Set(customerIds)];
    if (ids.length === 0) return [];
    const rows = await db.$queryRaw<(Omit<SentimentAggregateRow, 'lastAt'> & { lastAt: Date | string })[]>`
      WITH live AS (SELECT unnest(${ids}::uuid[]) AS id),
      members AS (
        SELECT id, id AS live FROM live
        UNION ALL
        SELECT m.id, m.merged_into_id FROM customer m WHERE m.merged_into_id IN (SELECT id FROM live)
      )
      SELECT mb.live::text AS "customerId", sum(cs.scored_count)::int AS "scoredCount",
             round(sum(cs.score_sum) / sum(cs.scored_count), 4)::text AS average,
             sum(cs.negative_count)::int AS "negativeCount", sum(cs.neutral_count)::int AS "neutralCount",
             sum(cs.positive_count)::int AS "positiveCount",
             (array_agg(cs.last_label::text ORDER BY cs.last_at DESC, cs.last_touchpoint_id DESC))[1] AS "lastLabel",
             (array_agg(cs.last_score::text ORDER BY cs.last_at DESC, cs.last_touchpoint_id DESC))[1] AS "lastScore",
             max(cs.last_at) AS "lastAt",
             (array_agg(cs.last_touchpoint_id::text ORDER BY cs.last_at DESC, cs.last_touchpoint_id DESC))[1] AS "lastTouchpointId"
      FROM members mb JOIN customer_sentiment cs ON cs.customer_id = mb.id
      WHERE cs.scored_count > 0
      GROUP BY mb.live`;
    return rows.map((r) => ({ ...r, lastAt: new Date(r.lastAt) }));
  },
};
