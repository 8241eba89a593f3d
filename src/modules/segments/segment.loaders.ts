import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import type { Segment } from '../../generated/prisma/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import { segmentRepository } from './segment.repository.ts';

export function createSegmentsByCustomerIdLoader(db: Db) {
  return new DataLoader<string, Segment[]>(async (ids) => {
    const byCustomer = groupBy(await segmentRepository.byCustomerIds(db, ids), (r) => r.customerId);
    return ids.map((id) => (byCustomer.get(id) ?? []).map((r) => r.segment));
  });
}
