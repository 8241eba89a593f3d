/**
 * From what a question asked for (the grammar's slots) to the one analysis that answers it (a plan of
 * ask.plans.ts: query, variables, and how its data reads). Pure: the clock and the zone come in, so
 * tests can check every question form without a server.
 *
 * Rules, first match wins (docs/ask.md lists the question forms):
 *  funnel steps → funnel; a segment → its size; an RFM tier → rfm; ROI/ROAS/CPA/spend → roi;
 *  attributed conversions or a model → attribution; conversion or churn per channel/campaign →
 *  channelPerformance; customers per RFM tier → rfm; new customers → customers(filter firstSeen);
 *  standard metrics → metrics / metricTrend; top events → events; counts and sums over time →
 *  trends; plain "how many customers" → customers.
 */
import type { Measure } from './ask.dictionary.ts';
import { DEFAULT_RANGE, resolveRange } from './ask.dates.ts';
import { label, rangeText, type Lang } from './ask.format.ts';
import type { Slots } from './ask.grammar.ts';
import {
  attribution,
  channelPerformance,
  customerCount,
  funnel,
  METRIC_KIND,
  metrics,
  metricTrend,
  newCustomers,
  rfmTier,
  rfmTiers,
  roi,
  ROI_FIELD,
  segmentSize,
  topEvents,
  TREND_MEASURES,
  trends,
  type Plan,
} from './ask.plans.ts';

export { FUNNEL_WINDOW_HOURS, ORDER_EVENT, type Intent, type Plan } from './ask.plans.ts';

export type Interpretation = { ok: true; plan: Plan } | { ok: false; reason: string };

export interface InterpretContext {
  now: Date;
  timezone: string;
  lang: Lang;
}

export function interpret(s: Slots, ctx: InterpretContext): Interpretation {
  const { lang } = ctx;
  const range = resolveRange(s.range ?? DEFAULT_RANGE, ctx.now, ctx.timezone);
  const when = rangeText(range, ctx.timezone, lang);
  const has = (m: Measure) => s.measures.includes(m);
  const marketing: 'CAMPAIGN' | 'CHANNEL' = s.dimensions.includes('campaign') ? 'CAMPAIGN' : 'CHANNEL';
  const ranked = s.which || s.order !== null || s.top !== null;

  if (s.steps.length >= 2) return { ok: true, plan: funnel(s.steps, range, when, lang) };
  if (s.funnel) return { ok: false, reason: 'a funnel needs at least two quoted steps: from "A" to "B"' };
  if (s.segment !== null) {
    if (s.measures.some((m) => m !== 'customers') || s.dimensions.length > 0 || s.interval || s.trend)
      return { ok: false, reason: 'a segment is answered with its current size only' };
    return { ok: true, plan: segmentSize(s.segment, lang) };
  }
  if (s.tier !== null) return { ok: true, plan: rfmTier(s.tier, ctx.now, lang) };
  const roiMeasure = s.measures.find((m) => ROI_FIELD[m]);
  if (roiMeasure) return { ok: true, plan: roi(roiMeasure, marketing, s, range, when, lang) };
  if (s.model || has('attributedConversions') || has('attributedRevenue'))
    return { ok: true, plan: attribution(has('attributedRevenue') || (has('revenue') && !has('attributedConversions')) ? 'value' : 'conversions', s.model ?? 'LAST_TOUCH', marketing, s, range, when, lang) };
  const perChannel = s.dimensions.includes('channel') || s.dimensions.includes('campaign');
  if (perChannel && (has('conversionRate') || has('churnRate'))) return { ok: true, plan: channelPerformance(has('churnRate') ? 'dropOff' : 'conversion', marketing, s, range, when, lang) };
  if (s.dimensions.includes('rfmTier') && (s.measures.length === 0 || (s.measures.length === 1 && has('customers')))) return { ok: true, plan: rfmTiers(ctx.now, lang) };
  if (has('newCustomers')) {
    if (s.dimensions.length > 0) return { ok: false, reason: 'new customers are counted per period, not per dimension' };
    return { ok: true, plan: newCustomers(range, s.interval ?? (s.trend ? 'DAY' : null), ctx.timezone, when, lang) };
  }
  const metricMeasures = s.measures.filter((m) => METRIC_KIND[m]);
  if (metricMeasures.length > 0) {
    if (metricMeasures.length !== s.measures.length) return { ok: false, reason: 'standard metrics cannot be mixed with counts in one question' };
    if (s.dimensions.length > 0) return { ok: false, reason: `${label(metricMeasures[0]!, 'en')} is not broken down by ${s.dimensions.join(', ')}` };
    if (s.interval || s.trend) {
      if (metricMeasures.length > 1) return { ok: false, reason: 'one metric at a time over time' };
      return { ok: true, plan: metricTrend(metricMeasures[0]!, s.interval === 'HOUR' ? 'HOUR' : s.interval ?? 'DAY', range, ctx.timezone, when, lang) };
    }
    return { ok: true, plan: metrics(metricMeasures, range, when, lang) };
  }
  if (has('events') && ranked && s.dimensions.length === 0 && s.values.length === 0) return { ok: true, plan: topEvents(s.top ?? 10, range, when, lang) };
  const trendMeasures = s.measures.filter((m) => TREND_MEASURES.has(m));
  if (trendMeasures.length > 1) return { ok: false, reason: 'one measure at a time' };
  const only = trendMeasures[0];
  if (only === 'customers' && !s.range && s.dimensions.length === 0 && !s.interval && !s.trend) return { ok: true, plan: customerCount(lang) };
  if (only) {
    if (s.dimensions.length > 3) return { ok: false, reason: 'at most 3 breakdowns' };
    return { ok: true, plan: trends(only, s, range, ctx.timezone, when, lang) };
  }
  return { ok: false, reason: s.measures.length === 0 ? 'no measure recognised' : 'this combination is not supported' };
}

