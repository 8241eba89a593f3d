/**
 * Where a rule reads personal data. A READER key sees personal data masked, so it may not evaluate a
 * rule that compares it either: a size of 1 or 0 for `email eq "x"` would tell it what it cannot read.
 * What counts as personal is defined once, in privacy/pii-mask.ts.
 */
import { isPiiAttr, isPiiJsonKey, isPiiShapedValue } from '../../privacy/pii-mask.ts';
import { isEventRule, REVENUE_PROP, type Rule } from './rule.schema.ts';

/** Paths of property filters ({ prop, value }, in rules and funnel steps) on personal data. */
export const piiPathsInPropFilters = (filters: readonly { prop: string; value?: unknown }[] | null | undefined, at: string): string[] =>
  (filters ?? []).flatMap((f, i) => [
    ...(f.prop !== REVENUE_PROP && isPiiJsonKey(f.prop) ? [`${at}[${i}].prop`] : []),
    ...(isPiiShapedValue(f.value) ? [`${at}[${i}].value`] : []),
  ]);

/** JSON paths ($.and[1].attr) of every node of a parsed rule that reads or compares personal data. */
export function piiPathsInRule(rule: Rule, path = '$'): string[] {
  if ('and' in rule) return rule.and.flatMap((r, i) => piiPathsInRule(r, `${path}.and[${i}]`));
  if ('or' in rule) return rule.or.flatMap((r, i) => piiPathsInRule(r, `${path}.or[${i}]`));
  if ('not' in rule) return piiPathsInRule(rule.not, `${path}.not`);
  const out: string[] = [];
  if ('attr' in rule && isPiiAttr(rule.attr)) out.push(`${path}.attr`);
  if ('trait' in rule && isPiiJsonKey(rule.trait)) out.push(`${path}.trait`);
  if (('attr' in rule || 'trait' in rule) && isPiiShapedValue(rule.value)) out.push(`${path}.value`);
  if ('account' in rule) {
    if (isPiiShapedValue(rule.account.groupId)) out.push(`${path}.account.groupId`);
    (rule.account.where ?? []).forEach((f, i) => {
      if (isPiiJsonKey(f.trait)) out.push(`${path}.account.where[${i}].trait`);
      if (isPiiShapedValue(f.value)) out.push(`${path}.account.where[${i}].value`);
    });
  }
  if (isEventRule(rule)) {
    out.push(...piiPathsInPropFilters(rule.where, `${path}.where`));
    if (rule.sum && rule.sum.prop !== REVENUE_PROP && isPiiJsonKey(rule.sum.prop)) out.push(`${path}.sum.prop`);
  }
  return out;
}
