import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import { identityRepository, type IdentityRecord } from './identity.repository.ts';

export function createIdentitiesByCustomerIdLoader(db: Db) {
  return new DataLoader<string, IdentityRecord[]>(async (ids) => {
    const byCustomer = groupBy(await identityRepository.byCustomerIds(db, ids), (r) => r.customerId);
    return ids.map((id) => byCustomer.get(id) ?? []);
  });
}
