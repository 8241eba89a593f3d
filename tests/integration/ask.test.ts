/**
 * ask on real data: its answer equals the direct GraphQL query's (written here by hand, not taken from
 * the interpretation), for a sample of question forms in both languages, and questions it does not
 * understand get suggestions and no answer.
 *
 * Data (clock pinned at 2026-02-18T10:00Z, so "last month" is January 2026):
 * - ChannelAttribution sample paths (tests/fixtures/ca_path_data.csv), the first ROWS rows: each gives
 *   min(total_conversions, CAP) converting and min(total_null, CAP) non-converting people whose touches
 *   are the path's channels, as "Product Viewed" tracks ten minutes apart (every other one followed a
 *   minute later by a page call), in January 2026; the
 *   touch at position i carries the campaign `<name>-spring` (i mod 3 = 0) or `<name>-autumn`
 *   (i mod 3 = 1) or none, as context.campaign.name. A converting person then has an "Order Completed"
 *   worth total_conversion_value / total_conversions (to the cent) and, an hour later, a "Survey
 *   Responded" whose `score` is the next Olist review score (1–5).
 * - Olist orders (purchases 2017-07-01 to 2018-01-01) shifted to 2025-08-01 onwards, delivered ones as
 *   "Order Completed" with their payments as revenue, customers folded into 400 people (first 3 hex
 *   digits of customer_id mod 400) so people buy again and RFM has every tier.
 * - Spend for every (channel, campaign) the paths use on 2026-01-05; a segment "Buyers".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AskDocument,
  CreateSegmentDocument,
  CustomersPageDocument,
  DirectAttributionDocument,
  DirectChannelPerformanceDocument,
  DirectEventsDocument,
  DirectFunnelDocument,
  DirectMetricsDocument,
  DirectMetricTrendDocument,
  DirectNewCustomersDocument,
  DirectRoiDocument,
  DirectTrendsDocument,
  RecordSpendDocument,
  RfmDocument,
  SegmentsDocument,
  type AskQuery,
  type Channel,
  type SpendInput,
  type TouchpointInput,
} from '../generated/graphql.ts';
import { CA_CHANNEL } from '../helpers/channel-attribution.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { recordAll } from '../helpers/record.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const NOW = '2026-02-18T10:00:00.000Z';
const JAN = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };
const THIS_YEAR = { from: '2026-01-01T00:00:00.000Z', to: NOW };
const LAST_30_DAYS = { from: '2026-01-19T00:00:00.000Z', to: '2026-02-18T00:00:00.000Z' };
const ROWS = 120;
const CAP = 3;
const MIN = 60_000;

const campaignAt = (name: string, i: number): string | null => (i % 3 === 0 ? `${name}-spring` : i % 3 === 1 ? `${name}-autumn` : null);
const reviewScores = readCsv('olist_sample_order_reviews_2017q4.csv').map((r) => Number(r.review_score));

function caTouchpoints(): { input: TouchpointInput[]; keys: Set<string> } {
  const input: TouchpointInput[] = [];
  const keys = new Set<string>();
  let person = 0;
  let review = 0;
  readCsv('ca_path_data.csv', ';')
    .slice(0, ROWS)
    .forEach((r, row) => {
      const names = r.path!.split('>').map((s) => s.trim());
      const total = Number(r.total_conversions);
      const conversions = Math.min(total, CAP);
      const people = conversions + Math.min(Number(r.total_null), CAP);
      const valueEach = total > 0 ? Math.round((Number(r.total_conversion_value) / total) * 100) / 100 : 0;
      for (let j = 0; j < people; j++) {
        const id = `ca-${row}-${j}`;
        // Spread over January so days differ: 31 days × 24 hours, stepping 7 hours a person.
        const start = Date.parse(JAN.from) + ((person++ * 7 * 60) % (30 * 24 * 60)) * MIN;
        names.forEach((n, i) => {
          const campaign = campaignAt(n, i);
          keys.add(`${CA_CHANNEL[n]}/${campaign ?? ''}`);
          input.push({
            messageId: `${id}-t${i}`,
            userId: id,
            event: 'Product Viewed',
            channel: CA_CHANNEL[n],
            ...(campaign ? { context: { campaign: { name: campaign } } } : {}),
            occurredAt: new Date(start + i * 10 * MIN).toISOString(),
          });
          // A page view with every other touch, so sessions have one page (a bounce) or several.
          if (i % 2 === 0) input.push({ messageId: `${id}-p${i}`, userId: id, type: 'PAGE', channel: CA_CHANNEL[n], occurredAt: new Date(start + i * 10 * MIN + MIN).toISOString() });
        });
        if (j < conversions) {
          const at = start + names.length * 10 * MIN;
          input.push({ messageId: `${id}-o`, userId: id, event: 'Order Completed', channel: 'WEB', revenue: valueEach, occurredAt: new Date(at).toISOString() });
          const score = reviewScores[review++ % reviewScores.length]!;
          input.push({ messageId: `${id}-s`, userId: id, event: 'Survey Responded', properties: { score }, occurredAt: new Date(at + 60 * MIN).toISOString() });
        }
      }
    });
  return { input, keys };
}

function olistOrders(): TouchpointInput[] {
  const shift = Date.parse('2025-08-01T00:00:00Z') - Date.parse('2017-07-01T00:00:00Z');
  const cents = new Map<string, number>();
  for (const p of readCsv('olist_sample_order_payments_dataset.csv')) cents.set(p.order_id!, (cents.get(p.order_id!) ?? 0) + Math.round(Number(p.payment_value) * 100));
  return readCsv('olist_sample_orders_dataset.csv')
    .filter((o) => o.order_status === 'delivered' && o.order_purchase_timestamp! >= '2017-07-01' && o.order_purchase_timestamp! < '2018-01-01' && cents.has(o.order_id!))
    .map((o) => ({
      messageId: `ol-${o.order_id}`,
      userId: `ol-${parseInt(o.customer_id!.slice(0, 3), 16) % 400}`,
      event: 'Order Completed',
      channel: 'STORE_POS' as Channel,
      revenue: cents.get(o.order_id!)! / 100,
      occurredAt: new Date(Date.parse(`${o.order_purchase_timestamp!.replace(' ', 'T')}Z`) + shift).toISOString(),
    }))
    .filter((o) => o.occurredAt < NOW);
}

type Answered = Omit<NonNullable<AskQuery['ask']['answer']>, 'rows'> & { rows: unknown[][] };

describe.each(dbKinds)('ask on %s', (kind) => {
  let t: TestServer;
  const ask = async (question: string, timezone?: string) => (await t.ok(AskDocument, { question, timezone })).ask;
  const answer = async (question: string): Promise<Answered> => {
    const r = await ask(question);
    expect(r.status, `${question}: ${r.reason}`).toBe('ANSWERED');
    return r.answer as Answered;
  };

  beforeAll(async () => {
    t = await startTestServer(kind, {}, { clock: () => new Date(NOW) });
    const ca = caTouchpoints();
    await recordAll(t, [...ca.input, ...olistOrders()]);
    const spend: SpendInput[] = [...ca.keys].sort().map((key, k) => {
      const [channel, campaign] = key.split('/') as [Channel, string];
      return { date: '2026-01-05', channel, campaign: campaign || null, amount: (k + 1) * 3.25 };
    });
    await t.ok(RecordSpendDocument, { input: spend });
    await t.ok(CreateSegmentDocument, { input: { name: 'Buyers', rule: { event: 'Order Completed', count: { op: 'gte', value: 2 } } } });
  }, 300_000);
  afterAll(() => t?.stop());

  describe('channel performance', () => {
    it('"which channel converts best last month" names the direct query\'s best channel, in both languages', async () => {
      const direct = (await t.ok(DirectChannelPerformanceDocument, { scope: JAN })).channelPerformance;
      const eligible = direct.channels.filter((c) => c.customersReached >= direct.minReached);
      expect(direct.best).not.toBeNull();
      const expected = [...eligible].sort((a, b) => b.conversionRate - a.conversionRate).map((c) => [c.channel, c.campaign, c.customersReached, c.customersConverted, c.conversionRate, c.revenue]);
      for (const q of ['which channel converts best last month', '上个月哪个渠道转化率最高']) {
        const a = await answer(q);
        expect(a.rows[0]![0]).toBe(direct.best);
        expect(a.rows).toEqual(expected);
      }
      expect((await answer('上个月哪个渠道转化率最高')).sentence).toContain(direct.best!);
    });

    it('"上个月新客户流失最高的触点在哪" ranks channels by drop-off, 1 − conversion rate', async () => {
      const direct = (await t.ok(DirectChannelPerformanceDocument, { scope: JAN })).channelPerformance;
      const eligible = direct.channels.filter((c) => c.customersReached >= direct.minReached);
      const worst = [...eligible].sort((a, b) => a.conversionRate - b.conversionRate)[0]!;
      const r = await ask('上个月新客户流失最高的触点在哪');
      expect(r.status).toBe('ANSWERED');
      expect(r.interpretation.intent).toBe('CHANNEL_PERFORMANCE');
      expect((r.answer!.rows as unknown[][])[0]!.slice(0, 5)).toEqual([worst.channel, null, worst.customersReached, worst.customersConverted, worst.conversionRate]);
      expect(r.answer!.sentence).toMatch(/^2026-01-01至2026-01-31/);
    });

    it('by campaign: the same figures per (channel, campaign)', async () => {
      const direct = (await t.ok(DirectChannelPerformanceDocument, { scope: JAN, by: 'CAMPAIGN' })).channelPerformance;
      const eligible = direct.channels.filter((c) => c.customersReached >= direct.minReached);
      const a = await answer('which campaign converts best last month');
      expect(a.rows).toEqual([...eligible].sort((x, y) => y.conversionRate - x.conversionRate).map((c) => [c.channel, c.campaign, c.customersReached, c.customersConverted, c.conversionRate, c.revenue]));
    });
  });

  describe('standard metrics', () => {
    it('conversion, bounce, repurchase, churn, order value, NPS and CSAT equal metrics()', async () => {
      const cases: [string, string[], { from: string; to: string }][] = [
        ['conversion rate and bounce rate last month', ['CONVERSION_RATE', 'BOUNCE_RATE'], JAN],
        ['上个月的转化率和跳出率', ['CONVERSION_RATE', 'BOUNCE_RATE'], JAN],
        ['repurchase rate this year', ['REPURCHASE_RATE'], THIS_YEAR],
        ['上个月的流失率', ['CHURN_RATE'], JAN],
        ['average order value in the last 30 days', ['AVERAGE_ORDER_VALUE'], LAST_30_DAYS],
        ['NPS last month', ['NPS'], JAN],
        ['上个月的满意度', ['CSAT'], JAN],
        ['sessions last month', ['SESSIONS'], JAN],
      ];
      for (const [q, metrics, scope] of cases) {
        const direct = (await t.ok(DirectMetricsDocument, { scope, metrics: metrics as never })).metrics.values;
        expect((await answer(q)).rows, q).toEqual(direct.map((v) => [v.metric, v.value, v.numerator, v.denominator]));
        expect(direct[0]!.denominator, `${q} has data`).not.toBe(0);
      }
    });

    it('"monthly average order value this year" / "今年每月的客单价" equal metricTrend()', async () => {
      const direct = (await t.ok(DirectMetricTrendDocument, { scope: THIS_YEAR, metric: 'AVERAGE_ORDER_VALUE', interval: 'MONTH' })).metricTrend.points;
      expect(direct).toHaveLength(2);
      for (const q of ['monthly average order value this year', '今年每月的客单价']) expect((await answer(q)).rows).toEqual(direct.map((p) => [p.at, p.value]));
    });
  });

  describe('trends', () => {
    const flat = (series: { breakdownValue?: (string | null)[] | null; other: boolean; points: { at: string; value?: number | null }[] }[]) =>
      series.flatMap((s) => s.points.map((p) => [p.at, ...(s.breakdownValue ? s.breakdownValue.map((v) => v ?? 'None') : s.other ? ['Other'] : []), p.value]));

    it('"daily active users by channel in the last 30 days" equals trends(DAU, by CHANNEL)', async () => {
      const direct = (await t.ok(DirectTrendsDocument, { scope: LAST_30_DAYS, series: [{ math: 'DAU' }], interval: 'DAY', breakdown: [{ by: 'CHANNEL' }], breakdownLimit: 25 })).trends.series;
      expect(direct.length).toBeGreaterThan(3);
      for (const q of ['daily active users by channel in the last 30 days', '最近30天每天各渠道的活跃用户']) expect((await answer(q)).rows).toEqual(flat(direct));
    });

    it('"最近30天每天的活跃用户" equals trends(DAU)', async () => {
      const direct = (await t.ok(DirectTrendsDocument, { scope: LAST_30_DAYS, series: [{ math: 'DAU' }], interval: 'DAY' })).trends.series;
      const a = await answer('最近30天每天的活跃用户');
      expect(a.rows).toEqual(flat(direct));
      expect(a.rows).toHaveLength(30);
    });

    it('revenue by channel, the channel with the most revenue, orders last month, revenue trend by month', async () => {
      const revenue = { event: 'Order Completed', math: 'SUM' as const, property: 'revenue' };
      const byChannel = (await t.ok(DirectTrendsDocument, { scope: JAN, series: [revenue], breakdown: [{ by: 'CHANNEL' }], breakdownLimit: 25 })).trends.series;
      const totals = byChannel.map((s) => [s.breakdownValue![0] ?? 'None', s.total]);
      expect((await answer('revenue by channel last month')).rows).toEqual(totals);
      expect((await answer('上个月各渠道的收入')).rows).toEqual(totals);
      const top = [...byChannel].sort((a, b) => b.total! - a.total!)[0]!;
      expect((await answer('which channel has the most revenue last month')).rows).toEqual([[top.breakdownValue![0], top.total]]);

      const orders = (await t.ok(DirectTrendsDocument, { scope: JAN, series: [{ event: 'Order Completed', math: 'TOTAL' }] })).trends.series;
      expect((await answer('number of orders last month')).rows).toEqual([[orders[0]!.total]]);
      expect((await answer('上个月的订单数')).rows).toEqual([[orders[0]!.total]]);

      const monthly = (await t.ok(DirectTrendsDocument, { scope: THIS_YEAR, series: [revenue], interval: 'MONTH' })).trends.series;
      expect((await answer('今年每月的收入趋势')).rows).toEqual(flat(monthly));
    });

    it('"top 5 events last month" equals the event dictionary', async () => {
      const direct = (await t.ok(DirectEventsDocument, { scope: JAN, first: 5 })).events.events;
      const expected = [...direct].sort((a, b) => b.count - a.count).map((e) => [e.name, e.count, e.customers]);
      expect((await answer('top 5 events last month')).rows).toEqual(expected);
      expect((await answer('上个月前五的事件')).rows).toEqual(expected);
    });

    it('"how many "Product Viewed" events last month" equals trends on that event', async () => {
      const direct = (await t.ok(DirectTrendsDocument, { scope: JAN, series: [{ event: 'Product Viewed', math: 'TOTAL' }] })).trends.series;
      expect((await answer('how many "Product Viewed" events last month')).rows).toEqual([[direct[0]!.total]]);
    });
  });

  describe('customers, RFM and segments', () => {
    it('"number of new customers per month this year" counts first-seen customers per month', async () => {
      const jan = (await t.ok(DirectNewCustomersDocument, { from: THIS_YEAR.from, to: '2026-02-01T00:00:00.000Z' })).customers.totalCount;
      const feb = (await t.ok(DirectNewCustomersDocument, { from: '2026-02-01T00:00:00.000Z', to: NOW })).customers.totalCount;
      expect(jan).toBeGreaterThan(0);
      for (const q of ['number of new customers per month this year', '今年每月的新客户数'])
        expect((await answer(q)).rows).toEqual([
          [THIS_YEAR.from, jan],
          ['2026-02-01T00:00:00.000Z', feb],
        ]);
    });

    it('"how many customers are at risk" and the tier table equal rfm(asOf: now)', async () => {
      const direct = (await t.ok(RfmDocument, { asOf: NOW, first: 1 })).rfm;
      const atRisk = direct.tiers.find((x) => x.tier === 'AT_RISK')!.customers;
      expect(atRisk).toBeGreaterThan(0);
      for (const q of ['how many customers are at risk', '有多少客户有流失风险']) expect((await answer(q)).rows).toEqual([['AT_RISK', atRisk]]);
      expect((await answer('customers by RFM tier')).rows).toEqual(direct.tiers.map((x) => [x.tier, x.customers]));
    });

    it('segment size by name, and an unknown name lists the segments that exist', async () => {
      const buyers = (await t.ok(SegmentsDocument, {})).segments.find((s) => s.name === 'Buyers')!;
      expect(buyers.size).toBeGreaterThan(0);
      for (const q of ['how many customers in segment "Buyers"', 'how many customers in segment buyers', '“Buyers”分群有多少人']) expect((await answer(q)).rows).toEqual([['Buyers', buyers.size]]);
      const r = await ask('how many customers in segment "Sleepers"');
      expect(r).toMatchObject({ status: 'UNKNOWN_VALUE', answer: null });
      expect(r.suggestions).toContain('Buyers');
    });

    it('"how many customers" equals customers.totalCount', async () => {
      const direct = (await t.ok(CustomersPageDocument, { first: 1 })).customers.totalCount;
      expect((await answer('how many customers')).rows).toEqual([[direct]]);
      expect((await answer('一共有多少客户')).rows).toEqual([[direct]]);
    });
  });

  describe('marketing', () => {
    it('"top 5 campaigns by ROI last month" equals roi(by: CAMPAIGN) ranked by ROI', async () => {
      const direct = (await t.ok(DirectRoiDocument, { scope: JAN, by: 'CAMPAIGN' })).roi.rows;
      const ranked = [...direct].sort((a, b) => (a.roi === null || b.roi === null ? (a.roi === null ? 1 : -1) : b.roi - a.roi)).slice(0, 5);
      const expected = ranked.map((r) => [r.channel, r.campaign, r.spend, r.conversions, r.value, r.costPerAcquisition, r.roas, r.roi]);
      expect(expected).toHaveLength(5);
      expect((await answer('top 5 campaigns by ROI last month')).rows).toEqual(expected);
      expect((await answer('上个月ROI最高的前5个活动')).rows).toEqual(expected);
    });

    it('"attributed conversions by channel last month" equals attribution(LAST_TOUCH)', async () => {
      const direct = (await t.ok(DirectAttributionDocument, { scope: JAN, models: ['LAST_TOUCH'] })).attribution.models[0]!.channels;
      const expected = [...direct].sort((a, b) => b.conversions - a.conversions).map((c) => [c.channel, c.campaign, c.conversions, c.value, c.share]);
      expect((await answer('attributed conversions by channel last month')).rows).toEqual(expected);
      expect((await answer('上个月各渠道的归因转化')).rows).toEqual(expected);
    });

    it('funnel from "Product Viewed" to "Order Completed" equals funnel() over a week\'s window', async () => {
      const steps = [{ event: 'Product Viewed' }, { event: 'Order Completed' }];
      const direct = (await t.ok(DirectFunnelDocument, { scope: JAN, steps, windowHours: 168 })).funnel.steps;
      const expected = direct.map((s) => [s.event, s.count, s.conversionFromFirst, s.dropOffRate]);
      expect((await answer('funnel from "Product Viewed" to "Order Completed" last month')).rows).toEqual(expected);
      expect((await answer('上个月从“Product Viewed”到“Order Completed”的漏斗')).rows).toEqual(expected);
    });
  });

  describe('the interpretation', () => {
    it('shows the tokens and the query it ran, which sent directly gives the same data', async () => {
      const r = await ask('top 5 campaigns by ROI last month');
      expect(r.interpretation.tokens.map((x) => [x.text, x.kind])).toEqual([
        ['top 5', 'TOP_N'],
        ['campaigns', 'DIMENSION'],
        ['by', 'KEYWORD'],
        ['ROI', 'MEASURE'],
        ['last month', 'DATE_RANGE'],
      ]);
      expect(r.interpretation).toMatchObject({ intent: 'ROI', from: JAN.from, to: JAN.to, timezone: 'UTC' });
      const again = await t.gql<{ roi: { rows: unknown[] } }, unknown>(r.interpretation.query!, r.interpretation.variables);
      expect(again.errors).toBeUndefined();
      expect(again.data!.roi.rows).toHaveLength((await t.ok(DirectRoiDocument, { scope: JAN, by: 'CAMPAIGN' })).roi.rows.length);
    });

    it('reads relative dates in the asked time zone', async () => {
      const r = await ask('上个月的订单数', 'Asia/Shanghai');
      expect(r.interpretation).toMatchObject({ from: '2025-12-31T16:00:00.000Z', to: '2026-01-31T16:00:00.000Z', timezone: 'Asia/Shanghai' });
      expect(r.interpretation.variables).toMatchObject({ timezone: 'Asia/Shanghai' });
    });

    it('marks the default date range when the question names none', async () => {
      const r = await ask('orders');
      expect(r.interpretation.tokens.at(-1)).toEqual({ text: '', kind: 'DATE_RANGE', value: 'last 30 days (default)' });
      expect(r.interpretation).toMatchObject({ from: LAST_30_DAYS.from, to: LAST_30_DAYS.to });
    });
  });

  describe('questions it does not understand', () => {
    it('answers nothing and suggests questions instead', async () => {
      for (const [q, language] of [
        ['what is the weather in Paris', 'en'],
        ['今天天气怎么样', 'zh'],
        ['bounce rate by channel', 'en'],
      ] as const) {
        const r = await ask(q);
        expect(r, q).toMatchObject({ status: 'UNPARSED', answer: null, language, interpretation: { query: null, intent: null } });
        expect(r.suggestions.length).toBeGreaterThan(0);
        expect(r.reason).toBeTruthy();
      }
      const typo = await ask('revnue by channel last month');
      expect(typo).toMatchObject({ status: 'UNPARSED', unparsed: ['revnue'], answer: null });
      expect(typo.suggestions[0]).toBe('Did you mean "revenue" for "revnue"?');
    });

    it('refuses bad input with a code, as the direct queries do', async () => {
      const tz = await t.gql(AskDocument, { question: 'orders last month', timezone: 'Mars/Olympus' });
      expect(tz.errors?.[0]?.extensions?.code).toBe('UNKNOWN_TIMEZONE');
      const empty = await t.gql(AskDocument, { question: '  ' });
      expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // The inner query's own refusal comes back with its code: no touchpoint ever had this event.
      const unknown = await t.gql(AskDocument, { question: 'how many "Never Sent" events last month' });
      expect(unknown.errors?.[0]?.extensions?.code).toBe('UNKNOWN_EVENT');
      const noKey = await t.gql(AskDocument, { question: 'orders last month' }, { authorization: '' });
      expect(noKey.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});
