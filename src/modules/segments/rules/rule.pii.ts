/**
 * Where a rule reads personal data. A READER key sees personal data masked, so it may not evaluate a
 * rule that compares it either: a size of 1 or 0 for `email eq "x"` would tell it what it cannot read.
 * What counts as personal is defined once, in privacy/pii-mask.ts.
 */
import { isPiiAttr, isPiiJsonKey, isPiiShapedValue, maskJson, maskValueUnderKey } from '../../privacy/pii-mask.ts';
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

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A compared value as READER keys see it: masked when it is read from a PII field `key`, or looks like an email. */
const maskCompared = (key: string | null, value: unknown): unknown =>
  Array.isArray(value) ? value.map((v) => maskCompared(key, v)) : key !== null ? maskValueUnderKey(key, value) : maskJson(value);

/**
 * Filters ({ prop, value } in event conditions, { trait, value } in account ones): the value of one on
 * personal data, or one that looks like an email, masked.
 */
function maskFilters(filters: unknown, keyField: 'prop' | 'trait'): unknown {
  if (!Array.isArray(filters)) return filters;
  return filters.map((f) => {
    if (!isObject(f) || !('value' in f)) return f;
    const key = f[keyField];
    return { ...f, value: maskCompared(typeof key === 'string' && key !== REVENUE_PROP && isPiiJsonKey(key) ? key : null, f.value) };
  });
}

/**
 * A stored rule as READER keys see it: every value it compares with personal data (attr email eq
 * "ceo@…", a trait or property on contact data, an email-shaped group id) masked as that field would
 * be, the rest as written. READER keys read segments' rules and their changes, so an unmasked rule
 * would name the very person its ENTERED change points at.
 */
export function maskRule(rule: unknown): unknown {
  if (Array.isArray(rule)) return rule.map(maskRule);
  if (!isObject(rule)) return maskJson(rule);
  const out: Json = { ...rule };
  if (Array.isArray(rule.and)) out.and = rule.and.map(maskRule);
  if (Array.isArray(rule.or)) out.or = rule.or.map(maskRule);
  if ('not' in rule) out.not = maskRule(rule.not);
  if ('value' in rule) {
    const key = typeof rule.attr === 'string' && isPiiAttr(rule.attr) ? rule.attr : typeof rule.trait === 'string' && isPiiJsonKey(rule.trait) ? rule.trait : null;
    out.value = maskCompared(key, rule.value);
  }
  if (isObject(rule.account)) {
    const a: Json = { ...rule.account };
    if ('groupId' in a) a.groupId = maskJson(a.groupId);
    if ('where' in a) a.where = maskFilters(a.where, 'trait');
    out.account = a;
  }
  if ('where' in rule) out.where = maskFilters(rule.where, 'prop');
  return out;
}
