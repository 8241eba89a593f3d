import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import { segmentRepository, type SegmentRecord } from './segment.repository.ts';

export function createSegmentsByCustomerIdLoader(db: Db) {
  return new DataLoader<string, SegmentRecord[]>(async (ids) => {
    const byCustomer = groupBy(await segmentRepository.byCustomerIds(db, ids), (r) => r.customerId);
    return ids.map((id) => byCustomer.get(id) ?? []);
  });
}
