/**
 * The incremental evaluator: a rule applied to one customer's facts (rule.facts.ts), in plain JS. It
 * implements the semantics documented in rule.compiler.sql.ts and rule.values.ts independently of the SQL;
 * the property test holds the two to the same answers.
 */
import { addDecimal, decimalOfNumber, parseDecimal, ZERO, type Decimal } from './decimal.ts';
import type { FactValue } from './exact-json.ts';
import type { CustomerFacts, TouchpointFacts } from './rule.facts.ts';
import {
  ATTR_TYPES,
  isEventRule,
  REVENUE_PROP,
  SENTIMENT_PROP,
  SENTIMENT_SCORE_PROP,
  type AggregateOp,
  type AttrRule,
  type Comparison,
  type EventRule,
  type PropFilter,
  type Rule,
  type Scalar,
  type SeenWindow,
} from './rule.schema.ts';
import { compareNumbers, compareText, containsText, daysBefore, holds, numericOf, own, parseIsoInstant } from './rule.values.ts';

export function evaluateRule(rule: Rule, facts: CustomerFacts, now: Date): boolean {
  if ('and' in rule) return rule.and.every((r) => evaluateRule(r, facts, now));
  if ('or' in rule) return rule.or.some((r) => evaluateRule(r, facts, now));
  if ('not' in rule) return !evaluateRule(rule.not, facts, now);
  if ('attr' in rule) return attr(rule, facts);
  if ('trait' in rule) return json(own(facts.traits, rule.trait), rule);
  if (isEventRule(rule)) return event(rule, facts, now);
  if ('lastSeen' in rule) return seen(facts.attrs.lastSeenAt, rule.lastSeen, now);
  if ('firstSeen' in rule) return seen(facts.attrs.firstSeenAt, rule.firstSeen, now);
  if ('hasTag' in rule) return facts.tagKeys.has(rule.hasTag);
  if ('inSegment' in rule) return facts.segmentIds.has(rule.inSegment.toLowerCase());
  if ('inCluster' in rule) {
    const run = rule.inCluster.run === 'latest' ? 'latest' : rule.inCluster.run.toLowerCase();
    return facts.clusters?.get(run) === rule.inCluster.cluster;
  }
  if ('account' in rule) {
    const { groupId, where } = rule.account;
    return (facts.accounts ?? []).some((a) => (groupId === undefined || a.groupId === groupId) && (where ?? []).every((f) => json(own(a.traits, f.trait), f)));
  }
  const never: never = rule;
  throw new Error(`unknown rule node ${JSON.stringify(never)}`);
}

// ---- typed columns ----

const toDecimal = (v: string | number): Decimal | null => (typeof v === 'number' ? decimalOfNumber(v) : parseDecimal(v));

function attr(rule: AttrRule, facts: CustomerFacts): boolean {
  const actual = facts.attrs[rule.attr];
  if (actual === null || actual === undefined) return false;
  if (rule.op === 'exists') return true;
  const values = rule.op === 'in' ? (rule.value as Scalar[]) : [rule.value as Scalar];
  const op: AggregateOp = rule.op === 'in' ? 'eq' : (rule.op as AggregateOp);
  switch (ATTR_TYPES[rule.attr]) {
    case 'text':
      if (rule.op === 'contains') return containsText(actual as string, rule.value as string);
      return values.some((v) => holds(compareText(actual as string, v as string), op));
    case 'number': {
      const a = toDecimal(actual as string | number);
      return a !== null && values.some((v) => holds(compareNumbers(a, decimalOfNumber(v as number)), op));
    }
    case 'date': {
      const a = (actual as Date).getTime();
      return values.some((v) => {
        const b = parseIsoInstant(v as string)!.getTime();
        return holds(a < b ? -1 : a > b ? 1 : 0, op);
      });
    }
  }
}

// ---- JSON values (traits, properties) ----

/** `actual` compared with one rule value; false when `actual` is missing, null, or of another type. */
function compareJson(actual: FactValue | undefined, op: AggregateOp, value: Scalar): boolean {
  if (actual === undefined || actual === null) return false;
  if (typeof value === 'number') {
    const a = numericOf(actual);
    return a !== null && holds(compareNumbers(a, decimalOfNumber(value)), op);
  }
  if (typeof value === 'boolean') return typeof actual === 'boolean' && holds(actual === value ? 0 : 1, op);
  return typeof actual === 'string' && holds(compareText(actual, value), op);
}

function json(actual: FactValue | undefined, { op, value }: Comparison): boolean {
  if (actual === undefined || actual === null) return false;
  if (op === 'exists') return true;
  if (op === 'in') return (value as Scalar[]).some((v) => compareJson(actual, 'eq', v));
  if (op === 'contains') {
    if (Array.isArray(actual)) return actual.some((e) => compareJson(e, 'eq', value as Scalar));
    return typeof actual === 'string' && typeof value === 'string' && containsText(actual, value);
  }
  return compareJson(actual, op, value as Scalar);
}

// ---- events ----

/** A filter on a numeric column of the touchpoint (revenue, sentiment score). */
function revenueFilter(revenue: TouchpointFacts['revenue'], f: PropFilter): boolean {
  if (revenue === null) return false;
  if (f.op === 'exists') return true;
  const r = toDecimal(revenue);
  if (r === null) return false;
  const values = f.op === 'in' ? (f.value as number[]) : [f.value as number];
  const op: AggregateOp = f.op === 'in' ? 'eq' : (f.op as AggregateOp);
  return values.some((v) => holds(compareNumbers(r, decimalOfNumber(v)), op));
}

function sentimentFilter(label: string | null, f: PropFilter): boolean {
  if (label === null) return false;
  if (f.op === 'exists') return true;
  if (f.op === 'contains') return containsText(label, f.value as string);
  const values = f.op === 'in' ? (f.value as string[]) : [f.value as string];
  const op: AggregateOp = f.op === 'in' ? 'eq' : (f.op as AggregateOp);
  return values.some((v) => holds(compareText(label, v), op));
}

const passes = (t: TouchpointFacts, f: PropFilter) =>
  f.prop === REVENUE_PROP
    ? revenueFilter(t.revenue, f)
    : f.prop === SENTIMENT_SCORE_PROP
      ? revenueFilter(t.sentimentScore ?? null, f)
      : f.prop === SENTIMENT_PROP
        ? sentimentFilter(t.sentimentLabel ?? null, f)
        : json(own(t.properties, f.prop), f);

const NONE: readonly TouchpointFacts[] = [];
const byEvent = new WeakMap<readonly TouchpointFacts[], { size: number; index: Map<string | null, TouchpointFacts[]> }>();

/**
 * A customer's touchpoints of one event. Live evaluation runs every rule against every customer a
 * batch touches, and most rules name an event: scanning all the customer's touchpoints for each rule
 * was the evaluator's largest cost (W4). The index is built on first use and rebuilt if the list grew.
 */
function touchpointsOf(facts: CustomerFacts, event: string | undefined): readonly TouchpointFacts[] {
  const all = facts.touchpoints;
  if (event === undefined || all.length < 8) return all;
  let cached = byEvent.get(all);
  if (!cached || cached.size !== all.length) {
    const index = new Map<string | null, TouchpointFacts[]>();
    for (const t of all) {
      const list = index.get(t.event);
      if (list) list.push(t);
      else index.set(t.event, [t]);
    }
    byEvent.set(all, (cached = { size: all.length, index }));
  }
  return cached.index.get(event) ?? NONE;
}

function event(rule: EventRule, facts: CustomerFacts, now: Date): boolean {
  const since = rule.withinDays === undefined ? null : daysBefore(now, rule.withinDays).getTime();
  let count = 0;
  let sum = ZERO;
  for (const t of touchpointsOf(facts, rule.event)) {
    if (rule.event !== undefined && t.event !== rule.event) continue;
    if (rule.type !== undefined && t.type !== rule.type) continue;
    if (rule.channel && t.channel !== rule.channel) continue;
    if (since !== null && t.occurredAt.getTime() < since) continue;
    if (rule.where && !rule.where.every((f) => passes(t, f))) continue;
    count++;
    if (rule.sum) {
      const v = rule.sum.prop === REVENUE_PROP ? (t.revenue === null ? null : toDecimal(t.revenue)) : numericOf(own(t.properties, rule.sum.prop));
      if (v !== null) sum = addDecimal(sum, v);
    }
  }
  if (rule.count && !holds(count < rule.count.value ? -1 : count > rule.count.value ? 1 : 0, rule.count.op)) return false;
  if (rule.sum && !holds(compareNumbers(sum, decimalOfNumber(rule.sum.value)), rule.sum.op)) return false;
  return rule.count || rule.sum ? true : count >= 1;
}

function seen(at: Date | null, window: SeenWindow, now: Date): boolean {
  if (at === null) return false;
  const t = at.getTime();
  if (window.olderThanDays !== undefined && !(t < daysBefore(now, window.olderThanDays).getTime())) return false;
  if (window.newerThanDays !== undefined && !(t >= daysBefore(now, window.newerThanDays).getTime())) return false;
  return true;
}
