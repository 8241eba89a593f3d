/**
 * A customer's journey in SQL: the touchpoints of the whole merged set in time order, with the
 * previous channel and a session number (a new session after `gapMinutes` of inactivity) computed by
 * window functions over the full range, so numbering does not depend on the page.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { Channel } from '../../generated/prisma/enums.ts';
import type { TouchpointRecord } from './touchpoint.model.ts';

export interface JourneyQuery {
  customerId: string;
  from: Date | null;
  to: Date | null;
  channels: Channel[] | null;
  gapMinutes: number;
}

export interface JourneyRow extends TouchpointRecord {
  session: number;
  previousChannel: Channel | null;
}

function sessionized(q: JourneyQuery) {
  return Prisma.sql`
    WITH members AS (
      SELECT id FROM customer WHERE id = ${q.customerId}::uuid OR merged_into_id = ${q.customerId}::uuid
    ), ordered AS (
      SELECT t.*, lag(t.occurred_at) OVER w AS prev_at, lag(t.channel) OVER w AS prev_channel
      FROM touchpoint t
      WHERE t.customer_id IN (SELECT id FROM members)
        AND (${q.from}::timestamptz IS NULL OR t.occurred_at >= ${q.from}::timestamptz)
        AND (${q.to}::timestamptz IS NULL OR t.occurred_at < ${q.to}::timestamptz)
      WINDOW w AS (ORDER BY t.occurred_at, t.id)
    ), journey AS (
      SELECT o.*, sum(CASE WHEN o.prev_at IS NULL OR o.occurred_at - o.prev_at > make_interval(mins => ${q.gapMinutes}::int) THEN 1 ELSE 0 END)
               OVER (ORDER BY o.occurred_at, o.id) AS session_no
      FROM ordered o
    ), filtered AS (
      SELECT * FROM journey
      WHERE ${q.channels === null}::boolean OR channel::text IN (SELECT value FROM jsonb_array_elements_text(${JSON.stringify(q.channels ?? [])}::jsonb))
    )`;
}

export const journeyRepository = {
  async page(db: Db, q: JourneyQuery, take: number, after: { occurredAt: Date; id: string } | null): Promise<JourneyRow[]> {
    const rows = await db.$queryRaw<(Omit<JourneyRow, 'revenue' | 'originalRevenue'> & { revenue: unknown; originalRevenue: unknown })[]>`
      ${sessionized(q)}
      SELECT f.id::text AS id, f.message_id AS "messageId", f.source, f.type::text AS type, f.event, f.channel::text AS channel,
             f.source_name AS "sourceName", f.properties, f.context, f.revenue, f.currency,
             f.original_revenue AS "originalRevenue", f.campaign, f.occurred_at AS "occurredAt",
             f.received_at AS "receivedAt", f.session_id AS "sessionId", f.customer_id::text AS "customerId",
             f.session_no::int AS session, f.prev_channel::text AS "previousChannel"
      FROM filtered f
      WHERE ${after === null}::boolean OR (f.occurred_at, f.id) > (${after?.occurredAt ?? null}::timestamptz, ${after?.id ?? null}::uuid)
      ORDER BY f.occurred_at, f.id
      LIMIT ${take}`;
    return rows.map((r) => ({ ...r, revenue: r.revenue == null ? null : Number(r.revenue), originalRevenue: r.originalRevenue == null ? null : Number(r.originalRevenue) }));
  },

  async summary(db: Db, q: JourneyQuery) {
    const sessions = await db.$queryRaw<{ session: number; startedAt: Date; endedAt: Date; touchpointCount: number; channels: Channel[]; switches: number }[]>`
      ${sessionized(q)}
      SELECT session_no::int AS session, min(occurred_at) AS "startedAt", max(occurred_at) AS "endedAt", count(*)::int AS "touchpointCount",
             array_agg(DISTINCT channel::text ORDER BY channel::text) AS channels,
             (count(*) FILTER (WHERE prev_channel IS NOT NULL AND prev_channel <> channel))::int AS switches
      FROM filtered GROUP BY session_no ORDER BY session_no LIMIT 1000`;
    return sessions;
  },
};
