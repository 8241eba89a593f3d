import type { Db } from '../../db/client.ts';

export interface SegmentRecord {
  id: string;
  name: string;
  description: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const segmentRepository = {
  /** Current memberships in live (not archived) segments, in one statement for a page of customers. */
  async byCustomerIds(db: Db, customerIds: readonly string[]): Promise<(SegmentRecord & { customerId: string })[]> {
    return db.$queryRaw`
      SELECT m.customer_id::text AS "customerId", s.id::text AS id, s.name, s.description, s.version,
             s.created_at AS "createdAt", s.updated_at AS "updatedAt"
      FROM segment_membership m JOIN segment s ON s.id = m.segment_id
      WHERE s.archived_at IS NULL
        AND m.customer_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(customerIds)}::jsonb))
      ORDER BY s.name`;
  },
};
