/** A page of customers' current segments as one SQL fragment (run alone by the repository, or inside the profile loader's statement). */
import { Prisma } from '../../generated/prisma/client.ts';

export interface SegmentRecord {
  id: string;
  name: string;
  description: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Current memberships in live (not archived) segments. */
export function segmentsOfCustomersSql(customerIds: readonly string[]): Prisma.Sql {
  return Prisma.sql`
      SELECT m.customer_id::text AS "customerId", s.id::text AS id, s.name, s.description, s.version,
             s.created_at AS "createdAt", s.updated_at AS "updatedAt"
      FROM segment_membership m JOIN segment s ON s.id = m.segment_id
      WHERE s.archived_at IS NULL
        AND m.customer_id = ANY(${[...customerIds]}::uuid[])
      ORDER BY s.name`;
}

/** A row of the fragment read back from JSON (timestamps arrive as text). */
export function segmentFromJson<T extends Omit<SegmentRecord, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string }>(r: T) {
  return { ...r, createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt) };
}
