/**
 * Pure questions about a rule, asked by the scheduler (which segments must be re-checked as time passes),
 * the incremental evaluator (which facts to load) and the segments service (references to check).
 */
import type { TouchpointType } from '../../../generated/prisma/enums.ts';
import { isEventRule, type EventRule, type Rule } from './rule.schema.ts';

/** Every node of the rule, depth first. */
export function* ruleNodes(rule: Rule): Generator<Rule> {
  yield rule;
  if ('and' in rule) for (const r of rule.and) yield* ruleNodes(r);
  else if ('or' in rule) for (const r of rule.or) yield* ruleNodes(r);
  else if ('not' in rule) yield* ruleNodes(rule.not);
}

const eventNodes = (rule: Rule): EventRule[] => [...ruleNodes(rule)].filter(isEventRule);
const distinct = (values: Iterable<string>) => [...new Set(values)];

/**
 * True when the rule's result can change with no write at all, only because time passes: an event
 * condition with a window, or lastSeen/firstSeen. (Comparisons with absolute dates do not move.)
 */
export function ruleDependsOnTime(rule: Rule): boolean {
  for (const n of ruleNodes(rule)) {
    if (isEventRule(n) && n.withinDays !== undefined) return true;
    if ('lastSeen' in n || 'firstSeen' in n) return true;
    // Recency quintiles move as days pass.
    if ('attr' in n && n.attr === 'rfmTier') return true;
  }
  return false;
}

export const ruleUsesRfm = (rule: Rule): boolean => [...ruleNodes(rule)].some((n) => 'attr' in n && n.attr === 'rfmTier');

/** True when the rule has an event condition (by name or type). */
export const ruleReadsEvents = (rule: Rule): boolean => eventNodes(rule).length > 0;

/** Distinct event names the rule reads, in order of appearance. */
export const ruleEventNames = (rule: Rule): string[] => distinct(eventNodes(rule).flatMap((n) => (n.event === undefined ? [] : [n.event])));

/**
 * The widest event window of the rule in days: Infinity when some event condition has no window (it
 * reads all history), 0 when the rule has no event condition.
 */
export function ruleMaxWindowDays(rule: Rule): number {
  return eventNodes(rule).reduce((max, n) => Math.max(max, n.withinDays ?? Infinity), 0);
}

/** Per event name, the widest window in days over the rules (Infinity: all history); conditions by type alone are in typeWindows. */
export function eventWindows(rules: readonly Rule[]): Map<string, number> {
  const windows = new Map<string, number>();
  for (const rule of rules) {
    for (const n of eventNodes(rule)) if (n.event !== undefined) windows.set(n.event, Math.max(windows.get(n.event) ?? 0, n.withinDays ?? Infinity));
  }
  return windows;
}

/** Per touchpoint type, the widest window of the conditions that name a type and no event. */
export function typeWindows(rules: readonly Rule[]): Map<TouchpointType, number> {
  const windows = new Map<TouchpointType, number>();
  for (const rule of rules) {
    for (const n of eventNodes(rule)) if (n.event === undefined && n.type !== undefined) windows.set(n.type, Math.max(windows.get(n.type) ?? 0, n.withinDays ?? Infinity));
  }
  return windows;
}

/** Distinct segment ids referenced by inSegment, as written. */
export const ruleSegmentRefs = (rule: Rule): string[] =>
  distinct([...ruleNodes(rule)].flatMap((n) => ('inSegment' in n ? [n.inSegment] : [])));

/** Distinct tag keys referenced by hasTag. */
export const ruleTagKeys = (rule: Rule): string[] => distinct([...ruleNodes(rule)].flatMap((n) => ('hasTag' in n ? [n.hasTag] : [])));

/** True when the rule reads accounts (their membership or traits). */
export const ruleUsesAccounts = (rule: Rule): boolean => [...ruleNodes(rule)].some((n) => 'account' in n);

/** True when the rule reads cluster assignments. */
export const ruleUsesClusters = (rule: Rule): boolean => [...ruleNodes(rule)].some((n) => 'inCluster' in n);

/** Distinct run references of inCluster nodes, as written ("latest" or a run id). */
export const ruleClusterRuns = (rule: Rule): string[] => distinct([...ruleNodes(rule)].flatMap((n) => ('inCluster' in n ? [n.inCluster.run] : [])));

/** True when the rule reads a propensity score. */
export const ruleUsesPropensity = (rule: Rule): boolean =>
  [...ruleNodes(rule)].some((n) => 'attr' in n && (n.attr === 'churnProbability' || n.attr === 'conversionProbability'));
