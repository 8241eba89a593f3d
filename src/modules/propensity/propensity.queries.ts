/** The propensity module's public data API for the segment rules (both evaluators read the stored scores). */
import { probabilitySql, propensityRepository } from './propensity.repository.ts';

export const propensityQueries = {
  probabilitySql,
  ofCustomers: propensityRepository.ofCustomers,
};
