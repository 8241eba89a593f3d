/**
 * The identities of a page of customers as one SQL fragment, so the per-request profile loader can
 * fold it into its single statement (and this module's repository runs it on its own).
 */
import { Prisma } from '../../generated/prisma/client.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';

export interface IdentityRecord {
  customerId: string;
  type: IdentityType;
  value: string;
  source: string;
  createdAt: Date;
}

// Lists go in as arrays compared with = ANY(...): the planner then uses the indexes (an IN over a
// jsonb expansion was planned as a sequential scan).

/** Identities of these live customers, including those of customers merged into them. */
export function identitiesOfCustomersSql(customerIds: readonly string[]): Prisma.Sql {
  return Prisma.sql`
      SELECT COALESCE(c.merged_into_id, c.id)::text AS "customerId", i.type::text AS type, i.value, i.source, i.created_at AS "createdAt"
      FROM identity i JOIN customer c ON c.id = i.customer_id
      WHERE c.id = ANY(${[...customerIds]}::uuid[]) OR c.merged_into_id = ANY(${[...customerIds]}::uuid[])
      ORDER BY i.created_at, i.type, i.value`;
}

/** A row of the fragment read back from JSON (timestamps arrive as text). */
export function identityFromJson(r: Omit<IdentityRecord, 'createdAt'> & { createdAt: string }): IdentityRecord {
  return { ...r, createdAt: new Date(r.createdAt) };
}
