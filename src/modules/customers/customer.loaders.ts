import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import type { CustomerRecord } from './customer.model.ts';
import { customerRepository } from './customer.repository.ts';

export function createCustomerByIdLoader(db: Db) {
  return new DataLoader<string, CustomerRecord | null>(async (ids) => {
    const byId = new Map((await customerRepository.findByIds(db, ids)).map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
