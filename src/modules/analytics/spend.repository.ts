/** Ad spend: one row per (date, channel, campaign), belonging to no person. */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { dimensionKey } from './dimension.sql.ts';
import type { MarketingDimension } from './dimension.types.ts';

export interface SpendWrite {
  date: string;
  channel: string;
  /** "" for spend on no particular campaign. */
  campaign: string;
  amount: number;
  currency: string;
  /** The rate in effect on `date`, as the rate table holds it (exact decimal text); "1" for the base currency. */
  rate: string;
}

/** Decimal(18, 2) holds amounts below this (16 integer digits), as SQL text. */
const COLUMN_LIMIT = '1e16';

// `amount` is read as numeric, the JSON number exactly as written: read as float8, PostgreSQL's
// float8 → numeric cast keeps 15 significant digits, which took 9999999999999996 up to 10^16 and
// overflowed the column.
const asRecords = (rows: SpendWrite[]) =>
  Prisma.sql`ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS (date text, channel text, campaign text, amount numeric, currency text, rate text))
             WITH ORDINALITY AS r(date, channel, campaign, amount, currency, rate, n)`;

export const spendRepository = {
  /**
   * The index of the first row whose amount, or its base amount round(amount × rate, 2), does not fit
   * the columns, else null. Checked in numeric like the insert, so the two never disagree: the amount
   * is validated below 10^16 before conversion, but a rate up to 10^6 takes it above.
   */
  async firstTooLarge(tx: Db, rows: SpendWrite[]): Promise<number | null> {
    const [row] = await tx.$queryRaw<{ index: number | null }[]>`
      SELECT (min(r.n) - 1)::int AS index FROM ${asRecords(rows)}
      WHERE round(r.amount, 2) >= ${COLUMN_LIMIT}::numeric OR round(round(r.amount, 2) * r.rate::numeric, 2) >= ${COLUMN_LIMIT}::numeric`;
    return row?.index ?? null;
  },

  /** Upserts by (date, channel, campaign): a resend replaces amount, currency and base amount. */
  async upsert(tx: Db, rows: SpendWrite[]): Promise<{ inserted: number; replaced: number }> {
    const out = await tx.$queryRaw<{ inserted: boolean }[]>`
      INSERT INTO ad_spend (date, channel, campaign, amount, currency, amount_base, recorded_at)
      SELECT r.date::date, r.channel::"Channel", r.campaign, r.amount::numeric(18, 2), r.currency,
             round(r.amount::numeric(18, 2) * r.rate::numeric, 2), now()
      FROM ${asRecords(rows)}
      ON CONFLICT (date, channel, campaign) DO UPDATE
        SET amount = EXCLUDED.amount, currency = EXCLUDED.currency, amount_base = EXCLUDED.amount_base, recorded_at = EXCLUDED.recorded_at
      RETURNING (xmax = 0) AS inserted`;
    const inserted = out.filter((r) => r.inserted).length;
    return { inserted, replaced: out.length - inserted };
  },

  /** Base-currency spend per dimension key over the dates firstDate ≤ date < endDate (YYYY-MM-DD). */
  async spendByKey(db: Db, firstDate: string, endDate: string, by: MarketingDimension): Promise<{ key: string; spend: string }[]> {
    return db.$queryRaw`
      SELECT ${dimensionKey(by)} AS key, sum(amount_base)::text AS spend
      FROM (SELECT channel, NULLIF(campaign, '') AS campaign, amount_base FROM ad_spend
            WHERE date >= ${firstDate}::date AND date < ${endDate}::date) s
      GROUP BY 1`;
  },
};
