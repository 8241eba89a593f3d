import type { Db } from '../../db/client.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';

export interface IdentityRecord {
  customerId: string;
  type: IdentityType;
  value: string;
  source: string;
  createdAt: Date;
}

// Lists go in as arrays compared with = ANY(...): the planner then uses the indexes (an IN over a
// jsonb expansion was planned as a sequential scan).

export const identityRepository = {
  /** Identities of these live customers, including those of customers merged into them. */
  async byCustomerIds(db: Db, customerIds: readonly string[]): Promise<IdentityRecord[]> {
    return db.$queryRaw`
      SELECT COALESCE(c.merged_into_id, c.id)::text AS "customerId", i.type::text AS type, i.value, i.source, i.created_at AS "createdAt"
      FROM identity i JOIN customer c ON c.id = i.customer_id
      WHERE c.id = ANY(${[...customerIds]}::uuid[]) OR c.merged_into_id = ANY(${[...customerIds]}::uuid[])
      ORDER BY i.created_at, i.type, i.value`;
  },

  /** The live customer that holds an identity, following a merge to its winner. */
  async customerIdFor(db: Db, type: IdentityType, value: string): Promise<string | null> {
    const row = await db.identity.findUnique({
      where: { type_value: { type, value } },
      select: { customer: { select: { id: true, mergedIntoId: true } } },
    });
    return row ? (row.customer.mergedIntoId ?? row.customer.id) : null;
  },

  /** For identity caps: the values of the given types each live customer holds over its merged set. */
  async cappedValues(db: Db, customerIds: readonly string[], types: string[]): Promise<{ customerId: string; type: IdentityType; value: string }[]> {
    if (customerIds.length === 0 || types.length === 0) return [];
    return db.$queryRaw`
      SELECT COALESCE(c.merged_into_id, c.id)::text AS "customerId", i.type::text AS type, i.value
      FROM identity i JOIN customer c ON c.id = i.customer_id
      WHERE (c.id = ANY(${[...customerIds]}::uuid[]) OR c.merged_into_id = ANY(${[...customerIds]}::uuid[]))
        AND i.type::text = ANY(${types}::text[])`;
  },
};
