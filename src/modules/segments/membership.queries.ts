/** The segments module's public data API on the membership outbox, for other modules. */
import { membershipRepository } from './membership.repository.ts';

export const membershipQueries = {
  /** Partition retention drops a month of the outbox only when all of it is at or below this horizon. */
  horizon: membershipRepository.horizon,
};
