import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import type { MergeRecord } from './merge.repository.ts';
import { mergeRepository } from './merge.repository.ts';

/** Merge ledger entries in which a customer, or anyone merged into it, took part as winner or loser. */
export function createMergesByCustomerIdLoader(db: Db) {
  return new DataLoader<string, MergeRecord[]>(async (ids) => {
    const rows = await mergeRepository.forCustomer(db, ids);
    return ids.map((id) => rows.filter((m) => m.customerId === id).map(({ customerId: _, ...m }) => m));
  });
}
