/**
 * One DataLoader set per request (and per subscription event), so no cache outlives a request or
 * crosses callers. Each module owns its loaders; this file only puts them together.
 */
import type { Db } from '../db/client.ts';
import { createAccountsByCustomerIdLoader, createMemberCountByAccountIdLoader } from '../modules/accounts/account.loaders.ts';
import { createRfmTierByCustomerIdLoader } from '../modules/analytics/rfm.loaders.ts';
import { createCustomerByIdLoader } from '../modules/customers/customer.loaders.ts';
import { createProfilePartsLoader } from '../modules/customers/profile-parts.loaders.ts';
import { createMergesByCustomerIdLoader } from '../modules/identities/merge.loaders.ts';
import { createSegmentByIdLoader, createSegmentSizeTrendLoader } from '../modules/segments/segment.loaders.ts';
import { createSentimentByCustomerIdLoader } from '../modules/sentiment/sentiment.loaders.ts';
import { createClusterByCustomerIdLoader } from '../modules/clusters/cluster.loaders.ts';
import { createPropensityByCustomerIdLoader } from '../modules/propensity/propensity.loaders.ts';

/** `now` is the services' clock, so what loaders derive from time agrees with segments. */
export function createLoaders(db: Db, now: () => Date, opts: { outboxRetentionDays: number }) {
  return {
    customerById: createCustomerByIdLoader(db),
    profileParts: createProfilePartsLoader(db),
    mergesByCustomerId: createMergesByCustomerIdLoader(db),
    segmentById: createSegmentByIdLoader(db),
    segmentSizeTrend: createSegmentSizeTrendLoader(db, now, opts.outboxRetentionDays),
    rfmTierByCustomerId: createRfmTierByCustomerIdLoader(db, now),
    accountsByCustomerId: createAccountsByCustomerIdLoader(db),
    memberCountByAccountId: createMemberCountByAccountIdLoader(db),
    sentimentByCustomerId: createSentimentByCustomerIdLoader(db),
    clusterByCustomerId: createClusterByCustomerIdLoader(db),
    propensityByCustomerId: createPropensityByCustomerIdLoader(db),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
