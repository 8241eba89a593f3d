import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { toStorableJson, toStorableText } from '../../lib/storable-text.ts';

export interface FailedEventWrite {
  source: string;
  reason: string;
  message: string;
  payload: unknown;
  /** The receipt time the pipeline used, so a reprocess corrects the event's time from the same one. */
  receivedAt: Date;
}

export interface FailedEventRecord extends FailedEventWrite {
  id: string;
  reprocessedAt: Date | null;
}

/**
 * A payload that is not valid JSON-able data (e.g. undefined) is kept as null, never dropped. Text
 * jsonb cannot hold (U+0000, lone surrogates: often the very reason the event is quarantined) is kept
 * with U+FFFD in its place; stored as is, it failed the insert and with it the whole batch (a 500).
 */
const storable = (payload: unknown) => (payload === undefined ? null : toStorableJson(payload));

/**
 * The rows as one JSON parameter. A payload JSON.stringify cannot write (nested deeper than its stack,
 * as a 500 KB body of "[[[[..." is) is kept as null like any other non-JSON payload; the message says
 * why it was quarantined. Before, the RangeError failed the whole batch as a 500.
 */
function rowsJson(rows: FailedEventWrite[]): string {
  return `[${rows
    .map((r) => {
      const row = { ...r, message: toStorableText(r.message), payload: storable(r.payload) };
      try {
        return JSON.stringify(row);
      } catch {
        return JSON.stringify({ ...row, payload: null });
      }
    })
    .join(',')}]`;
}

export const failedEventRepository = {
  async insertMany(tx: Db, rows: FailedEventWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO failed_event (id, source, reason, message, payload, received_at)
      SELECT gen_random_uuid(), r.source, r.reason, r.message, COALESCE(r.payload, 'null'::jsonb), r."receivedAt"
      FROM jsonb_to_recordset(${rowsJson(rows)}::jsonb)
        AS r(source text, reason text, message text, payload jsonb, "receivedAt" timestamptz)`;
  },

  async page(db: Db, opts: { reason?: string | null; take: number; after?: { receivedAt: Date; id: string } | null }) {
    const where: Prisma.FailedEventWhereInput = {
      reprocessedAt: null,
      ...(opts.reason ? { reason: opts.reason } : {}),
      ...(opts.after
        ? { OR: [{ receivedAt: { lt: opts.after.receivedAt } }, { receivedAt: opts.after.receivedAt, id: { lt: opts.after.id } }] }
        : {}),
    };
    const rows = await db.failedEvent.findMany({ where, orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }], take: opts.take });
    return rows as FailedEventRecord[];
  },

  count(db: Db, reason?: string | null): Promise<number> {
    return db.failedEvent.count({ where: { reprocessedAt: null, ...(reason ? { reason } : {}) } });
  },

  async byIds(db: Db, ids: string[]): Promise<FailedEventRecord[]> {
    return (await db.failedEvent.findMany({ where: { id: { in: ids } }, orderBy: { receivedAt: 'asc' } })) as FailedEventRecord[];
  },

  async markReprocessed(db: Db, ids: string[]): Promise<void> {
    if (ids.length) await db.failedEvent.updateMany({ where: { id: { in: ids } }, data: { reprocessedAt: new Date() } });
  },

  async updateReason(db: Db, id: string, reason: string, message: string): Promise<void> {
    // The key is (id, received_at) since partitioning; the id alone is still unique.
    await db.failedEvent.updateMany({ where: { id }, data: { reason, message } });
  },
};
