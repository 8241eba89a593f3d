import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import type { AccountRecord } from './account.model.ts';
import { accountRepository } from './account.repository.ts';

/** The accounts of live customers, over their merged sets. */
export function createAccountsByCustomerIdLoader(db: Db) {
  return new DataLoader<string, AccountRecord[]>(async (ids) => {
    const byCustomer = groupBy(await accountRepository.ofCustomers(db, ids), (r) => r.customerId);
    return ids.map((id) => (byCustomer.get(id) ?? []).map(({ id: accountId, groupId, traits, createdAt, updatedAt }) => ({ id: accountId, groupId, traits, createdAt, updatedAt })));
  });
}

/** Distinct live (not erased) customers per account. */
export function createMemberCountByAccountIdLoader(db: Db) {
  return new DataLoader<string, number>(async (ids) => {
    const counts = await accountRepository.memberCounts(db, ids);
    return ids.map((id) => counts.get(id) ?? 0);
  });
}
