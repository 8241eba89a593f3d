import type { Db } from '../../db/client.ts';
import type { TagKind } from '../../generated/prisma/enums.ts';

export interface TagRecord {
  id: string;
  key: string;
  name: string;
  category: string | null;
  description: string | null;
  kind: TagKind;
}

export const tagRepository = {
  /** One statement for a whole page of customers (Prisma would split the relation into two). */
  async byCustomerIds(db: Db, customerIds: readonly string[]): Promise<(TagRecord & { customerId: string })[]> {
    return db.$queryRaw`
      SELECT ct.customer_id::text AS "customerId", t.id::text AS id, t.key, t.name, t.category, t.description, t.kind::text AS kind
      FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
      WHERE ct.customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(customerIds)}::jsonb))
      ORDER BY t.key`;
  },
};
