/**
 * The analytics module's public data API on RFM tiers: what segment rules on rfmTier need, so both
 * segment evaluators use the tiers the rfm() query reports. Everything else stays behind rfmRepository.
 */
import { rfmRepository, rfmTiersSql } from './rfm.repository.ts';

export const rfmQueries = {
  /** Segment rule facts (incremental evaluator): the tier of each of these live customers at asOf. */
  tiersOf: rfmRepository.tiersOf,
  /** Segment rule compiler (full recompute): the tiers as a SQL subquery of (person, tier). */
  tiersSql: rfmTiersSql,
};
