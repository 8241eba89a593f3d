/**
 * The currency module's public data API, for writes other modules make inside their own transactions:
 * ingestion converts the amounts it stores, spend converts what it records, with the same rates.
 */
import { currencyRepository } from './currency.repository.ts';

export const currencyQueries = {
  /**
   * Taken first in a transaction that converts amounts, so a concurrent setExchangeRates either
   * commits before (its rates are used) or waits (and then converts what this one left waiting).
   */
  lockRatesShared: currencyRepository.lockShared,
  /** Gives the just-stored touchpoints with a foreign amount their base amount, where a rate exists. */
  convertTouchpoints: currencyRepository.convertTouchpoints,
  /** Rate in effect per (currency, date), for spend. */
  ratesOn: currencyRepository.ratesOn,
};
