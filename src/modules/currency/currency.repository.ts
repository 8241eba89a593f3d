/**
 * Exchange rates and the conversion of stored amounts to the base currency. The rate of an amount is
 * the row of its currency with the latest valid_from on or before the amount's UTC date; the base
 * amount is round(amount × rate, 2) in numeric (half away from zero), so SQL and any hand check agree.
 */
import type { Db } from '../../db/client.ts';

/** Transaction-level advisory lock between rate changes (exclusive) and conversions at ingest (shared). */
export const RATES_LOCK = 72_410_013;

export interface RateRow {
  currency: string;
  valid_from: Date;
  rate: string;
}

export interface RateWrite {
  currency: string;
  validFrom: string;
  rate: number;
}

export const currencyRepository = {
  async lockShared(tx: Db): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${RATES_LOCK}::bigint)`;
  },

  async lockExclusive(tx: Db): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RATES_LOCK}::bigint)`;
  },

  /** Upserts (currency, validFrom) → rate; a resend replaces the rate. Answers how many rows existed before. */
  async upsertRates(tx: Db, rows: RateWrite[]): Promise<{ inserted: number; replaced: number }> {
    const out = await tx.$queryRaw<{ inserted: boolean }[]>`
      INSERT INTO exchange_rate (currency, valid_from, rate, updated_at)
      SELECT r.currency, r."validFrom"::date, round(r.rate::numeric, 10), now()
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(currency text, "validFrom" text, rate float8)
      ON CONFLICT (currency, valid_from) DO UPDATE SET rate = EXCLUDED.rate, updated_at = EXCLUDED.updated_at
      RETURNING (xmax = 0) AS inserted`;
    const inserted = out.filter((r) => r.inserted).length;
    return { inserted, replaced: out.length - inserted };
  },

  async listRates(db: Db, currency: string | null): Promise<RateRow[]> {
    return db.$queryRaw<RateRow[]>`
      SELECT currency, valid_from, rate::text AS rate FROM exchange_rate
      WHERE ${currency}::text IS NULL OR currency = ${currency}::text
      ORDER BY currency, valid_from`;
  },

  /**
   * Converts stored amounts still waiting for a rate (revenue NULL, original_revenue set): those of
   * `touchpointIds`, or every waiting one when null. Amounts in the base currency take rate 1.
   * Answers how many were converted and the live customers (merge winners) they count for.
   */
  async convertTouchpoints(tx: Db, base: string, touchpointIds: string[] | null): Promise<{ converted: number; customerIds: string[] }> {
    const rows = await tx.$queryRaw<{ live: string; n: number }[]>`
      WITH conv AS (
        SELECT t.id, round(t.original_revenue * CASE WHEN t.currency = ${base}::text THEN 1::numeric ELSE (
                 SELECT e.rate FROM exchange_rate e
                 WHERE e.currency = t.currency AND e.valid_from <= (t.occurred_at AT TIME ZONE 'UTC')::date
                 ORDER BY e.valid_from DESC LIMIT 1) END, 2) AS base
        FROM touchpoint t
        WHERE t.revenue IS NULL AND t.original_revenue IS NOT NULL
          AND (${touchpointIds}::uuid[] IS NULL OR t.id = ANY(${touchpointIds}::uuid[]))
      )
      , upd AS (
        UPDATE touchpoint t SET revenue = conv.base
        FROM conv WHERE t.id = conv.id AND conv.base IS NOT NULL AND abs(conv.base) < 1e16
        RETURNING t.customer_id
      )
      SELECT COALESCE(c.merged_into_id, c.id)::text AS live, count(*)::int AS n
      FROM upd JOIN customer c ON c.id = upd.customer_id GROUP BY 1`;
    return { converted: rows.reduce((s, r) => s + r.n, 0), customerIds: rows.map((r) => r.live) };
  },

  /** Stored amounts still waiting for a rate, per currency. */
  async pendingByCurrency(db: Db): Promise<{ currency: string; touchpoints: number }[]> {
    return db.$queryRaw`
      SELECT currency, count(*)::int AS touchpoints FROM touchpoint
      WHERE revenue IS NULL AND original_revenue IS NOT NULL
      GROUP BY currency ORDER BY currency`;
  },

  /**
   * The rate of each (currency, date) pair (null when none is in effect yet); the base currency is
   * not looked up (its rate is 1).
   */
  async ratesOn(db: Db, pairs: { currency: string; date: string }[]): Promise<(string | null)[]> {
    if (pairs.length === 0) return [];
    const rows = await db.$queryRaw<{ i: number; rate: string | null }[]>`
      SELECT p.i::int AS i, (SELECT e.rate::text FROM exchange_rate e WHERE e.currency = p.currency AND e.valid_from <= p.date::date
                             ORDER BY e.valid_from DESC LIMIT 1) AS rate
      FROM jsonb_to_recordset(${JSON.stringify(pairs.map((p, i) => ({ ...p, i })))}::jsonb) AS p(i int, currency text, date text)
      ORDER BY p.i`;
    return rows.map((r) => r.rate);
  },
};
