import type { Db } from '../../db/client.ts';
import { hashLargeSets } from '../../db/large-sets.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { TagRecord } from './tag.sql.ts';

export type { TagRecord };

export interface TagFull extends TagRecord {
  rule: unknown;
  version: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TagVersionRecord {
  version: number;
  name: string;
  category: string | null;
  description: string | null;
  rule: unknown;
  archived: boolean;
  createdBy: string | null;
  createdAt: Date;
}

const tagFull = {
  ...{ id: true, key: true, name: true, category: true, description: true, kind: true, rule: true },
  ...{ version: true, archivedAt: true, createdAt: true, updatedAt: true },
} as const;
const jsonIds = (ids: readonly string[]) => JSON.stringify(ids);
const idsOf = (rows: { id: string }[]) => rows.map((r) => r.id);

async function recordVersion(tx: Db, t: TagFull, createdBy: string | null): Promise<void> {
  await tx.tagVersion.create({
    data: {
      ...{ tagId: t.id, version: t.version, name: t.name, category: t.category, description: t.description },
      ...{ rule: (t.rule ?? undefined) as never, archived: t.archivedAt !== null, createdBy },
    },
  });
}

export const tagStore = {
  async create(db: Db, t: { key: string; name: string; category: string | null; description: string | null; rule: unknown | null }, createdBy: string | null): Promise<TagFull> {
    const row = await db.tag.create({ data: { ...t, kind: t.rule ? 'RULE' : 'MANUAL', rule: (t.rule ?? undefined) as never, version: 1 }, select: tagFull });
    await recordVersion(db, row, createdBy);
    return row;
  },

  /** A new version per change, numbered by the UPDATE itself so concurrent edits each get their own. */
  async update(
    db: Db,
    key: string,
    patch: { name?: string; category?: string | null; description?: string | null; rule?: unknown; archived?: true },
    createdBy: string | null,
  ): Promise<TagFull> {
    const { archived, rule, ...rest } = patch;
    const row = await db.tag.update({
      where: { key },
      data: {
        ...rest,
        ...(rule !== undefined ? { rule: rule as never } : {}),
        ...(archived ? { archivedAt: new Date() } : {}),
        version: { increment: 1 },
        updatedAt: new Date(),
      },
      select: tagFull,
    });
    await recordVersion(db, row, createdBy);
    return row;
  },

  findByKey(db: Db, key: string): Promise<TagFull | null> {
    return db.tag.findUnique({ where: { key }, select: tagFull });
  },

  async list(db: Db, includeArchived: boolean): Promise<(TagFull & { memberCount: number })[]> {
    const [tags, counts] = await Promise.all([
      db.tag.findMany({ where: includeArchived ? {} : { archivedAt: null }, orderBy: { key: 'asc' }, select: tagFull }),
      db.customerTag.groupBy({ by: ['tagId'], _count: { _all: true } }),
    ]);
    const byTag = new Map(counts.map((c) => [c.tagId, c._count._all]));
    return tags.map((t) => ({ ...t, memberCount: byTag.get(t.id) ?? 0 }));
  },

  /** Rule tags still in force (archived ones are no longer evaluated): what the derived-state graph reads of them. */
  liveRuleTags(db: Db): Promise<{ id: string; key: string; rule: unknown; version: number }[]> {
    return db.$queryRaw`SELECT id::text AS id, key, rule, version FROM tag WHERE kind = 'RULE' AND archived_at IS NULL ORDER BY created_at, id`;
  },

  versions(db: Db, tagId: string): Promise<TagVersionRecord[]> {
    return db.tagVersion.findMany({
      where: { tagId },
      orderBy: { version: 'asc' },
      select: { version: true, name: true, category: true, description: true, rule: true, archived: true, createdBy: true, createdAt: true },
    });
  },

  /** Idempotent: returns the customers that did not have the tag before. */
  async add(tx: Db, tagId: string, customerIds: string[]): Promise<string[]> {
    if (customerIds.length === 0) return [];
    return idsOf(
      await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO customer_tag (customer_id, tag_id)
        SELECT value::uuid, ${tagId}::uuid FROM jsonb_array_elements_text(${jsonIds(customerIds)}::jsonb)
        ON CONFLICT DO NOTHING RETURNING customer_id::text AS id`,
    );
  },

  /** Idempotent: returns the customers that had the tag. */
  async remove(tx: Db, tagId: string, customerIds: string[]): Promise<string[]> {
    if (customerIds.length === 0) return [];
    return idsOf(
      await tx.$queryRaw<{ id: string }[]>`
        DELETE FROM customer_tag WHERE tag_id = ${tagId}::uuid
          AND customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${jsonIds(customerIds)}::jsonb))
        RETURNING customer_id::text AS id`,
    );
  },

  /** Takes the tag from everyone who holds it; returns who did. */
  async removeAll(tx: Db, tagId: string): Promise<string[]> {
    return idsOf(await tx.$queryRaw<{ id: string }[]>`DELETE FROM customer_tag WHERE tag_id = ${tagId}::uuid RETURNING customer_id::text AS id`);
  },

  /** Rule tags are held by live customers only: a merged-away or erased customer loses them. */
  async removeRuleTagsOf(tx: Db, customerIds: string[]): Promise<void> {
    if (customerIds.length === 0) return;
    await tx.$executeRaw`
      DELETE FROM customer_tag WHERE tag_id IN (SELECT id FROM tag WHERE kind = 'RULE')
        AND customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${jsonIds(customerIds)}::jsonb))`;
  },

  /**
   * Rule tags: make the tag's holders among `candidates` exactly `members` (all customers when
   * candidates is null); returns the customers whose holding changed.
   */
  async sync(tx: Db, tagId: string, candidates: string[] | null, members: Prisma.Sql | string[]): Promise<string[]> {
    const scope = candidates
      ? Prisma.sql`AND customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${jsonIds(candidates)}::jsonb))`
      : Prisma.empty;
    const target = Array.isArray(members) ? Prisma.sql`SELECT value AS id FROM jsonb_array_elements_text(${jsonIds(members)}::jsonb)` : members;
    // All holders against all members (see db/large-sets.ts).
    if (!candidates) await hashLargeSets(tx);
    return idsOf(
      await tx.$queryRaw<{ id: string }[]>`
        WITH target AS (${target}),
        added AS (
          INSERT INTO customer_tag (customer_id, tag_id) SELECT t.id::uuid, ${tagId}::uuid FROM target t ON CONFLICT DO NOTHING
          RETURNING customer_id
        ),
        gone AS (
          DELETE FROM customer_tag WHERE tag_id = ${tagId}::uuid ${scope} AND customer_id NOT IN (SELECT t.id::uuid FROM target t)
          RETURNING customer_id
        )
        SELECT customer_id::text AS id FROM added UNION ALL SELECT customer_id::text FROM gone`,
    );
  },

  /** Customers on one side only: selected by `members` but not holding the tag, or holding it and not selected. */
  async diff(db: Db, tagId: string, members: Prisma.Sql): Promise<string[]> {
    return idsOf(
      await db.$queryRaw<{ id: string }[]>`
        WITH target AS (${members}), current AS (SELECT customer_id AS id FROM customer_tag WHERE tag_id = ${tagId}::uuid)
        SELECT id::text AS id FROM ((SELECT id::uuid FROM target EXCEPT SELECT id FROM current) UNION (SELECT id FROM current EXCEPT SELECT id::uuid FROM target)) d`,
    );
  },
};
