import { isPiiJsonKey } from '../privacy/pii-mask.ts';
import { piiPathsInPropFilters } from '../segments/rules/rule.pii.ts';
import { breakdownPiiPaths } from './breakdown.pii-args.ts';
import type { BreakdownInput } from './breakdown.types.ts';
import type { TrendSeriesInput } from './trend.types.ts';

/** Series filters on personal data, a statistic of a personal property, and breakdowns by personal keys. */
export function trendPiiPaths(args: Record<string, unknown>): string[] {
  const series = (args.series as TrendSeriesInput[] | undefined) ?? [];
  return [
    ...series.flatMap((s, i) => [
      ...piiPathsInPropFilters(s.where, `series[${i}].where`),
      ...(typeof s.property === 'string' && s.property !== 'revenue' && isPiiJsonKey(s.property) ? [`series[${i}].property`] : []),
    ]),
    ...breakdownPiiPaths(args.breakdown as BreakdownInput[] | null | undefined, 'breakdown'),
  ];
}
