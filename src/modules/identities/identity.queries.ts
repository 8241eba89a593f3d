/**
 * The identities module's public data API: what other modules read about identities inside their own
 * transactions. Everything else stays behind identityRepository, which only this module imports.
 */
import { identityRepository } from './identity.repository.ts';
import { identitiesOfCustomersSql, identityFromJson } from './identity.sql.ts';

export type { IdentityRecord } from './identity.sql.ts';

export const identityQueries = {
  /** The customers' profile loader reads identities with the profile's other parts, in one statement. */
  identitiesOfCustomersSql,
  identityFromJson,
  /** customerByIdentity (customers service) looks up the live customer holding an identity. */
  customerIdFor: identityRepository.customerIdFor,
};
