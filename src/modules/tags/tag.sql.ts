/** The tags of a page of customers as one SQL fragment (run alone by the repository, or inside the profile loader's statement). */
import { Prisma } from '../../generated/prisma/client.ts';
import type { TagKind } from '../../generated/prisma/enums.ts';

export interface TagRecord {
  id: string;
  key: string;
  name: string;
  category: string | null;
  description: string | null;
  kind: TagKind;
}

export function tagsOfCustomersSql(customerIds: readonly string[]): Prisma.Sql {
  return Prisma.sql`
      SELECT ct.customer_id::text AS "customerId", t.id::text AS id, t.key, t.name, t.category, t.description, t.kind::text AS kind
      FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
      WHERE ct.customer_id = ANY(${[...customerIds]}::uuid[])
      ORDER BY t.key`;
}
