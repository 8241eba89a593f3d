import type { Db } from '../../db/client.ts';
import type { Tag } from '../../generated/prisma/client.ts';

export const tagRepository = {
  async byCustomerIds(db: Db, customerIds: readonly string[]): Promise<{ customerId: string; tag: Tag }[]> {
    return db.customerTag.findMany({
      where: { customerId: { in: [...customerIds] } },
      select: { customerId: true, tag: true },
      orderBy: { tag: { key: 'asc' } },
    });
  },
};
