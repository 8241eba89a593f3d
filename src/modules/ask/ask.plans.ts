/**
 * One builder per analysis `ask` can run: the GraphQL document (as text) with its variables, and how
 * that query's data reads as the answer's table and sentence. ask.interpreter.ts picks which.
 */
import type { Dimension, Interval, Measure, Model } from './ask.dictionary.ts';
import { DIMENSION_LABEL } from './ask.dictionary.ts';
import { buckets, type Range } from './ask.dates.ts';
import { fmt, label, type Lang } from './ask.format.ts';
import type { Slots } from './ask.grammar.ts';

/** The event the CDP's analytics treat as an order and a conversion unless told otherwise. */
export const ORDER_EVENT = 'Order Completed';
/** Funnel window when the question names none: a week from the first step. */
export const FUNNEL_WINDOW_HOURS = 168;

export type Intent =
  | 'FUNNEL'
  | 'SEGMENT_SIZE'
  | 'RFM_TIER'
  | 'RFM_TIERS'
  | 'ROI'
  | 'ATTRIBUTION'
  | 'CHANNEL_PERFORMANCE'
  | 'NEW_CUSTOMERS'
  | 'METRICS'
  | 'METRIC_TREND'
  | 'TOP_EVENTS'
  | 'TRENDS'
  | 'CUSTOMER_COUNT';

export interface Table {
  columns: string[];
  rows: unknown[][];
  sentence: string;
}
/** A value the question named that the data does not have (a segment name). */
export interface Missing {
  missing: string;
  suggestions: string[];
}

export interface Plan {
  intent: Intent;
  /** The GraphQL document run, as text. */
  query: string;
  variables: Record<string, unknown>;
  range: Range | null;
  answer(data: Record<string, unknown>): Table | Missing;
}

export const METRIC_KIND: Partial<Record<Measure, string>> = {
  conversionRate: 'CONVERSION_RATE',
  repurchaseRate: 'REPURCHASE_RATE',
  churnRate: 'CHURN_RATE',
  averageOrderValue: 'AVERAGE_ORDER_VALUE',
  revenuePerCustomer: 'REVENUE_PER_CUSTOMER',
  sessions: 'SESSIONS',
  bounceRate: 'BOUNCE_RATE',
  sessionSeconds: 'AVERAGE_SESSION_SECONDS',
  nps: 'NPS',
  csat: 'CSAT',
};
export const ROI_FIELD: Partial<Record<Measure, string>> = { roi: 'roi', roas: 'roas', cpa: 'costPerAcquisition', spend: 'spend' };
export const TREND_MEASURES = new Set<Measure>(['activeUsers', 'dau', 'wau', 'mau', 'visitors', 'orders', 'revenue', 'events', 'pageViews', 'customers']);
const BREAKDOWN: Record<Dimension, { by: string; key?: string }> = {
  channel: { by: 'CHANNEL' },
  campaign: { by: 'CONTEXT', key: 'campaign.name' },
  country: { by: 'ATTRIBUTE', key: 'country' },
  city: { by: 'ATTRIBUTE', key: 'city' },
  rfmTier: { by: 'ATTRIBUTE', key: 'rfmTier' },
  segment: { by: 'SEGMENT' },
  hourOfDay: { by: 'HOUR_OF_DAY' },
  dayOfWeek: { by: 'DAY_OF_WEEK' },
  source: { by: 'SOURCE_NAME' },
  device: { by: 'CONTEXT', key: 'device.type' },
};
const INTERVAL_WORD: Record<Interval, { en: string; zh: string }> = {
  HOUR: { en: 'hour', zh: '小时' },
  DAY: { en: 'day', zh: '天' },
  WEEK: { en: 'week', zh: '周' },
  MONTH: { en: 'month', zh: '月' },
};
const TIER_ZH: Record<string, string> = { AT_RISK: '有流失风险', CHAMPIONS: '冠军', LOYAL: '忠诚', HIBERNATING: '沉睡', LOST: '已流失', POTENTIAL: '潜力', NEW: '新晋' };

type Json = Record<string, unknown>;
export const scopeOf = (r: Range) => ({ from: r.from.toISOString(), to: r.to.toISOString() });
const SCOPE_VAR = '$scope: AnalyticsScopeInput!';


export function funnel(steps: string[], range: Range, when: string, lang: Lang): Plan {
  return {
    intent: 'FUNNEL',
    query: `query Ask(${SCOPE_VAR}, $steps: [FunnelStepInput!]!, $windowHours: Float!) {
  funnel(scope: $scope, steps: $steps, windowHours: $windowHours) { steps { index event count conversionFromFirst dropOffRate } }
}`,
    variables: { scope: scopeOf(range), steps: steps.map((event) => ({ event })), windowHours: FUNNEL_WINDOW_HOURS },
    range,
    answer(data) {
      const rows = ((data.funnel as Json).steps as Json[]).map((st) => [st.event, st.count, st.conversionFromFirst, st.dropOffRate]);
      const first = rows[0]![1] as number;
      const last = rows.at(-1)!;
      const rate = fmt('share', last[2] as number | null);
      const sentence =
        lang === 'zh'
          ? `${when}，${first}人进入“${steps[0]}”，其中${last[1]}人到达“${last[0]}”（${rate}）。`
          : `${when}, ${first} people reached "${steps[0]}" and ${last[1]} of them went on to "${last[0]}" (${rate}).`;
      return { columns: ['step', 'people', 'conversionFromFirst', 'dropOffRate'], rows, sentence };
    },
  };
}

export function segmentSize(name: string, lang: Lang): Plan {
  return {
    intent: 'SEGMENT_SIZE',
    query: `query Ask {
  segments { id name size }
}`,
    variables: {},
    range: null,
    answer(data) {
      const all = data.segments as { id: string; name: string; size: number }[];
      const found = all.find((x) => x.name === name) ?? all.find((x) => x.name.toLowerCase() === name.toLowerCase());
      if (!found) return { missing: name, suggestions: all.map((x) => x.name) };
      const sentence = lang === 'zh' ? `分群“${found.name}”目前有${found.size}人。` : `The segment "${found.name}" has ${found.size} members now.`;
      return { columns: ['segment', 'size'], rows: [[found.name, found.size]], sentence };
    },
  };
}

export function rfmTier(tier: string, now: Date, lang: Lang): Plan {
  return {
    intent: 'RFM_TIER',
    query: `query Ask($asOf: DateTimeISO!, $tier: RfmTier) {
  rfm(asOf: $asOf, tier: $tier, first: 1) { customersScored tiers { tier customers } }
}`,
    variables: { asOf: now.toISOString(), tier },
    range: null,
    answer(data) {
      const rfm = data.rfm as { customersScored: number; tiers: { tier: string; customers: number }[] };
      const n = rfm.tiers.find((t) => t.tier === tier)?.customers ?? 0;
      const sentence =
        lang === 'zh' ? `目前${TIER_ZH[tier]}（${tier}）的客户有${n}人，共评分${rfm.customersScored}人。` : `${n} of ${rfm.customersScored} scored customers are in the RFM tier ${tier} now.`;
      return { columns: ['tier', 'customers'], rows: [[tier, n]], sentence };
    },
  };
}

export function rfmTiers(now: Date, lang: Lang): Plan {
  return {
    intent: 'RFM_TIERS',
    query: `query Ask($asOf: DateTimeISO!) {
  rfm(asOf: $asOf, first: 1) { customersScored tiers { tier customers } }
}`,
    variables: { asOf: now.toISOString() },
    range: null,
    answer(data) {
      const rfm = data.rfm as { customersScored: number; tiers: { tier: string; customers: number }[] };
      const rows = rfm.tiers.map((t) => [t.tier, t.customers]);
      const top = [...rfm.tiers].sort((a, b) => b.customers - a.customers)[0];
      const sentence =
        lang === 'zh' ? `共评分${rfm.customersScored}位客户，人数最多的分层是${top?.tier ?? '–'}（${top?.customers ?? 0}人）。` : `${rfm.customersScored} customers scored; the largest tier is ${top?.tier ?? '–'} (${top?.customers ?? 0}).`;
      return { columns: ['tier', 'customers'], rows, sentence };
    },
  };
}

function sortRows<T>(rows: T[], key: (r: T) => number | null, order: 'asc' | 'desc'): T[] {
  // Rows without a figure go last whichever way the ranking runs.
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
    return order === 'asc' ? x - y : y - x;
  });
}

const keyText = (r: Json, by: 'CAMPAIGN' | 'CHANNEL') => (by === 'CAMPAIGN' ? `${r.campaign ?? '(none)'} (${r.channel})` : String(r.channel));

export function roi(measure: Measure, by: 'CAMPAIGN' | 'CHANNEL', s: Slots, range: Range, when: string, lang: Lang): Plan {
  const field = ROI_FIELD[measure]!;
  const order = s.order ?? 'desc';
  return {
    intent: 'ROI',
    query: `query Ask(${SCOPE_VAR}, $conversionEvent: String!, $by: MarketingDimension!) {
  roi(scope: $scope, conversionEvent: $conversionEvent, by: $by) { rows { channel campaign spend conversions value costPerAcquisition roas roi } }
}`,
    variables: { scope: scopeOf(range), conversionEvent: ORDER_EVENT, by },
    range,
    answer(data) {
      let rows = sortRows((data.roi as Json).rows as Json[], (r) => r[field] as number | null, order);
      if (s.top !== null) rows = rows.slice(0, s.top);
      const lead = rows[0];
      const what = label(measure, lang);
      const sentence = !lead
        ? lang === 'zh' ? `${when}没有花费或归因数据。` : `There is no spend or attributed conversion ${when}.`
        : lang === 'zh'
          ? `${when}${what}${order === 'asc' ? '最低' : '最高'}的是${keyText(lead, by)}（${fmt(measure, lead[field] as number | null)}）。`
          : `${keyText(lead, by)} has the ${order === 'asc' ? 'lowest' : 'highest'} ${what} ${when} (${fmt(measure, lead[field] as number | null)}).`;
      return {
        columns: ['channel', 'campaign', 'spend', 'conversions', 'value', 'costPerAcquisition', 'roas', 'roi'],
        rows: rows.map((r) => [r.channel, r.campaign, r.spend, r.conversions, r.value, r.costPerAcquisition, r.roas, r.roi]),
        sentence,
      };
    },
  };
}

export function attribution(sortBy: 'conversions' | 'value', model: Model, by: 'CAMPAIGN' | 'CHANNEL', s: Slots, range: Range, when: string, lang: Lang): Plan {
  const order = s.order ?? 'desc';
  return {
    intent: 'ATTRIBUTION',
    query: `query Ask(${SCOPE_VAR}, $conversionEvent: String!, $models: [AttributionModel!], $by: MarketingDimension!) {
  attribution(scope: $scope, conversionEvent: $conversionEvent, models: $models, by: $by) { conversions models { model channels { channel campaign conversions value share } } }
}`,
    variables: { scope: scopeOf(range), conversionEvent: ORDER_EVENT, models: [model], by },
    range,
    answer(data) {
      const result = data.attribution as { conversions: number; models: { channels: Json[] }[] };
      let rows = sortRows(result.models[0]!.channels, (r) => r[sortBy] as number, order);
      if (s.top !== null) rows = rows.slice(0, s.top);
      const lead = rows[0];
      const what = sortBy === 'value' ? label('attributedRevenue', lang) : label('attributedConversions', lang);
      const fig = (r: Json) => fmt(sortBy === 'value' ? 'attributedRevenue' : 'count', r[sortBy] as number);
      const sentence = !lead
        ? lang === 'zh' ? `${when}没有可归因的转化（共${result.conversions}次转化）。` : `No conversion could be attributed ${when} (${result.conversions} conversions).`
        : lang === 'zh'
          ? `${when}按${model}模型，${what}${order === 'asc' ? '最少' : '最多'}的是${keyText(lead, by)}（${fig(lead)}），共${result.conversions}次转化。`
          : `With ${model} attribution, ${keyText(lead, by)} has the ${order === 'asc' ? 'fewest' : 'most'} ${what} ${when} (${fig(lead)} of ${result.conversions} conversions).`;
      return { columns: ['channel', 'campaign', 'conversions', 'value', 'share'], rows: rows.map((r) => [r.channel, r.campaign, r.conversions, r.value, r.share]), sentence };
    },
  };
}

export function channelPerformance(rank: 'conversion' | 'dropOff', by: 'CAMPAIGN' | 'CHANNEL', s: Slots, range: Range, when: string, lang: Lang): Plan {
  // "Best converting" is the server's own `best`; the other rankings use the same eligibility
  // (at least minReached people reached) so a channel seen by three people never "wins".
  const order = s.order ?? 'desc';
  return {
    intent: 'CHANNEL_PERFORMANCE',
    query: `query Ask(${SCOPE_VAR}, $conversionEvent: String!, $by: MarketingDimension!) {
  channelPerformance(scope: $scope, conversionEvent: $conversionEvent, by: $by) { best bestCampaign minReached channels { channel campaign customersReached customersConverted conversionRate revenue } }
}`,
    variables: { scope: scopeOf(range), conversionEvent: ORDER_EVENT, by },
    range,
    answer(data) {
      const cp = data.channelPerformance as { minReached: number; channels: Json[] };
      const eligible = cp.channels.filter((c) => (c.customersReached as number) >= cp.minReached);
      const key = (c: Json) => (rank === 'dropOff' ? 1 - (c.conversionRate as number) : (c.conversionRate as number));
      // The server's ranking breaks ties; sorting is stable, so it still does.
      let rows = sortRows(eligible, key, order);
      if (s.top !== null) rows = rows.slice(0, s.top);
      const lead = rows[0];
      const what = rank === 'dropOff' ? (lang === 'zh' ? '流失率（未转化比例）' : 'drop-off (share of people reached who did not convert)') : label('conversionRate', lang);
      const sentence = !lead
        ? lang === 'zh' ? `${when}没有触达至少${cp.minReached}人的${by === 'CAMPAIGN' ? '活动' : '渠道'}。` : `No ${by === 'CAMPAIGN' ? 'campaign' : 'channel'} reached at least ${cp.minReached} people ${when}.`
        : lang === 'zh'
          ? `${when}${what}${order === 'asc' ? '最低' : '最高'}的是${keyText(lead, by)}（${fmt('share', key(lead))}，触达${lead.customersReached}人，转化${lead.customersConverted}人）。`
          : `${keyText(lead, by)} has the ${order === 'asc' ? 'lowest' : 'highest'} ${what} ${when}: ${fmt('share', key(lead))} of ${lead.customersReached} people reached (${lead.customersConverted} converted).`;
      return {
        columns: ['channel', 'campaign', 'customersReached', 'customersConverted', 'conversionRate', 'revenue'],
        rows: rows.map((r) => [r.channel, r.campaign, r.customersReached, r.customersConverted, r.conversionRate, r.revenue]),
        sentence,
      };
    },
  };
}

export function newCustomers(range: Range, interval: Interval | null, tz: string, when: string, lang: Lang): Plan {
  // One aliased field per bucket: one document, one round trip, the same query a client would send.
  const parts = interval ? buckets(range, interval === 'HOUR' ? 'DAY' : interval, tz) : [range];
  const vars = parts.map((_, i) => `$f${i}: DateTimeISO!, $t${i}: DateTimeISO!`).join(', ');
  const fields = parts.map((_, i) => `  b${i}: customers(first: 1, filter: { firstSeen: { from: $f${i}, to: $t${i} } }) { totalCount }`).join('\n');
  const variables: Json = {};
  parts.forEach((p, i) => {
    variables[`f${i}`] = p.from.toISOString();
    variables[`t${i}`] = p.to.toISOString();
  });
  return {
    intent: 'NEW_CUSTOMERS',
    query: `query Ask(${vars}) {\n${fields}\n}`,
    variables,
    range,
    answer(data) {
      const counts = parts.map((_, i) => (data[`b${i}`] as { totalCount: number }).totalCount);
      const total = counts.reduce((a, b) => a + b, 0);
      const sentence = lang === 'zh' ? `${when}新增客户${total}人（首次出现在此期间）。` : `${total} new customers (first seen) ${when}.`;
      if (!interval) return { columns: ['newCustomers'], rows: [[total]], sentence };
      return { columns: ['from', 'newCustomers'], rows: parts.map((p, i) => [p.from.toISOString(), counts[i]]), sentence };
    },
  };
}

export function metrics(list: Measure[], range: Range, when: string, lang: Lang): Plan {
  return {
    intent: 'METRICS',
    query: `query Ask(${SCOPE_VAR}, $metrics: [MetricKind!]!) {
  metrics(scope: $scope, metrics: $metrics) { values { metric value numerator denominator } }
}`,
    variables: { scope: scopeOf(range), metrics: list.map((m) => METRIC_KIND[m]) },
    range,
    answer(data) {
      const values = (data.metrics as { values: Json[] }).values;
      const parts = values.map((v, i) => `${label(list[i]!, lang)}${lang === 'zh' ? '为' : ' was '}${fmt(list[i]!, v.value as number | null)}`);
      const sentence = lang === 'zh' ? `${when}，${parts.join('，')}。` : `${when[0]!.toUpperCase()}${when.slice(1)}, the ${parts.join(' and the ')}.`;
      return { columns: ['metric', 'value', 'numerator', 'denominator'], rows: values.map((v) => [v.metric, v.value, v.numerator, v.denominator]), sentence };
    },
  };
}

export function metricTrend(measure: Measure, interval: Interval, range: Range, tz: string, when: string, lang: Lang): Plan {
  return {
    intent: 'METRIC_TREND',
    query: `query Ask(${SCOPE_VAR}, $metric: MetricKind!, $interval: TrendInterval!, $timezone: String!) {
  metricTrend(scope: $scope, metric: $metric, interval: $interval, timezone: $timezone) { points { at value } total { value } }
}`,
    variables: { scope: scopeOf(range), metric: METRIC_KIND[measure], interval, timezone: tz },
    range,
    answer(data) {
      const t = data.metricTrend as { points: Json[]; total: Json };
      const total = fmt(measure, t.total.value as number | null);
      const sentence =
        lang === 'zh'
          ? `${when}每${INTERVAL_WORD[interval].zh}的${label(measure, lang)}，共${t.points.length}个时间点，整体为${total}。`
          : `The ${label(measure, lang)} per ${INTERVAL_WORD[interval].en} ${when}: ${t.points.length} points, ${total} over the whole range.`;
      return { columns: ['at', 'value'], rows: t.points.map((p) => [p.at, p.value]), sentence };
    },
  };
}

export function topEvents(n: number, range: Range, when: string, lang: Lang): Plan {
  return {
    intent: 'TOP_EVENTS',
    query: `query Ask(${SCOPE_VAR}, $first: Int) {
  events(scope: $scope, first: $first) { events { name count customers } }
}`,
    variables: { scope: scopeOf(range), first: n },
    range,
    answer(data) {
      const events = sortRows((data.events as { events: Json[] }).events, (e) => e.count as number, 'desc');
      const lead = events[0];
      const sentence = !lead
        ? lang === 'zh' ? `${when}没有事件。` : `No events ${when}.`
        : lang === 'zh'
          ? `${when}最常见的事件是“${lead.name}”（${lead.count}次，${lead.customers}人）。`
          : `The most frequent event ${when} is "${lead.name}" (${lead.count} times by ${lead.customers} people).`;
      return { columns: ['event', 'count', 'customers'], rows: events.map((e) => [e.name, e.count, e.customers]), sentence };
    },
  };
}

function trendSeries(measure: Measure, interval: Interval | null, values: string[]): { series: Json; math: string } {
  const event = values[0];
  switch (measure) {
    case 'activeUsers': {
      const math = interval === 'DAY' ? 'DAU' : interval === 'WEEK' ? 'WAU' : interval === 'MONTH' ? 'MAU' : 'UNIQUE_CUSTOMERS';
      return { series: { math }, math };
    }
    case 'dau':
      return { series: { math: 'DAU' }, math: 'DAU' };
    case 'wau':
      return { series: { math: 'WAU' }, math: 'WAU' };
    case 'mau':
      return { series: { math: 'MAU' }, math: 'MAU' };
    case 'visitors':
    case 'customers':
      return { series: { math: 'UNIQUE_CUSTOMERS', ...(event ? { event } : {}) }, math: 'UNIQUE_CUSTOMERS' };
    case 'orders':
      return { series: { event: ORDER_EVENT, math: 'TOTAL' }, math: 'TOTAL' };
    case 'revenue':
      return { series: { event: ORDER_EVENT, math: 'SUM', property: 'revenue' }, math: 'SUM' };
    case 'pageViews':
      return { series: { type: 'PAGE', math: 'TOTAL' }, math: 'TOTAL' };
    default:
      return { series: { math: 'TOTAL', ...(event ? { event } : {}) }, math: 'TOTAL' };
  }
}

export function trends(measure: Measure, s: Slots, range: Range, tz: string, when: string, lang: Lang): Plan {
  const rolling = measure === 'dau' || measure === 'wau' || measure === 'mau';
  const showPoints = s.interval !== null || s.trend || rolling;
  // Without a bucket asked for, only the totals are shown; days keep the bucket count low for any range a year long.
  const interval: Interval = s.interval ?? (range.to.getTime() - range.from.getTime() > 900 * 86_400_000 ? 'MONTH' : 'DAY');
  const { series } = trendSeries(measure, s.interval, s.values);
  const dims = s.dimensions;
  const order = s.order ?? 'desc';
  const ranked = s.which || s.order !== null || s.top !== null;
  // The trend ranks breakdown values by their total, largest first: a bottom-n needs them all.
  const limit = order === 'asc' ? 100 : ranked ? Math.min(s.top ?? 1, 100) : 25;
  const variables: Json = { scope: scopeOf(range), series: [series], interval, timezone: tz };
  if (dims.length > 0) {
    variables.breakdown = dims.map((d) => BREAKDOWN[d]);
    variables.breakdownLimit = limit;
  }
  const what = label(measure, lang);
  return {
    intent: 'TRENDS',
    query: `query Ask(${SCOPE_VAR}, $series: [TrendSeriesInput!]!, $interval: TrendInterval!, $timezone: String!${dims.length ? ', $breakdown: [BreakdownInput!], $breakdownLimit: Int!' : ''}) {
  trends(scope: $scope, series: $series, interval: $interval, timezone: $timezone${dims.length ? ', breakdown: $breakdown, breakdownLimit: $breakdownLimit' : ''}) { series { breakdownValue other total points { at value } } }
}`,
    variables,
    range,
    answer(data) {
      let rows = (data.trends as { series: Json[] }).series;
      if (ranked && dims.length > 0) {
        rows = sortRows(rows.filter((r) => !r.other), (r) => r.total as number | null, order);
        rows = rows.slice(0, s.top ?? 1);
      }
      const dimCols = dims.map((d) => DIMENSION_LABEL[d].en);
      const keyCells = (r: Json): unknown[] => (dims.length === 0 ? [] : r.other ? dims.map((_, i) => (i === 0 ? 'Other' : null)) : ((r.breakdownValue as (string | null)[]) ?? []).map((v) => v ?? 'None'));
      const table: unknown[][] = showPoints
        ? rows.flatMap((r) => (r.points as Json[]).map((p) => [p.at, ...keyCells(r), p.value]))
        : rows.map((r) => [...keyCells(r), r.total]);
      const columns = showPoints ? ['at', ...dimCols, 'value'] : [...dimCols, 'total'];
      const fig = (v: unknown) => fmt(measure, v as number | null);
      let sentence: string;
      if (rows.length === 0) sentence = lang === 'zh' ? `${when}没有${what}数据。` : `No ${what} ${when}.`;
      else if (dims.length > 0) {
        const lead = rows[0]!;
        const name = keyCells(lead).join(' / ');
        const dimZh = dims.map((d) => DIMENSION_LABEL[d].zh).join('/');
        sentence = ranked
          ? lang === 'zh'
            ? `${when}${what}${order === 'asc' ? '最低' : '最高'}的${dimZh}是${name}（${fig(lead.total)}）。`
            : `${name} has the ${order === 'asc' ? 'lowest' : 'highest'} ${what} ${when} (${fig(lead.total)}).`
          : lang === 'zh'
            ? `${when}按${dimZh}的${what}：共${rows.length}组，${name}最高（${fig(lead.total)}）。`
            : `${what[0]!.toUpperCase()}${what.slice(1)} ${when} by ${dimCols.join(' and ')}: ${rows.length} rows, led by ${name} (${fig(lead.total)}).`;
      } else {
        const total = fig(rows[0]!.total);
        sentence = showPoints
          ? lang === 'zh'
            ? `${when}每${INTERVAL_WORD[interval].zh}的${what}，共${(rows[0]!.points as unknown[]).length}个时间点，整体为${total}。`
            : `${what[0]!.toUpperCase()}${what.slice(1)} per ${INTERVAL_WORD[interval].en} ${when}: ${(rows[0]!.points as unknown[]).length} points, ${total} over the whole range.`
          : lang === 'zh'
            ? `${when}的${what}为${total}。`
            : `${what[0]!.toUpperCase()}${what.slice(1)} ${when}: ${total}.`;
      }
      return { columns, rows: table, sentence };
    },
  };
}

export function customerCount(lang: Lang): Plan {
  return {
    intent: 'CUSTOMER_COUNT',
    query: `query Ask {
  customers(first: 1) { totalCount }
}`,
    variables: {},
    range: null,
    answer(data) {
      const n = (data.customers as { totalCount: number }).totalCount;
      return { columns: ['customers'], rows: [[n]], sentence: lang === 'zh' ? `目前共有${n}位客户。` : `There are ${n} customers.` };
    },
  };
}
