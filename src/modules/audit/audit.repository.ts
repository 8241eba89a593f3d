/** All SQL for the audit log. Entries are only ever appended; reads page newest first by id. */
import type { Db } from '../../db/client.ts';

export interface AuditRecord {
  id: string;
  apiKeyId: string | null;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  requestId: string | null;
  details: Record<string, unknown>;
  at: Date;
}

export type NewAuditEntry = Omit<AuditRecord, 'id'>;

export const auditRepository = {
  async insert(db: Db, e: NewAuditEntry): Promise<void> {
    await db.auditLog.create({ data: { ...e, details: e.details as object } });
  },

  /** `take` entries older than the entry `beforeId` (all when null), newest first. */
  async page(db: Db, opts: { beforeId: bigint | null; take: number; action?: string | null }): Promise<AuditRecord[]> {
    const rows = await db.auditLog.findMany({
      where: { ...(opts.beforeId !== null ? { id: { lt: opts.beforeId } } : {}), ...(opts.action ? { action: opts.action } : {}) },
      orderBy: { id: 'desc' },
      take: opts.take,
    });
    return rows.map((r) => ({ ...r, id: r.id.toString(), details: r.details as Record<string, unknown> }));
  },
};
