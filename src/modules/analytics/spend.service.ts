/**
 * recordSpend: ad spend per day, channel and campaign, converted to the base currency at the rate in
 * effect on its date when recorded. A batch is validated whole (one bad row refuses it, with its
 * index, and nothing is stored); a resend of a (date, channel, campaign) replaces its amount.
 */
import type { Config } from '../../config/env.ts';
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { Channel } from '../../generated/prisma/enums.ts';
import { isoDate, parseCalendarDate } from '../currency/currency.dates.ts';
import { currencyQueries } from '../currency/currency.queries.ts';
import { MAX_CAMPAIGN_LENGTH } from '../ingestion/channel-inference.ts';
import { MAX_ABS_AMOUNT, normalizeCurrency, roundToCents } from '../ingestion/event-money.ts';
import { spendRepository, type SpendWrite } from './spend.repository.ts';

export const MAX_SPEND_ROWS = 1000;

export interface SpendInputShape {
  date: string;
  channel: Channel;
  campaign?: string | null;
  amount: number;
  currency?: string | null;
}

export interface RecordSpendResult {
  inserted: number;
  replaced: number;
  baseCurrency: string;
}

const bad = (code: ErrorCode, message: string, index: number, field: string) => new UserError(code, `input[${index}]: ${message}`, { index, field });

export class SpendService {
  constructor(
    private readonly db: Database,
    private readonly deps: { config: Pick<Config, 'baseCurrency'> },
  ) {}

  private valid(input: SpendInputShape[]): Omit<SpendWrite, 'rate'>[] {
    if (input.length > MAX_SPEND_ROWS)
      throw new UserError(ErrorCode.BATCH_TOO_LARGE, `at most ${MAX_SPEND_ROWS} spend rows a call; got ${input.length}`, { max: MAX_SPEND_ROWS });
    const seen = new Set<string>();
    return input.map((r, i) => {
      const date = parseCalendarDate(r.date);
      if (!date) throw bad(ErrorCode.INVALID_DATE, 'date must be a calendar date YYYY-MM-DD (from 1970)', i, 'date');
      if (!(Object.values(Channel) as string[]).includes(r.channel)) throw bad(ErrorCode.BAD_USER_INPUT, 'unknown channel', i, 'channel');
      const campaign = (r.campaign ?? '').trim();
      if (campaign.length > MAX_CAMPAIGN_LENGTH) throw bad(ErrorCode.VALUE_TOO_LONG, `campaign is longer than ${MAX_CAMPAIGN_LENGTH} characters`, i, 'campaign');
      if (!Number.isFinite(r.amount) || r.amount < 0 || r.amount >= MAX_ABS_AMOUNT)
        throw bad(ErrorCode.BAD_USER_INPUT, 'amount must be a number from 0 up to 10^16', i, 'amount');
      const currency = r.currency == null ? this.deps.config.baseCurrency : normalizeCurrency(r.currency);
      if (!currency) throw bad(ErrorCode.BAD_USER_INPUT, 'currency must be a three-letter ISO 4217 code', i, 'currency');
      const row = { date: isoDate(date), channel: r.channel, campaign, amount: roundToCents(r.amount), currency };
      const key = JSON.stringify([row.date, row.channel, row.campaign]);
      if (seen.has(key)) throw bad(ErrorCode.BAD_USER_INPUT, `${row.date} ${row.channel} "${campaign}" appears twice in the batch`, i, 'date');
      seen.add(key);
      return row;
    });
  }

  async recordSpend(input: SpendInputShape[]): Promise<RecordSpendResult> {
    const rows = this.valid(input);
    const base = this.deps.config.baseCurrency;
    const result = await this.db.prisma.$transaction(
      async (tx) => {
        // The rates read here stay the ones in force until commit (setExchangeRates waits).
        await currencyQueries.lockRatesShared(tx);
        const foreign = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.currency !== base);
        const rates = await currencyQueries.ratesOn(tx, foreign.map(({ r }) => ({ currency: r.currency, date: r.date })));
        const rateOf = new Map<number, string>();
        foreign.forEach(({ r, i }, k) => {
          const rate = rates[k];
          if (rate == null) throw bad(ErrorCode.NO_EXCHANGE_RATE, `no ${r.currency} rate in effect on ${r.date}: setExchangeRates first`, i, 'currency');
          rateOf.set(i, rate);
        });
        if (rows.length === 0) return { inserted: 0, replaced: 0 };
        const writes = rows.map((r, i) => ({ ...r, rate: rateOf.get(i) ?? '1' }));
        // Only known once the rate is: an amount below 10^16 can convert to more than the column holds,
        // which the insert would fail on as an internal error.
        const tooLarge = await spendRepository.firstTooLarge(tx, writes);
        if (tooLarge !== null)
          throw bad(ErrorCode.BAD_USER_INPUT, `amount converts to 10^16 ${base} or more at the ${writes[tooLarge]!.currency} rate of ${writes[tooLarge]!.date}`, tooLarge, 'amount');
        return spendRepository.upsert(tx, writes);
      },
      { maxWait: 15_000, timeout: 60_000 },
    );
    return { ...result, baseCurrency: base };
  }
}
