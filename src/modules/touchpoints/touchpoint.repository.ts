import type { Db } from '../../db/client.ts';
import type { Channel } from '../../generated/prisma/enums.ts';
import type { ChannelCount, TouchpointWrite } from './touchpoint.model.ts';

export const touchpointRepository = {
  /**
   * Stores a batch in one statement. The dedup row and the touchpoint are written together: a
   * (source, messageId) seen before, however long ago, is skipped. Returns the ids actually stored.
   */
  async insertMany(tx: Db, rows: TouchpointWrite[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const stored = await tx.$queryRaw<{ id: string }[]>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
          id uuid, source text, "messageId" text, "customerId" uuid, "anonymousId" text, type text, event text,
          channel text, "sourceName" text, properties jsonb, context jsonb, revenue numeric, currency text,
          "occurredAt" timestamptz, "sessionId" text)
      ), fresh AS (
        INSERT INTO touchpoint_dedup (source, message_id, touchpoint_id)
        SELECT DISTINCT ON (source, "messageId") source, "messageId", id FROM input
        ON CONFLICT DO NOTHING
        RETURNING touchpoint_id
      )
      INSERT INTO touchpoint (id, source, message_id, customer_id, anonymous_id, type, event, channel, source_name,
                              properties, context, revenue, currency, occurred_at, session_id)
      SELECT i.id, i.source, i."messageId", i."customerId", i."anonymousId", i.type::"TouchpointType", i.event,
             i.channel::"Channel", i."sourceName", COALESCE(i.properties, '{}'), COALESCE(i.context, '{}'), i.revenue,
             i.currency, i."occurredAt", i."sessionId"
      FROM input i JOIN fresh f ON f.touchpoint_id = i.id
      RETURNING id::text`;
    return new Set(stored.map((r) => r.id));
  },

  /** Recomputes the stats columns of these customers from their touchpoints. */
  async refreshStats(tx: Db, customerIds: string[]): Promise<void> {
    if (customerIds.length === 0) return;
    await tx.$executeRaw`
      UPDATE customer c SET
        touchpoint_count = s.n, first_seen_at = s.first_seen, last_seen_at = s.last_seen,
        lifetime_value = s.ltv, order_count = s.orders
      FROM (
        SELECT t.customer_id, count(*)::int AS n, min(t.occurred_at) AS first_seen, max(t.occurred_at) AS last_seen,
               COALESCE(sum(t.revenue) FILTER (WHERE t.revenue > 0), 0) AS ltv,
               (count(*) FILTER (WHERE t.revenue > 0))::int AS orders
        FROM touchpoint t
        WHERE t.customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(customerIds)}::jsonb))
        GROUP BY t.customer_id
      ) s
      WHERE c.id = s.customer_id`;
  },

  async channelCounts(db: Db, customerIds: readonly string[]): Promise<{ customerId: string; channel: Channel; count: number }[]> {
    const rows = await db.touchpoint.groupBy({
      by: ['customerId', 'channel'],
      where: { customerId: { in: [...customerIds] } },
      _count: { _all: true },
      orderBy: [{ customerId: 'asc' }, { channel: 'asc' }],
    });
    return rows.map((r) => ({ customerId: r.customerId, channel: r.channel, count: r._count._all }));
  },
};

export type { ChannelCount };
