import type { Db } from '../../db/client.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';

export interface IdentityRecord {
  customerId: string;
  type: IdentityType;
  value: string;
  source: string;
  createdAt: Date;
}

export const identityRepository = {
  async byCustomerIds(db: Db, customerIds: readonly string[]): Promise<IdentityRecord[]> {
    return db.identity.findMany({
      where: { customerId: { in: [...customerIds] } },
      orderBy: [{ createdAt: 'asc' }, { type: 'asc' }, { value: 'asc' }],
      select: { customerId: true, type: true, value: true, source: true, createdAt: true },
    });
  },

  /** The live customer that holds an identity, following a merge to its winner. */
  async customerIdFor(db: Db, type: IdentityType, value: string): Promise<string | null> {
    const row = await db.identity.findUnique({
      where: { type_value: { type, value } },
      select: { customer: { select: { id: true, mergedIntoId: true } } },
    });
    return row ? (row.customer.mergedIntoId ?? row.customer.id) : null;
  },
};
