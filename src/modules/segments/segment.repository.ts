import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { SegmentRecord } from './segment.sql.ts';

export type { SegmentRecord };

export interface SegmentFull extends SegmentRecord {
  rule: unknown;
  archivedAt: Date | null;
}

export interface SegmentVersionRecord {
  version: number;
  name: string;
  rule: unknown;
  createdBy: string | null;
  createdAt: Date;
}

const full = { id: true, name: true, description: true, version: true, rule: true, archivedAt: true, createdAt: true, updatedAt: true } as const;

export const segmentStore = {
  async create(tx: Db, s: { name: string; description: string | null; rule: unknown; createdBy: string | null }): Promise<SegmentFull> {
    const row = await tx.segment.create({ data: { name: s.name, description: s.description, rule: s.rule as never, version: 1 }, select: full });
    await tx.segmentVersion.create({ data: { segmentId: row.id, version: 1, name: s.name, rule: s.rule as never, createdBy: s.createdBy } });
    return row;
  },

  /**
   * Every change is a new version; the history keeps each rule that was ever in force. The version is
   * taken by the UPDATE itself (it waits for the row lock of a concurrent edit), so concurrent edits
   * each get the next number.
   */
  async update(tx: Db, id: string, patch: { name?: string; description?: string | null; rule?: unknown }, createdBy: string | null): Promise<SegmentFull> {
    const row = await tx.segment.update({
      where: { id },
      data: {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.rule !== undefined ? { rule: patch.rule as never } : {}),
        version: { increment: 1 },
        updatedAt: new Date(),
      },
      select: full,
    });
    await tx.segmentVersion.create({ data: { segmentId: id, version: row.version, name: row.name, rule: row.rule as never, createdBy } });
    return row;
  },

  async archive(tx: Db, id: string): Promise<SegmentFull> {
    return tx.segment.update({ where: { id }, data: { archivedAt: new Date(), updatedAt: new Date() }, select: full });
  },

  async find(db: Db, id: string): Promise<SegmentFull | null> {
    return db.segment.findUnique({ where: { id }, select: full });
  },

  async findMany(db: Db, ids: readonly string[]): Promise<SegmentFull[]> {
    return db.segment.findMany({ where: { id: { in: [...ids] } }, select: full });
  },

  async list(db: Db, includeArchived: boolean): Promise<SegmentFull[]> {
    return db.segment.findMany({ where: includeArchived ? {} : { archivedAt: null }, orderBy: { createdAt: 'asc' }, select: full });
  },

  /** The live segments' rules, for the derived-state graph: only what it reads (model queries cost more in the client than these rows). */
  async liveRules(db: Db): Promise<{ id: string; rule: unknown; version: number }[]> {
    return db.$queryRaw`SELECT id::text AS id, rule, version FROM segment WHERE archived_at IS NULL ORDER BY created_at, id`;
  },

  async versions(db: Db, id: string): Promise<SegmentVersionRecord[]> {
    return db.segmentVersion.findMany({ where: { segmentId: id }, orderBy: { version: 'asc' }, select: { version: true, name: true, rule: true, createdBy: true, createdAt: true } });
  },

  /** Customers on one side only: selected by `members` (a query of ids) but not members, or members not selected. */
  async diff(db: Db, id: string, members: Prisma.Sql): Promise<string[]> {
    const rows = await db.$queryRaw<{ id: string }[]>`
      WITH target AS (${members}), current AS (SELECT customer_id AS id FROM segment_membership WHERE segment_id = ${id}::uuid)
      SELECT id::text AS id FROM ((SELECT id::uuid FROM target EXCEPT SELECT id FROM current) UNION (SELECT id FROM current EXCEPT SELECT id::uuid FROM target)) d`;
    return rows.map((r) => r.id);
  },
};

/** Repairs of derived state asked for by data migrations (table derived_repair), by name. */
export const repairStore = {
  async pending(db: Db): Promise<string[]> {
    return (await db.derivedRepair.findMany({ select: { name: true } })).map((r) => r.name);
  },
  async done(db: Db, name: string): Promise<void> {
    await db.derivedRepair.deleteMany({ where: { name } });
  },
};
