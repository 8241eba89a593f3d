/** How numbers and ranges read in the answer's sentence, in the question's language. */
import { MEASURE_LABEL, type Measure } from './ask.dictionary.ts';
import { localDay, type Range } from './ask.dates.ts';

export type Lang = 'en' | 'zh';

export const languageOf = (question: string): Lang => (/[\u3400-\u9fff]/.test(question) ? 'zh' : 'en');

const RATES = new Set<Measure>(['conversionRate', 'repurchaseRate', 'churnRate', 'bounceRate', 'csat']);
const MONEY = new Set<Measure>(['averageOrderValue', 'revenuePerCustomer', 'revenue', 'spend', 'cpa', 'attributedRevenue']);

/** A figure as a person reads it: rates in percent, money to the cent, counts whole. */
export function fmt(measure: Measure | 'count' | 'share', value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (measure === 'share' || RATES.has(measure as Measure)) return `${(value * 100).toFixed(1)}%`;
  if (measure === 'roi' || measure === 'roas') return value.toFixed(2);
  if (MONEY.has(measure as Measure) || measure === 'nps' || measure === 'sessionSeconds') return value.toFixed(measure === 'nps' ? 1 : 2);
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2);
}

export const label = (m: Measure, lang: Lang) => MEASURE_LABEL[m][lang];

/** "from 2026-01-01 to 2026-01-31" / "2026-01-01至2026-01-31": local days, the end inclusive. */
export function rangeText(range: Range, tz: string, lang: Lang): string {
  const from = localDay(range.from, tz);
  const to = localDay(new Date(range.to.getTime() - 1), tz);
  if (lang === 'zh') return from === to ? from : `${from}至${to}`;
  return from === to ? `on ${from}` : `from ${from} to ${to}`;
}
