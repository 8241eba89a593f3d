/** Accounts and their members: all SQL of the accounts module. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { AccountRecord, Traits } from './account.model.ts';

interface AccountRow {
  id: string;
  group_id: string;
  traits: Traits;
  created_at: Date;
  updated_at: Date;
}
const toRecord = (r: AccountRow): AccountRecord => ({ id: r.id, groupId: r.group_id, traits: r.traits, createdAt: r.created_at, updatedAt: r.updated_at });
const COLUMNS = 'a.id::text AS id, a.group_id, a.traits, a.created_at, a.updated_at';

export interface LockedAccount {
  id: string;
  groupId: string;
  traits: Traits;
  traitTimes: Record<string, string>;
}

export const accountRepository = {
  /**
   * Creates the accounts that do not exist yet, then locks every one of them (row locks, in group id
   * order, held to commit) so concurrent group calls for one account merge one after another.
   */
  async lockOrCreate(tx: Db, groupIds: string[], now: Date): Promise<LockedAccount[]> {
    const sorted = [...new Set(groupIds)].sort();
    if (sorted.length === 0) return [];
    const rows = sorted.map((groupId) => ({ id: randomUUID(), groupId }));
    await tx.$executeRaw`
      INSERT INTO accounts (id, group_id, created_at, updated_at)
      SELECT r.id, r."groupId", ${now}::timestamptz, ${now}::timestamptz
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id uuid, "groupId" text)
      ORDER BY r."groupId"
      ON CONFLICT (group_id) DO NOTHING`;
    const locked = await tx.$queryRaw<{ id: string; group_id: string; traits: Traits; trait_times: Record<string, string> }[]>`
      SELECT id::text AS id, group_id, traits, trait_times FROM accounts
      WHERE group_id = ANY(${sorted}::text[]) ORDER BY group_id FOR UPDATE`;
    return locked.map((r) => ({ id: r.id, groupId: r.group_id, traits: r.traits, traitTimes: r.trait_times }));
  },

  async writeTraits(tx: Db, rows: { id: string; traits: Traits; traitTimes: Record<string, string> }[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    await tx.$executeRaw`
      UPDATE accounts a SET traits = r.traits, trait_times = r."traitTimes", updated_at = ${now}::timestamptz
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id uuid, traits jsonb, "traitTimes" jsonb)
      WHERE a.id = r.id`;
  },

  /** Links customers to accounts; `since` is the earliest group call that linked them (so resends and late calls commute). */
  async link(tx: Db, links: { accountId: string; customerId: string; since: string }[]): Promise<void> {
    if (links.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO account_members (account_id, customer_id, since)
      SELECT r."accountId", r."customerId", min(r.since)
      FROM jsonb_to_recordset(${JSON.stringify(links)}::jsonb) AS r("accountId" uuid, "customerId" uuid, since timestamptz)
      GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (account_id, customer_id) DO UPDATE SET since = LEAST(account_members.since, EXCLUDED.since)`;
  },

  /** The live, not erased customers who belong (over merged sets) to any of these accounts. */
  async liveMembersOf(db: Db, accountIds: string[]): Promise<string[]> {
    if (accountIds.length === 0) return [];
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT DISTINCT COALESCE(c.merged_into_id, c.id)::text AS id
      FROM account_members am JOIN customer c ON c.id = am.customer_id
      WHERE am.account_id = ANY(${accountIds}::uuid[]) AND c.erased_at IS NULL`;
    return rows.map((r) => r.id);
  },

  async deleteMembers(tx: Db, customerIds: string[]): Promise<number> {
    if (customerIds.length === 0) return 0;
    return tx.$executeRaw`DELETE FROM account_members WHERE customer_id = ANY(${customerIds}::uuid[])`;
  },

  async findByIds(db: Db, ids: readonly string[]): Promise<AccountRecord[]> {
    if (ids.length === 0) return [];
    const rows = await db.$queryRawUnsafe<AccountRow[]>(`SELECT ${COLUMNS} FROM accounts a WHERE a.id = ANY($1::uuid[])`, [...ids]);
    return rows.map(toRecord);
  },

  async findByGroupId(db: Db, groupId: string): Promise<AccountRecord | null> {
    const rows = await db.$queryRawUnsafe<AccountRow[]>(`SELECT ${COLUMNS} FROM accounts a WHERE a.group_id = $1`, groupId);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  /** A page of accounts in group id order (code points), after `afterGroupId`; `search` matches the group id or the `name` trait. */
  async list(db: Db, opts: { take: number; afterGroupId: string | null; search: string | null }): Promise<AccountRecord[]> {
    const rows = await db.$queryRawUnsafe<AccountRow[]>(
      `SELECT ${COLUMNS} FROM accounts a
       WHERE ($1::text IS NULL OR a.group_id COLLATE "C" > $1::text)
         AND ($2::text IS NULL OR strpos(lower(a.group_id COLLATE "C"), lower($2::text COLLATE "C")) > 0
              OR strpos(lower((a.traits ->> 'name') COLLATE "C"), lower($2::text COLLATE "C")) > 0)
       ORDER BY a.group_id COLLATE "C" LIMIT $3`,
      opts.afterGroupId,
      opts.search,
      opts.take,
    );
    return rows.map(toRecord);
  },

  async count(db: Db, search: string | null): Promise<number> {
    const [row] = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM accounts a
      WHERE ${search}::text IS NULL OR strpos(lower(a.group_id COLLATE "C"), lower(${search}::text COLLATE "C")) > 0
         OR strpos(lower((a.traits ->> 'name') COLLATE "C"), lower(${search}::text COLLATE "C")) > 0`;
    return row?.n ?? 0;
  },

  /** Members of one account as live customers, in id order, with the earliest `since` over their merged set. */
  async members(db: Db, accountId: string, take: number, afterId: string | null): Promise<{ customerId: string; since: Date }[]> {
    return db.$queryRaw`
      SELECT COALESCE(c.merged_into_id, c.id)::text AS "customerId", min(am.since) AS since
      FROM account_members am JOIN customer c ON c.id = am.customer_id
      WHERE am.account_id = ${accountId}::uuid AND c.erased_at IS NULL
        AND (${afterId}::uuid IS NULL OR COALESCE(c.merged_into_id, c.id) > ${afterId}::uuid)
      GROUP BY 1 ORDER BY 1 LIMIT ${take}`;
  },

  async memberCounts(db: Db, accountIds: readonly string[]): Promise<Map<string, number>> {
    if (accountIds.length === 0) return new Map();
    const rows = await db.$queryRaw<{ id: string; n: number }[]>`
      SELECT am.account_id::text AS id, count(DISTINCT COALESCE(c.merged_into_id, c.id))::int AS n
      FROM account_members am JOIN customer c ON c.id = am.customer_id
      WHERE am.account_id = ANY(${[...accountIds]}::uuid[]) AND c.erased_at IS NULL
      GROUP BY 1`;
    return new Map(rows.map((r) => [r.id, r.n]));
  },

  /** The accounts of these live customers, over their merged sets, in group id order. */
  async ofCustomers(db: Db, liveIds: readonly string[]): Promise<(AccountRecord & { customerId: string; traitsText: string })[]> {
    if (liveIds.length === 0) return [];
    const ids = [...liveIds];
    const rows = await db.$queryRaw<(AccountRow & { customer_id: string; traits_text: string })[]>`
      WITH live AS (SELECT unnest(${ids}::uuid[]) AS id),
      members AS (SELECT id, id AS live FROM live UNION ALL SELECT m.id, m.merged_into_id FROM customer m WHERE m.merged_into_id IN (SELECT id FROM live))
      SELECT DISTINCT mb.live::text AS customer_id, a.id::text AS id, a.group_id, a.traits, a.traits::text AS traits_text, a.created_at, a.updated_at
      FROM members mb JOIN account_members am ON am.customer_id = mb.id JOIN accounts a ON a.id = am.account_id
      ORDER BY 1, a.group_id`;
    return rows.map((r) => ({ ...toRecord(r), customerId: r.customer_id, traitsText: r.traits_text }));
  },
};
