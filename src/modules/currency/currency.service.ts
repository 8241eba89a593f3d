/**
 * Money in several currencies: every stored amount is also kept in the base currency (BASE_CURRENCY),
 * and that is what every sum reads. Rates come from setExchangeRates; an amount whose currency has no
 * rate in effect on its date waits (in no sum) until one is set, and is converted then. A stored base
 * amount is never recomputed: history keeps the rate of its date as it stood when it was converted.
 */
import type { Config } from '../../config/env.ts';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { ChangeHooks } from '../../lib/change-hooks.ts';
import type { Logger } from '../../logger.ts';
import { normalizeCurrency } from '../ingestion/event-money.ts';
import { touchpointQueries } from '../touchpoints/touchpoint.queries.ts';
import { isoDate, parseCalendarDate } from './currency.dates.ts';
import { currencyRepository, type RateWrite } from './currency.repository.ts';

export const MAX_RATES_PER_CALL = 1000;
/** numeric(20, 10): the smallest rate it holds, and a bound far above any real one. */
export const MIN_RATE = 1e-10;
export const MAX_RATE = 1e6;

export interface ExchangeRateInputShape {
  currency: string;
  validFrom: string;
  rate: number;
}

export interface SetRatesResult {
  inserted: number;
  replaced: number;
  converted: number;
  pending: number;
}

export interface RateListing {
  baseCurrency: string;
  rates: { currency: string; validFrom: string; rate: number }[];
  pending: { currency: string; touchpoints: number }[];
}

const bad = (code: ErrorCode, message: string, index: number, field: string) => new UserError(code, `rates[${index}]: ${message}`, { index, field });

export class CurrencyService {
  private readonly log: Logger;

  constructor(
    private readonly db: Database,
    private readonly deps: { config: Pick<Config, 'baseCurrency'>; hooks: ChangeHooks; logger: Logger },
  ) {
    this.log = deps.logger.child({ module: 'currency-service' });
  }

  get baseCurrency(): string {
    return this.deps.config.baseCurrency;
  }

  /** Validates the whole batch first: one bad row refuses it all, with its index, and stores nothing. */
  validRates(input: ExchangeRateInputShape[]): RateWrite[] {
    if (input.length > MAX_RATES_PER_CALL)
      throw new UserError(ErrorCode.BATCH_TOO_LARGE, `at most ${MAX_RATES_PER_CALL} rates a call; got ${input.length}`, { max: MAX_RATES_PER_CALL });
    const seen = new Set<string>();
    return input.map((r, i) => {
      const currency = normalizeCurrency(r.currency);
      if (!currency) throw bad(ErrorCode.BAD_USER_INPUT, 'currency must be a three-letter ISO 4217 code', i, 'currency');
      if (currency === this.baseCurrency) throw bad(ErrorCode.BAD_USER_INPUT, `${currency} is the base currency: its rate is always 1`, i, 'currency');
      const date = parseCalendarDate(r.validFrom);
      if (!date) throw bad(ErrorCode.INVALID_DATE, 'validFrom must be a calendar date YYYY-MM-DD (from 1970)', i, 'validFrom');
      if (!Number.isFinite(r.rate) || r.rate < MIN_RATE || r.rate > MAX_RATE)
        throw bad(ErrorCode.BAD_USER_INPUT, `rate must be between ${MIN_RATE} and ${MAX_RATE} units of ${this.baseCurrency} per ${currency}`, i, 'rate');
      const key = `${currency}/${isoDate(date)}`;
      if (seen.has(key)) throw bad(ErrorCode.BAD_USER_INPUT, `${currency} from ${isoDate(date)} appears twice in the batch`, i, 'validFrom');
      seen.add(key);
      return { currency, validFrom: isoDate(date), rate: r.rate };
    });
  }

  async setExchangeRates(input: ExchangeRateInputShape[]): Promise<SetRatesResult> {
    const rows = this.validRates(input);
    const { result, afterCommit } = await this.db.prisma.$transaction(
      async (tx) => {
        await currencyRepository.lockExclusive(tx);
        const { inserted, replaced } = rows.length ? await currencyRepository.upsertRates(tx, rows) : { inserted: 0, replaced: 0 };
        const { converted, afterCommit } = await this.convertWaiting(tx);
        return { result: { inserted, replaced, converted }, afterCommit };
      },
      { maxWait: 15_000, timeout: 300_000 },
    );
    await afterCommit();
    const pending = (await currencyRepository.pendingByCurrency(this.db.prisma)).reduce((s, p) => s + p.touchpoints, 0);
    return { ...result, pending };
  }

  /**
   * Converts every stored amount that can be converted now (at start-up: those left by the 0013
   * migration in the base currency; afterwards: none, since ingest and setExchangeRates convert).
   */
  async convertPending(): Promise<number> {
    const { converted, afterCommit } = await this.db.prisma.$transaction(
      async (tx) => {
        await currencyRepository.lockExclusive(tx);
        return this.convertWaiting(tx);
      },
      { maxWait: 15_000, timeout: 300_000 },
    );
    await afterCommit();
    if (converted) this.log.info({ converted }, 'amounts converted to the base currency');
    return converted;
  }

  /** Base amounts for what waited, then the derived state that reads them: stats, segments, rule tags. */
  private async convertWaiting(tx: Db) {
    const { converted, customerIds } = await currencyRepository.convertTouchpoints(tx, this.baseCurrency, null);
    if (customerIds.length === 0) return { converted, afterCommit: async () => {} };
    await touchpointQueries.refreshStats(tx, customerIds);
    const afterCommit = await this.deps.hooks.run(tx, { customerIds, kind: 'exchange_rate' });
    return { converted, afterCommit };
  }

  async exchangeRates(currency: string | null | undefined): Promise<RateListing> {
    let code: string | null = null;
    if (currency != null) {
      code = normalizeCurrency(currency);
      if (!code) throw new UserError(ErrorCode.BAD_USER_INPUT, 'currency must be a three-letter ISO 4217 code', { field: 'currency' });
    }
    const [rates, pending] = await Promise.all([currencyRepository.listRates(this.db.prisma, code), currencyRepository.pendingByCurrency(this.db.prisma)]);
    return {
      baseCurrency: this.baseCurrency,
      rates: rates.map((r) => ({ currency: r.currency, validFrom: isoDate(r.valid_from), rate: Number(r.rate) })),
      pending: pending.filter((p) => code === null || p.currency === code),
    };
  }
}
