/** Touchpoints per channel of a page of customers, as one SQL fragment (run alone by the repository, or inside the profile loader's statement). */
import { Prisma } from '../../generated/prisma/client.ts';

/** Over each live customer's merged set. */
export function channelCountsSql(customerIds: readonly string[]): Prisma.Sql {
  const ids = [...customerIds];
  return Prisma.sql`
      SELECT COALESCE(c.merged_into_id, c.id)::text AS "customerId", t.channel::text AS channel, count(*)::int AS count
      FROM customer c JOIN touchpoint t ON t.customer_id = c.id
      WHERE c.id = ANY(${ids}::uuid[]) OR c.merged_into_id = ANY(${ids}::uuid[])
      GROUP BY 1, 2 ORDER BY 1, 2`;
}
