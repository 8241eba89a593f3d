import { isPiiJsonKey } from '../privacy/pii-mask.ts';
import { BreakdownBy, type BreakdownInput } from './breakdown.types.ts';

/** Breakdown dimensions that group by personal data: a personal trait or property key, or a context path through one (context.traits.email, ip). */
export function breakdownPiiPaths(list: readonly BreakdownInput[] | null | undefined, at: string): string[] {
  return (list ?? []).flatMap((b, i) => {
    if (typeof b.key !== 'string') return [];
    const personal =
      b.by === BreakdownBy.TRAIT || (b.by === BreakdownBy.EVENT_PROPERTY && b.key !== 'revenue')
        ? isPiiJsonKey(b.key)
        : b.by === BreakdownBy.CONTEXT && b.key.split('.').some((p) => p.length > 0 && isPiiJsonKey(p));
    return personal ? [`${at}[${i}].key`] : [];
  });
}
