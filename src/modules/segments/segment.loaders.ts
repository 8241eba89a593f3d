import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import { segmentRepository, segmentStore, type SegmentFull, type SegmentRecord } from './segment.repository.ts';

export function createSegmentsByCustomerIdLoader(db: Db) {
  return new DataLoader<string, SegmentRecord[]>(async (ids) => {
    const byCustomer = groupBy(await segmentRepository.byCustomerIds(db, ids), (r) => r.customerId);
    return ids.map((id) => byCustomer.get(id) ?? []);
  });
}

export function createSegmentByIdLoader(db: Db) {
  return new DataLoader<string, SegmentFull | null>(async (ids) => {
    const byId = new Map((await segmentStore.findMany(db, ids)).map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
