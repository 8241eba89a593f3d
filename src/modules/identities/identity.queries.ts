/**
 * The identities module's public data API: what other modules read about identities inside their own
 * transactions. Everything else stays behind identityRepository, which only this module imports.
 */
import { identityRepository } from './identity.repository.ts';

export const identityQueries = {
  /** customerByIdentity (customers service) looks up the live customer holding an identity. */
  customerIdFor: identityRepository.customerIdFor,
};
