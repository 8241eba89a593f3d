import type { Db } from '../../db/client.ts';
import type { TagKind } from '../../generated/prisma/enums.ts';
import { Prisma } from '../../generated/prisma/client.ts';

export interface TagRecord {
  id: string;
  key: string;
  name: string;
  category: string | null;
  description: string | null;
  kind: TagKind;
}

export const tagRepository = {
  /** One statement for a whole page of customers (Prisma would split the relation into two). */
  async byCustomerIds(db: Db, customerIds: readonly string[]): Promise<(TagRecord & { customerId: string })[]> {
    return db.$queryRaw`
      SELECT ct.customer_id::text AS "customerId", t.id::text AS id, t.key, t.name, t.category, t.description, t.kind::text AS kind
      FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
      WHERE ct.customer_id = ANY(${[...customerIds]}::uuid[])
      ORDER BY t.key`;
  },
};

export interface TagFull extends TagRecord {
  rule: unknown;
  createdAt: Date;
  updatedAt: Date;
}

const tagFull = { id: true, key: true, name: true, category: true, description: true, kind: true, rule: true, createdAt: true, updatedAt: true } as const;
const jsonIds = (ids: readonly string[]) => JSON.stringify(ids);

export const tagStore = {
  create(db: Db, t: { key: string; name: string; category: string | null; description: string | null; rule: unknown | null }): Promise<TagFull> {
    return db.tag.create({ data: { ...t, kind: t.rule ? 'RULE' : 'MANUAL', rule: (t.rule ?? undefined) as never }, select: tagFull });
  },

  update(db: Db, key: string, patch: { name?: string; category?: string | null; description?: string | null }): Promise<TagFull> {
    return db.tag.update({ where: { key }, data: { ...patch, updatedAt: new Date() }, select: tagFull });
  },

  findByKey(db: Db, key: string): Promise<TagFull | null> {
    return db.tag.findUnique({ where: { key }, select: tagFull });
  },

  async list(db: Db): Promise<(TagFull & { memberCount: number })[]> {
    const [tags, counts] = await Promise.all([
      db.tag.findMany({ orderBy: { key: 'asc' }, select: tagFull }),
      db.customerTag.groupBy({ by: ['tagId'], _count: { _all: true } }),
    ]);
    const byTag = new Map(counts.map((c) => [c.tagId, c._count._all]));
    return tags.map((t) => ({ ...t, memberCount: byTag.get(t.id) ?? 0 }));
  },

  ruleTags(db: Db): Promise<TagFull[]> {
    return db.tag.findMany({ where: { kind: 'RULE' }, select: tagFull });
  },

  /** Idempotent: returns the customers that did not have the tag before. */
  async add(tx: Db, tagId: string, customerIds: string[]): Promise<string[]> {
    if (customerIds.length === 0) return [];
    const rows = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO customer_tag (customer_id, tag_id)
      SELECT value::uuid, ${tagId}::uuid FROM jsonb_array_elements_text(${jsonIds(customerIds)}::jsonb)
      ON CONFLICT DO NOTHING RETURNING customer_id::text AS id`;
    return rows.map((r) => r.id);
  },

  /** Idempotent: returns the customers that had the tag. */
  async remove(tx: Db, tagId: string, customerIds: string[]): Promise<string[]> {
    if (customerIds.length === 0) return [];
    const rows = await tx.$queryRaw<{ id: string }[]>`
      DELETE FROM customer_tag WHERE tag_id = ${tagId}::uuid
        AND customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${jsonIds(customerIds)}::jsonb))
      RETURNING customer_id::text AS id`;
    return rows.map((r) => r.id);
  },

  /** Rule tags: make the tag's holders among `candidates` exactly `members` (all customers when candidates is null). */
  async sync(tx: Db, tagId: string, candidates: string[] | null, members: Prisma.Sql): Promise<void> {
    const scope = candidates
      ? Prisma.sql`AND customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${jsonIds(candidates)}::jsonb))`
      : Prisma.empty;
    await tx.$executeRaw`
      WITH target AS (${members}),
      added AS (
        INSERT INTO customer_tag (customer_id, tag_id) SELECT t.id::uuid, ${tagId}::uuid FROM target t ON CONFLICT DO NOTHING RETURNING 1
      )
      DELETE FROM customer_tag WHERE tag_id = ${tagId}::uuid ${scope} AND customer_id NOT IN (SELECT t.id::uuid FROM target t)`;
  },
};
