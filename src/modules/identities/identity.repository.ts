import type { Db } from '../../db/client.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';
import type { IdentityRecord } from './identity.sql.ts';

export type { IdentityRecord };

export const identityRepository = {
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
