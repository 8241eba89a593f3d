import type { Db } from '../../db/client.ts';
import type { ChannelCount, TouchpointWrite } from './touchpoint.model.ts';

/**
 * The largest lifetime_value the column holds (DECIMAL(18,2)). Sums saturate here: one customer with a
 * few huge orders overflowed the column, and the error then failed every later batch touching them.
 * Only positive amounts are added, so saturating each append equals saturating the full recompute.
 */
const MAX_LIFETIME_VALUE = '9999999999999999.99';

export const touchpointRepository = {
  /**
   * Stores a batch in one statement. The dedup row and the touchpoint are written together: a
   * (scope, messageId) seen before, however long ago, is skipped. Returns the ids actually stored.
   */
  async insertMany(tx: Db, rows: TouchpointWrite[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const stored = await tx.$queryRaw<{ id: string }[]>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
          id uuid, scope text, source text, "messageId" text, "customerId" uuid, "anonymousId" text, type text, event text,
          channel text, "sourceName" text, properties jsonb, context jsonb, revenue numeric, currency text,
          "originalRevenue" numeric, campaign text, "occurredAt" timestamptz, "sessionId" text, sentiment jsonb)
      ), fresh AS (
        INSERT INTO touchpoint_dedup (source, message_id, touchpoint_id)
        SELECT DISTINCT ON (scope, "messageId") scope, "messageId", id FROM input
        ON CONFLICT DO NOTHING
        RETURNING touchpoint_id
      )
      INSERT INTO touchpoint (id, source, message_id, customer_id, anonymous_id, type, event, channel, source_name,
                              properties, context, revenue, currency, original_revenue, campaign, occurred_at, session_id,
                              sentiment_label, sentiment_score, sentiment_language)
      SELECT i.id, i.source, i."messageId", i."customerId", i."anonymousId", i.type::"TouchpointType", i.event,
             i.channel::"Channel", i."sourceName", COALESCE(i.properties, '{}'), COALESCE(i.context, '{}'), i.revenue,
             i.currency, i."originalRevenue", i.campaign, i."occurredAt", i."sessionId",
             (i.sentiment ->> 'label')::"SentimentLabel", (i.sentiment ->> 'score')::numeric, i.sentiment ->> 'language'
      FROM input i JOIN fresh f ON f.touchpoint_id = i.id
      RETURNING id::text`;
    return new Set(stored.map((r) => r.id));
  },

  /** (source, messageId) pairs already stored, to answer DUPLICATE before doing any other work. */
  async existingMessageIds(db: Db, keys: { source: string; messageId: string }[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await db.$queryRaw<{ source: string; message_id: string }[]>`
      SELECT d.source, d.message_id FROM touchpoint_dedup d
      JOIN jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS k(source text, "messageId" text)
        ON d.source = k.source AND d.message_id = k."messageId"`;
    return new Set(rows.map((r) => dedupKey(r.source, r.message_id)));
  },

  /**
   * Recomputes the stats columns of these live customers from scratch, from the touchpoints of their
   * whole merged set; a customer with none gets zeros (e.g. a loser restored by an unmerge keeps its
   * own). Cost grows with their history: this is the path for anything that is not an append (merge,
   * unmerge, erasure, repair). Appends go through addToStats.
   */
  async refreshStats(tx: Db, customerIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(customerIds)];
    if (ids.length === 0) return;
    await tx.$executeRaw`
      WITH targets AS (SELECT unnest(${ids}::uuid[]) AS id),
      s AS (
        SELECT COALESCE(c.merged_into_id, c.id) AS live, count(*)::int AS n, min(t.occurred_at) AS first_seen,
               max(t.occurred_at) AS last_seen, COALESCE(sum(t.revenue) FILTER (WHERE t.revenue > 0), 0) AS ltv,
               (count(*) FILTER (WHERE t.revenue > 0))::int AS orders
        FROM customer c JOIN touchpoint t ON t.customer_id = c.id
        WHERE c.id = ANY(${ids}::uuid[]) OR c.merged_into_id = ANY(${ids}::uuid[])
        GROUP BY 1
      )
      UPDATE customer c SET
        touchpoint_count = COALESCE(s.n, 0), first_seen_at = s.first_seen, last_seen_at = s.last_seen,
        lifetime_value = LEAST(COALESCE(s.ltv, 0), ${MAX_LIFETIME_VALUE}::numeric), order_count = COALESCE(s.orders, 0)
      FROM targets LEFT JOIN s ON s.live = targets.id
      WHERE c.id = targets.id`;
  },

  /**
   * Adds the contribution of newly stored touchpoints (by id) to the stats of the customers they were
   * stored under (count and revenue add, first/last seen take the min/max), reading only those rows.
   * The rows must be stored under live customers (ingestion stores under the resolved winner).
   * Equal to refreshStats as long as the stats were right before and each row is passed once:
   * callers pass only rows insertMany reported as stored (so a duplicate never adds twice) and only
   * for customers whose merged set did not change in the same transaction (those get refreshStats).
   * The UPDATE reads the row it writes, so concurrent batches for one customer add up instead of
   * overwriting each other.
   */
  async addToStats(tx: Db, touchpointIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(touchpointIds)];
    if (ids.length === 0) return;
    // Read back from the stored rows (by primary key), so revenue is the rounded value refreshStats sees.
    await tx.$executeRaw`
      WITH s AS (
        SELECT t.customer_id AS id, count(*)::int AS n, min(t.occurred_at) AS first_seen, max(t.occurred_at) AS last_seen,
               COALESCE(sum(t.revenue) FILTER (WHERE t.revenue > 0), 0) AS ltv, (count(*) FILTER (WHERE t.revenue > 0))::int AS orders
        FROM touchpoint t WHERE t.id = ANY(${ids}::uuid[])
        GROUP BY 1
      )
      UPDATE customer c SET
        touchpoint_count = c.touchpoint_count + s.n,
        first_seen_at = LEAST(c.first_seen_at, s.first_seen), last_seen_at = GREATEST(c.last_seen_at, s.last_seen),
        lifetime_value = LEAST(c.lifetime_value + s.ltv, ${MAX_LIFETIME_VALUE}::numeric), order_count = c.order_count + s.orders
      FROM s WHERE c.id = s.id`;
  },

};

export type { ChannelCount };

export const dedupKey = (source: string, messageId: string) => JSON.stringify([source, messageId]);
