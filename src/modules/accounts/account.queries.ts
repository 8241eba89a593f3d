/**
 * The accounts module's public data API: what segment rules on accounts need (both evaluators) and
 * what an analytics breakdown by an account trait needs. Everything else stays behind the repository.
 */
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import { accountRepository } from './account.repository.ts';
import { accountMembersSql, accountTraitSql } from './account.sql.ts';

export const accountQueries = {
  /**
   * Segment rule facts (incremental evaluator): per live customer, the accounts it belongs to over its
   * merged set, traits as JSON text (for exact numbers).
   */
  async accountsOf(db: Db, liveIds: readonly string[]): Promise<Map<string, { groupId: string; traitsText: string }[]>> {
    const rows = await accountRepository.ofCustomers(db, liveIds);
    return new Map([...groupBy(rows, (r) => r.customerId)].map(([id, list]) => [id, list.map((r) => ({ groupId: r.groupId, traitsText: r.traitsText }))]));
  },
  /** Segment rule compiler (full recompute): live customers in an account passing a condition on `a`. */
  membersSql: accountMembersSql,
  /** Analytics breakdowns: an account trait per person (see account.sql.ts). */
  traitSql: accountTraitSql,
};
