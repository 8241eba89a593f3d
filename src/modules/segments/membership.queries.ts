/** The segments module's public data API on the membership outbox, for other modules. */
import { membershipRepository } from './membership.repository.ts';
import { segmentFromJson, segmentsOfCustomersSql } from './segment.sql.ts';

export type { SegmentRecord } from './segment.sql.ts';

export const membershipQueries = {
  /** The customers' profile loader reads current segments with the profile's other parts, in one statement. */
  segmentsOfCustomersSql,
  segmentFromJson,
  /** Partition retention drops a month of the outbox only when all of it is at or below this horizon. */
  horizon: membershipRepository.horizon,
};
