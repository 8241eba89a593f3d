/**
 * Pure SQL builders over accounts, for other modules (through account.queries.ts): the segment rule
 * compiler (members of matching accounts) and analytics breakdowns (an account trait per person).
 * Account membership is read over merged sets: a live customer belongs to the accounts of everyone
 * merged into it.
 */
import { Prisma } from '../../generated/prisma/client.ts';

const { sql, empty } = Prisma;

/**
 * The live customers (one column, uuid) who belong to an account passing `where`, a condition on the
 * alias `a` (the accounts row: a.group_id, a.traits); every account when null. Uncorrelated, so a
 * full recompute computes it once.
 */
export function accountMembersSql(where: Prisma.Sql | null): Prisma.Sql {
  return sql`SELECT COALESCE(m.merged_into_id, m.id) FROM account_members am
    JOIN customer m ON m.id = am.customer_id JOIN accounts a ON a.id = am.account_id${where ? sql` WHERE ${where}` : empty}`;
}

/**
 * For a breakdown by an account trait (e.g. trends by `plan`): the value of trait `key`, as text
 * (`->>`), of the account the person belongs to, NULL when none of their accounts has it (missing or
 * JSON null). `person` is an SQL expression giving a live customer id (uuid), e.g. `b.person`. A
 * person in several accounts that have the trait counts under the one they joined first (earliest
 * `since`, then the smallest group id), so each person lands in exactly one group.
 */
export function accountTraitSql(person: Prisma.Sql, key: string): Prisma.Sql {
  return sql`(SELECT a.traits ->> ${key}::text FROM account_members am JOIN accounts a ON a.id = am.account_id
    WHERE am.customer_id IN (SELECT ${person} UNION ALL SELECT mm.id FROM customer mm WHERE mm.merged_into_id = ${person})
      AND jsonb_typeof(a.traits -> ${key}::text) <> 'null'
    ORDER BY am.since, a.group_id COLLATE "C" LIMIT 1)`;
}
