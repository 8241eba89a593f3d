/**
 * Campaigns, ad spend, ROI and money in several currencies.
 *
 * ROI runs on ChannelAttribution's sample paths (tests/fixtures/ca_path_data.csv): each of the first
 * ROWS rows becomes min(total_conversions, CAP) converting and min(total_null, CAP) non-converting
 * people whose touches are the path's channels in order, one hour apart (a converting one then has a
 * "CA Conversion" an hour after its last touch, worth total_conversion_value / total_conversions to the
 * cent). The touch at position i of a path carries the campaign `<name>-spring` (i mod 3 = 0),
 * `<name>-autumn` (i mod 3 = 1) or none (i mod 3 = 2), sent as context.campaign.name. Spend is recorded
 * for every (channel, campaign) the paths use, plus spend on a campaign nobody touched, spend in EUR,
 * and spend outside the scope's days. The expected figures come from a plain reference over the
 * AGGREGATED rows (first/last/linear credit weighted by the capped counts) and the spend list, never
 * from what the server stored.
 *
 * Currency cases are small and hand-checked: two currencies, a rate change on a date, an amount with no
 * rate yet, lifetime value and a `sum` rule in base currency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributionByDocument,
  ChannelPerformanceByDocument,
  CreateSegmentDocument,
  CustomerMoneyDocument,
  ExchangeRatesDocument,
  RecordSpendDocument,
  RoiDocument,
  SetExchangeRatesDocument,
  type AttributionModel,
  type Channel,
  type SpendInput,
  type TouchpointInput,
} from '../generated/graphql.ts';
import { CA_CHANNEL } from '../helpers/channel-attribution.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { recordAll } from '../helpers/record.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ROWS = 200;
const CAP = 5;
const HOUR = 3_600_000;
const EVENT = 'CA Conversion';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const scope = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' };

const CHANNEL = CA_CHANNEL;

interface Touch {
  channel: Channel;
  campaign: string | null;
}
interface PathRow {
  touches: Touch[];
  conversions: number;
  nulls: number;
  valueEach: number;
}

const campaignAt = (name: string, i: number): string | null => (i % 3 === 0 ? `${name}-spring` : i % 3 === 1 ? `${name}-autumn` : null);

const rows: PathRow[] = readCsv('ca_path_data.csv', ';')
  .slice(0, ROWS)
  .map((r) => {
    const names = r.path!.split('>').map((s) => s.trim());
    const total = Number(r.total_conversions);
    return {
      touches: names.map((n, i) => ({ channel: CHANNEL[n]!, campaign: campaignAt(n, i) })),
      conversions: Math.min(total, CAP),
      nulls: Math.min(Number(r.total_null), CAP),
      valueEach: total > 0 ? Math.round((Number(r.total_conversion_value) / total) * 100) / 100 : 0,
    };
  });

const keyOf = (t: Touch) => `${t.channel}/${t.campaign ?? ''}`;

// ---- the reference -----------------------------------------------------------------------------

type RuleModel = Extract<AttributionModel, 'FIRST_TOUCH' | 'LAST_TOUCH' | 'LINEAR'>;
const weights: Record<RuleModel, (n: number) => number[]> = {
  FIRST_TOUCH: (n) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0)),
  LAST_TOUCH: (n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0)),
  LINEAR: (n) => Array.from({ length: n }, () => 1 / n),
};

function referenceCredit(model: RuleModel, key: (t: Touch) => string): Map<string, { conversions: number; value: number }> {
  const credit = new Map<string, { conversions: number; value: number }>();
  for (const row of rows) {
    if (row.conversions === 0) continue;
    weights[model](row.touches.length).forEach((w, i) => {
      const k = key(row.touches[i]!);
      const c = credit.get(k) ?? { conversions: 0, value: 0 };
      c.conversions += w * row.conversions;
      c.value += w * row.conversions * row.valueEach;
      credit.set(k, c);
    });
  }
  return credit;
}

// Spend: every (channel, campaign) the paths use, three days each, amounts in whole cents.
const pathKeys = [...new Set(rows.flatMap((r) => r.touches.map(keyOf)))].sort();
const EUR_RATE = 1.25;
interface SpendRow extends SpendInput {
  /** Base-currency cents this row contributes when in scope (hand arithmetic). */
  baseCents: number;
  inScope: boolean;
}
const spend: SpendRow[] = [
  ...pathKeys.flatMap((key, k) => {
    const [channel, campaign] = key.split('/') as [Channel, string];
    return [1, 2, 3].map((d) => {
      const cents = (k + 1) * 325 + d * 100;
      return { date: `2026-01-0${d}`, channel, campaign: campaign || null, amount: cents / 100, baseCents: cents, inScope: true };
    });
  }),
  // Nobody touched this campaign: listed with spend and no conversions.
  { date: '2026-01-02', channel: 'OTHER', campaign: 'brand-awareness', amount: 500, baseCents: 50_000, inScope: true },
  // In EUR: 100.00 EUR × 1.25 = 125.00 in base currency.
  { date: '2026-01-04', channel: 'WEB', campaign: 'alpha-spring', amount: 100, currency: 'EUR', baseCents: 12_500, inScope: true },
  // Outside the scope's days [2026-01-01, 2026-02-01).
  { date: '2025-12-31', channel: 'WEB', campaign: 'alpha-spring', amount: 1000, baseCents: 100_000, inScope: false },
  { date: '2026-02-01', channel: 'WEB', campaign: 'alpha-spring', amount: 1000, baseCents: 100_000, inScope: false },
];
const spendInput = (rowsToSend: SpendRow[]): SpendInput[] => rowsToSend.map(({ baseCents: _c, inScope: _s, ...r }) => r);

function referenceSpend(key: (channel: Channel, campaign: string | null) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of spend.filter((x) => x.inScope)) {
    const k = key(s.channel, s.campaign ?? null);
    out.set(k, (out.get(k) ?? 0) + s.baseCents);
  }
  return new Map([...out].map(([k, cents]) => [k, cents / 100]));
}

const close = (actual: number | null | undefined, expected: number | null) => {
  if (expected === null) return expect(actual).toBeNull();
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));
};

function touchpoints(): TouchpointInput[] {
  const input: TouchpointInput[] = [];
  let person = 0;
  rows.forEach((row, r) => {
    for (let j = 0; j < row.conversions + row.nulls; j++) {
      const id = `p-${r}-${j}`;
      const start = T0 + person++ * 60_000;
      row.touches.forEach((t, i) =>
        input.push({
          messageId: `${id}-t${i}`,
          userId: id,
          event: 'CA Touch',
          channel: t.channel,
          ...(t.campaign ? { context: { campaign: { name: t.campaign } } } : {}),
          occurredAt: new Date(start + i * HOUR).toISOString(),
        }),
      );
      if (j < row.conversions)
        input.push({ messageId: `${id}-c`, userId: id, event: EVENT, channel: 'OTHER', revenue: row.valueEach, occurredAt: new Date(start + row.touches.length * HOUR).toISOString() });
    }
  });
  return input;
}

describe.each(dbKinds)('roi by campaign on the ChannelAttribution paths on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    await recordAll(t, touchpoints());
    expect((await t.ok(SetExchangeRatesDocument, { rates: [{ currency: 'EUR', validFrom: '2026-01-01', rate: EUR_RATE }] })).setExchangeRates).toMatchObject({ inserted: 1 });
  }, 300_000);
  afterAll(() => t?.stop());

  it('recordSpend is idempotent per (date, channel, campaign): a resend replaces the amount', async () => {
    const wrong = spend.map((s, i) => (i === 0 ? { ...s, amount: s.amount * 7 } : s));
    const first = (await t.ok(RecordSpendDocument, { input: spendInput(wrong) })).recordSpend;
    expect(first).toEqual({ inserted: spend.length, replaced: 0, baseCurrency: 'USD' });
    const again = (await t.ok(RecordSpendDocument, { input: spendInput(spend) })).recordSpend;
    expect(again).toEqual({ inserted: 0, replaced: spend.length, baseCurrency: 'USD' });
    expect(await t.db.prisma.adSpend.count()).toBe(spend.length);
    const eur = await t.db.prisma.adSpend.findFirst({ where: { currency: 'EUR' } });
    expect([eur!.amount.toString(), eur!.amountBase.toString()]).toEqual(['100', '125']);
  });

  for (const model of ['LAST_TOUCH', 'FIRST_TOUCH', 'LINEAR'] as const) {
    it(`roi by CAMPAIGN under ${model} matches spend arithmetic and credit over the aggregated paths`, async () => {
      const r = (await t.ok(RoiDocument, { scope, conversionEvent: EVENT, by: 'CAMPAIGN', model })).roi;
      const credit = referenceCredit(model, keyOf);
      const spent = referenceSpend((channel, campaign) => `${channel}/${campaign ?? ''}`);
      const keys = new Set([...spent.keys(), ...[...credit].filter(([, c]) => c.conversions > 0).map(([k]) => k)]);
      expect(r).toMatchObject({ by: 'CAMPAIGN', model, baseCurrency: 'USD', firstSpendDate: '2026-01-01', endSpendDate: '2026-02-01', unattributed: { conversions: 0 } });
      const got = new Map(r.rows.map((row) => [`${row.channel}/${row.campaign ?? ''}`, row]));
      expect(new Set([...got.keys()].filter((k) => got.get(k)!.spend > 0 || got.get(k)!.conversions > 0))).toEqual(keys);
      for (const k of keys) {
        const row = got.get(k)!;
        const s = spent.get(k) ?? 0;
        const c = credit.get(k) ?? { conversions: 0, value: 0 };
        close(row.spend, s);
        close(row.conversions, c.conversions);
        close(row.value, c.value);
        close(row.costPerAcquisition, c.conversions > 0 ? s / c.conversions : null);
        close(row.roas, s > 0 ? c.value / s : null);
        close(row.roi, s > 0 ? (c.value - s) / s : null);
      }
      // Spend that bought nothing is still listed.
      expect(got.get('OTHER/brand-awareness')).toMatchObject({ spend: 500, conversions: 0, value: 0, costPerAcquisition: null, roas: 0, roi: -1 });
      const totalSpend = [...spent.values()].reduce((a, b) => a + b, 0);
      const converting = rows.reduce((n, row) => n + row.conversions, 0);
      const totalValue = rows.reduce((n, row) => n + row.conversions * row.valueEach, 0);
      close(r.total.spend, totalSpend);
      close(r.total.conversions, converting);
      close(r.total.value, totalValue);
      close(r.total.roi, (totalValue - totalSpend) / totalSpend);
    });
  }

  it('roi by CHANNEL (the default) adds up campaigns, and attribution/channelPerformance by CHANNEL stay as before', async () => {
    const r = (await t.ok(RoiDocument, { scope, conversionEvent: EVENT, model: 'LINEAR' })).roi;
    expect(r.by).toBe('CHANNEL');
    const credit = referenceCredit('LINEAR', (x) => x.channel);
    const spent = referenceSpend((channel) => channel);
    expect(r.rows.map((x) => x.channel).sort()).toEqual([...new Set([...spent.keys(), ...credit.keys()])].sort());
    for (const row of r.rows) {
      expect(row.campaign).toBeNull();
      close(row.spend, spent.get(row.channel) ?? 0);
      close(row.conversions, credit.get(row.channel)?.conversions ?? 0);
      close(row.value, credit.get(row.channel)?.value ?? 0);
    }
    const a = (await t.ok(AttributionByDocument, { scope, conversionEvent: EVENT, models: ['LINEAR'] })).attribution;
    expect(a.by).toBe('CHANNEL');
    for (const c of a.models[0]!.channels) {
      expect(c.campaign).toBeNull();
      close(c.conversions, credit.get(c.channel)!.conversions);
    }
  });

  it('attribution and channelPerformance by CAMPAIGN group touches by (channel, campaign)', async () => {
    const a = (await t.ok(AttributionByDocument, { scope, conversionEvent: EVENT, models: ['FIRST_TOUCH'], by: 'CAMPAIGN' })).attribution;
    const credit = referenceCredit('FIRST_TOUCH', keyOf);
    const got = a.models[0]!.channels.filter((c) => c.conversions > 0);
    expect(new Map(got.map((c) => [`${c.channel}/${c.campaign ?? ''}`, Math.round(c.conversions * 1e6) / 1e6]))).toEqual(
      new Map([...credit].filter(([, c]) => c.conversions > 0).map(([k, c]) => [k, Math.round(c.conversions * 1e6) / 1e6])),
    );
    // Reached people per (channel, campaign): every person on a path that has a touch with that key.
    const reached = new Map<string, number>();
    for (const row of rows) for (const k of new Set(row.touches.map(keyOf))) reached.set(k, (reached.get(k) ?? 0) + row.conversions + row.nulls);
    const cp = (await t.ok(ChannelPerformanceByDocument, { scope, conversionEvent: EVENT, by: 'CAMPAIGN', minReached: 1 })).channelPerformance;
    expect(cp.by).toBe('CAMPAIGN');
    expect(new Map(cp.channels.map((c) => [`${c.channel}/${c.campaign ?? ''}`, c.customersReached]))).toEqual(reached);
    expect(cp.bestCampaign === null || typeof cp.bestCampaign === 'string').toBe(true);
  });
});

describe.each(dbKinds)('money in several currencies on %s', (kind) => {
  let t: TestServer;
  const order = (messageId: string, userId: string, at: string, revenue: number, currency?: string): TouchpointInput => ({
    messageId,
    userId,
    event: 'Order Completed',
    channel: 'WEB',
    occurredAt: at,
    properties: { revenue, ...(currency ? { currency } : {}) },
  });
  const money = async (userId: string) => (await t.ok(CustomerMoneyDocument, { type: 'USER_ID', value: userId })).customerByIdentity!;

  beforeAll(async () => {
    t = await startTestServer(kind);
  }, 120_000);
  afterAll(() => t?.stop());

  it('converts at the rate in effect on the event date; an amount without a rate waits out of every sum until one is set', async () => {
    const set = (await t.ok(SetExchangeRatesDocument, {
      rates: [
        { currency: 'eur', validFrom: '2026-01-01', rate: 1.1 },
        { currency: 'EUR', validFrom: '2026-02-01', rate: 1.2 },
      ],
    })).setExchangeRates;
    expect(set).toEqual({ inserted: 2, replaced: 0, converted: 0, pending: 0 });
    await recordAll(t, [
      order('e-1', 'u-eur', '2026-01-15T10:00:00Z', 100, 'EUR'), // 100 × 1.1 = 110.00
      order('e-2', 'u-eur', '2026-02-10T10:00:00Z', 50, 'EUR'), //  50 × 1.2 =  60.00 (the February rate)
      order('e-3', 'u-eur', '2026-02-11T10:00:00Z', 20, 'USD'), //  base currency: 20.00
      order('e-4', 'u-eur', '2026-02-12T10:00:00Z', 30), //         no currency: taken as base, 30.00
      order('g-1', 'u-gbp', '2026-01-20T10:00:00Z', 80, 'GBP'), //  no GBP rate yet: waits
      { messageId: 'utm-1', userId: 'u-eur', type: 'PAGE', event: 'Landing', channel: 'WEB', context: { page: { url: 'https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=summer%20sale' } }, occurredAt: '2026-01-15T09:00:00Z' },
    ]);
    const segment = (await t.ok(CreateSegmentDocument, { input: { name: 'Spent over 100', rule: { event: 'Order Completed', sum: { prop: 'revenue', op: 'gt', value: 100 } } } })).createSegment;
    expect(segment.name).toBe('Spent over 100');

    const eur = await money('u-eur');
    expect(eur.stats).toEqual({ lifetimeValue: 220, orderCount: 4 });
    expect(eur.segments.map((s) => s.name)).toEqual(['Spent over 100']);
    const gbp = await money('u-gbp');
    expect(gbp.stats).toEqual({ lifetimeValue: 0, orderCount: 0 });
    expect(gbp.segments).toEqual([]);
    expect((await t.ok(ExchangeRatesDocument, {})).exchangeRates).toEqual({
      baseCurrency: 'USD',
      rates: [
        { currency: 'EUR', validFrom: '2026-01-01', rate: 1.1 },
        { currency: 'EUR', validFrom: '2026-02-01', rate: 1.2 },
      ],
      pending: [{ currency: 'GBP', touchpoints: 1 }],
    });
    const stored = await t.db.prisma.touchpoint.findMany({ where: { messageId: { in: ['e-1', 'e-2', 'e-3', 'e-4', 'g-1', 'utm-1'] } }, orderBy: { messageId: 'asc' } });
    expect(stored.map((s) => [s.messageId, s.revenue?.toString() ?? null, s.originalRevenue?.toString() ?? null, s.currency, s.campaign])).toEqual([
      ['e-1', '110', '100', 'EUR', null],
      ['e-2', '60', '50', 'EUR', null],
      ['e-3', '20', '20', 'USD', null],
      ['e-4', '30', '30', null, null],
      ['g-1', null, '80', 'GBP', null],
      ['utm-1', null, null, null, 'summer sale'],
    ]);

    // A GBP rate from before the order converts it, and the stats and the sum rule follow.
    const gbpRate = (await t.ok(SetExchangeRatesDocument, { rates: [{ currency: 'GBP', validFrom: '2026-01-01', rate: 1.5 }] })).setExchangeRates;
    expect(gbpRate).toEqual({ inserted: 1, replaced: 0, converted: 1, pending: 0 });
    const after = await money('u-gbp');
    expect(after.stats).toEqual({ lifetimeValue: 120, orderCount: 1 }); // 80 × 1.5
    expect(after.segments.map((s) => s.name)).toEqual(['Spent over 100']);
  });

  it('a later rate change leaves converted history alone and applies to new events of its dates', async () => {
    const r = (await t.ok(SetExchangeRatesDocument, { rates: [{ currency: 'EUR', validFrom: '2026-01-01', rate: 2 }] })).setExchangeRates;
    expect(r).toEqual({ inserted: 0, replaced: 1, converted: 0, pending: 0 });
    expect((await money('u-eur')).stats).toEqual({ lifetimeValue: 220, orderCount: 4 });
    await recordAll(t, [order('e-5', 'u-eur', '2026-01-20T10:00:00Z', 10, 'EUR')]); // 10 × 2 = 20.00
    expect((await money('u-eur')).stats).toEqual({ lifetimeValue: 240, orderCount: 5 });
    expect((await t.ok(ExchangeRatesDocument, { currency: 'eur' })).exchangeRates.rates).toEqual([
      { currency: 'EUR', validFrom: '2026-01-01', rate: 2 },
      { currency: 'EUR', validFrom: '2026-02-01', rate: 1.2 },
    ]);
  });

  it('roi reads spend and value in base currency', async () => {
    await t.ok(RecordSpendDocument, { input: [{ date: '2026-01-10', channel: 'WEB', amount: 50, currency: 'EUR' }] }); // 50 × 2 = 100.00
    const r = (await t.ok(RoiDocument, { scope: { from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' }, conversionEvent: 'Order Completed' })).roi;
    // Only e-1 has a touch before it (the Landing page on WEB); the other orders are unattributed.
    const web = r.rows.find((x) => x.channel === 'WEB')!;
    expect(web.spend).toBe(100);
    expect(web.conversions).toBe(1);
    expect(web.value).toBe(110);
    close(web.roi, 0.1);
    close(web.roas, 1.1);
    expect(web.costPerAcquisition).toBe(100);
  });

  describe('errors', () => {
    const codeOf = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions;
    const good = { date: '2026-01-05', channel: 'ADS' as const, campaign: 'x', amount: 10 };

    it('recordSpend refuses a bad batch whole, naming the row, and stores nothing', async () => {
      const before = await t.db.prisma.adSpend.count();
      const cases: [SpendInput, string, string][] = [
        [{ ...good, date: '2026-02-30' }, 'INVALID_DATE', 'date'],
        [{ ...good, date: '05/01/2026' }, 'INVALID_DATE', 'date'],
        [{ ...good, amount: -1 }, 'BAD_USER_INPUT', 'amount'],
        [{ ...good, currency: 'EURO' }, 'BAD_USER_INPUT', 'currency'],
        [{ ...good, campaign: 'c'.repeat(257) }, 'VALUE_TOO_LONG', 'campaign'],
        [{ ...good, campaign: 'y', currency: 'JPY' }, 'NO_EXCHANGE_RATE', 'currency'],
        [{ ...good, campaign: 'y', currency: 'GBP', date: '2025-12-31' }, 'NO_EXCHANGE_RATE', 'currency'], // before GBP's first rate
        [{ ...good }, 'BAD_USER_INPUT', 'date'], // the same key as row 0
      ];
      for (const [row, code, field] of cases) {
        const r = await t.gql(RecordSpendDocument, { input: [good, row] });
        expect(codeOf(r)).toMatchObject({ code, index: 1, field });
      }
      const tooMany = await t.gql(RecordSpendDocument, { input: Array.from({ length: 1001 }, (_, i) => ({ ...good, campaign: `c${i}` })) });
      expect(codeOf(tooMany)).toMatchObject({ code: 'BATCH_TOO_LARGE' });
      const reader = await t.gql(RecordSpendDocument, { input: [good] }, { authorization: `Bearer ${t.keys.READER}` });
      expect(codeOf(reader)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await t.db.prisma.adSpend.count()).toBe(before);
      const operator = await t.gql(RecordSpendDocument, { input: [good] }, { authorization: `Bearer ${t.keys.OPERATOR}` });
      expect(operator.errors).toBeUndefined();
      const audit = await t.db.prisma.auditLog.findMany({ where: { action: 'recordSpend' } });
      expect(audit.map((a) => a.outcome)).toEqual(expect.arrayContaining(['ok', 'INVALID_DATE', 'NO_EXCHANGE_RATE', 'FORBIDDEN']));
    });

    it('recordSpend refuses an amount whose base amount would not fit 16 integer digits, naming the row, and stores nothing', async () => {
      // 1 XAU = 1,000,000 base units, the largest rate allowed.
      await t.ok(SetExchangeRatesDocument, { rates: [{ currency: 'XAU', validFrom: '2026-01-01', rate: 1_000_000 }] });
      const before = await t.db.prisma.adSpend.count();
      // 2 × 10^10 × 10^6 = 2 × 10^16: below 10^16 as sent, not once converted.
      const r = await t.gql(RecordSpendDocument, { input: [good, { date: '2026-01-06', channel: 'ADS', campaign: 'gold', amount: 2e10, currency: 'XAU' }] });
      expect(codeOf(r)).toMatchObject({ code: 'BAD_USER_INPUT', index: 1, field: 'amount' });
      expect(await t.db.prisma.adSpend.count()).toBe(before);
      // Just under the limit both ways: 9,999,999,999.99 × 10^6 = 9,999,999,999,990,000.00; and an amount of
      // 16 digits in the base currency is kept exactly (not rounded to 15 significant digits, i.e. up to 10^16).
      const fit = await t.gql(RecordSpendDocument, {
        input: [
          { date: '2026-01-07', channel: 'ADS', campaign: 'gold', amount: 9_999_999_999.99, currency: 'XAU' },
          { date: '2026-01-07', channel: 'ADS', campaign: 'huge', amount: 9_999_999_999_999_996 },
        ],
      });
      expect(fit.errors).toBeUndefined();
      const rows = await t.db.prisma.adSpend.findMany({ where: { date: new Date('2026-01-07T00:00:00Z') }, orderBy: { campaign: 'asc' } });
      expect(rows.map((x) => [x.campaign, x.amount.toFixed(2), x.amountBase.toFixed(2)])).toEqual([
        ['gold', '9999999999.99', '9999999999990000.00'],
        ['huge', '9999999999999996.00', '9999999999999996.00'],
      ]);
    });

    it('setExchangeRates is ADMIN only and refuses a bad batch whole', async () => {
      const before = await t.db.prisma.exchangeRate.count();
      const ok = { currency: 'CNY', validFrom: '2026-01-01', rate: 0.14 };
      const cases: [typeof ok, string, string][] = [
        [{ ...ok, currency: 'USD' }, 'BAD_USER_INPUT', 'currency'], // the base currency
        [{ ...ok, currency: 'yuan' }, 'BAD_USER_INPUT', 'currency'],
        [{ ...ok, validFrom: '2026-13-01' }, 'INVALID_DATE', 'validFrom'],
        [{ ...ok, rate: 0 }, 'BAD_USER_INPUT', 'rate'],
        [{ ...ok, rate: 1e7 }, 'BAD_USER_INPUT', 'rate'],
        [{ ...ok }, 'BAD_USER_INPUT', 'validFrom'], // twice in the batch
      ];
      for (const [row, code, field] of cases) {
        const r = await t.gql(SetExchangeRatesDocument, { rates: [ok, row] });
        expect(codeOf(r)).toMatchObject({ code, index: 1, field });
      }
      const operator = await t.gql(SetExchangeRatesDocument, { rates: [ok] }, { authorization: `Bearer ${t.keys.OPERATOR}` });
      expect(codeOf(operator)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await t.db.prisma.exchangeRate.count()).toBe(before);
      const badCurrency = await t.gql(ExchangeRatesDocument, { currency: 'euro' });
      expect(codeOf(badCurrency)).toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('roi validates like attribution', async () => {
      const unknown = await t.gql(RoiDocument, { scope, conversionEvent: 'No Such Event' });
      expect(codeOf(unknown)).toMatchObject({ code: 'UNKNOWN_EVENT' });
      const backwards = await t.gql(RoiDocument, { scope: { from: scope.to, to: scope.from }, conversionEvent: 'Order Completed' });
      expect(codeOf(backwards)).toMatchObject({ code: 'BAD_USER_INPUT' });
      const lookback = await t.gql(RoiDocument, { scope, conversionEvent: 'Order Completed', lookbackDays: 0 });
      expect(codeOf(lookback)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lookbackDays' });
    });
  });
});
