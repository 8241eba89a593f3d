/**
 * The customers module's public data API: the reads and writes other modules make on customers inside
 * their own transactions (each takes the caller's `tx` or client). Everything else stays behind
 * customerRepository, which only this module imports.
 */
import { customerRepository } from './customer.repository.ts';

export const customerQueries = {
  /** Segments (rule preview, membership feed), tags (bulk tagging) and merges load customers by id. */
  findByIds: customerRepository.findByIds,
  /** Identity resolution: the age of each owner (the oldest wins a merge). */
  createdAtByIds: customerRepository.createdAtByIds,
  /** Segment evaluation: which of the touched customers are merged away or erased. */
  liveStatusByIds: customerRepository.liveStatusByIds,
  /** Identity resolution, merges and privacy serialise with customer upserts on the same advisory keys. */
  lockKeys: customerRepository.lockKeys,
  /** Identity resolution finds the live owners of incoming identities. */
  idsByIdentity: customerRepository.idsByIdentity,
  /** Identity resolution creates customers; merges rewrite the winner's and restore the loser's profile. */
  writeStates: customerRepository.writeStates,
  /** Identity resolution attaches the identities of the customers it creates. */
  insertIdentities: customerRepository.insertIdentities,
};
