import { isPiiJsonKey } from '../privacy/pii-mask.ts';
import { piiPathsInPropFilters } from '../segments/rules/rule.pii.ts';
import { breakdownPiiPaths } from './breakdown.pii-args.ts';
import type { BreakdownInput } from './breakdown.types.ts';
import { FunnelBreakdownKind, type FunnelBreakdownInput, type FunnelStepInput } from './funnel.types.ts';

/** Step filters on personal data, and a breakdown by a personal trait, property key or context path. */
export function funnelPiiPaths(args: Record<string, unknown>): string[] {
  const steps = (args.steps as FunnelStepInput[] | undefined) ?? [];
  const b = args.breakdownBy as FunnelBreakdownInput | null | undefined;
  return [
    ...steps.flatMap((s, i) => piiPathsInPropFilters(s.where, `steps[${i}].where`)),
    ...(b?.by === FunnelBreakdownKind.TRAIT && b.traitKey && isPiiJsonKey(b.traitKey) ? ['breakdownBy.traitKey'] : []),
    ...breakdownPiiPaths(args.breakdown as BreakdownInput[] | null | undefined, 'breakdown'),
  ];
}
