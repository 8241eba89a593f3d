import type { Db } from '../../db/client.ts';
import type { Segment } from '../../generated/prisma/client.ts';

export const segmentRepository = {
  /** Current memberships in live (not archived) segments. */
  async byCustomerIds(db: Db, customerIds: readonly string[]): Promise<{ customerId: string; segment: Segment }[]> {
    return db.segmentMembership.findMany({
      where: { customerId: { in: [...customerIds] }, segment: { archivedAt: null } },
      select: { customerId: true, segment: true },
      orderBy: { segment: { name: 'asc' } },
    });
  },
};
