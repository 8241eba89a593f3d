/**
 * A customer's journey in SQL: the touchpoints of the whole merged set in time order, with the
 * previous channel and a session number (a new session after `gapMinutes` of inactivity) computed by
 * window functions over the full range, so numbering does not depend on the page. Fragments, so the
 * per-request profile loader can fold a page into its one statement.
 */
import { Prisma } from '../../generated/prisma/client.ts';
import type { Channel } from '../../generated/prisma/enums.ts';
import { startsSessionSql } from './session.sql.ts';
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

export function sessionized(q: JourneyQuery) {
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
      SELECT o.*, sum(CASE WHEN ${startsSessionSql(Prisma.sql`o.occurred_at`, Prisma.sql`o.prev_at`, q.gapMinutes)} THEN 1 ELSE 0 END)
               OVER (ORDER BY o.occurred_at, o.id) AS session_no
      FROM ordered o
    ), filtered AS (
      SELECT * FROM journey
      WHERE ${q.channels === null}::boolean OR channel::text IN (SELECT value FROM jsonb_array_elements_text(${JSON.stringify(q.channels ?? [])}::jsonb))
    )`;
}

/** One page of the journey after `after`, `take` rows. */
export function journeyPageSql(q: JourneyQuery, take: number, after: { occurredAt: Date; id: string } | null): Prisma.Sql {
  return Prisma.sql`
      ${sessionized(q)}
      SELECT f.id::text AS id, f.message_id AS "messageId", f.source, f.type::text AS type, f.event, f.channel::text AS channel,
             f.source_name AS "sourceName", f.properties, f.context, f.revenue, f.currency,
             f.original_revenue AS "originalRevenue", f.campaign, f.occurred_at AS "occurredAt",
             f.received_at AS "receivedAt", f.session_id AS "sessionId", f.customer_id::text AS "customerId",
             f.session_no::int AS session, f.prev_channel::text AS "previousChannel",
             CASE WHEN f.sentiment_label IS NOT NULL THEN jsonb_build_object('label', f.sentiment_label, 'score', f.sentiment_score, 'language', f.sentiment_language) END AS sentiment
      FROM filtered f
      WHERE ${after === null}::boolean OR (f.occurred_at, f.id) > (${after?.occurredAt ?? null}::timestamptz, ${after?.id ?? null}::uuid)
      ORDER BY f.occurred_at, f.id
      LIMIT ${take}`;
}

type Loose<T> = Omit<T, 'revenue' | 'originalRevenue' | 'occurredAt' | 'receivedAt'> & { revenue: unknown; originalRevenue: unknown; occurredAt: Date | string; receivedAt: Date | string };

/** A row of journeyPageSql as a record, whether it came as columns (Decimal, Date) or inside JSON (number, text). */
export function journeyRowOf(r: Loose<JourneyRow>): JourneyRow {
  return {
    ...r,
    revenue: r.revenue == null ? null : Number(r.revenue),
    originalRevenue: r.originalRevenue == null ? null : Number(r.originalRevenue),
    occurredAt: new Date(r.occurredAt),
    receivedAt: new Date(r.receivedAt),
  };
}
