import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import { tagRepository, type TagRecord } from './tag.repository.ts';

export function createTagsByCustomerIdLoader(db: Db) {
  return new DataLoader<string, TagRecord[]>(async (ids) => {
    const byCustomer = groupBy(await tagRepository.byCustomerIds(db, ids), (r) => r.customerId);
    return ids.map((id) => byCustomer.get(id) ?? []);
  });
}
