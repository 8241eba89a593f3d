/**
 * Segments and rule tags form one graph of derived sets: a rule reads another set through inSegment
 * or hasTag. Pure questions about that graph: the order to evaluate in (a set after the sets it reads),
 * who reads a set (transitively), which sets move with time (their own rule, or anything they read),
 * and whether a new rule would close a cycle.
 */
import { ruleDependsOnTime, ruleSegmentRefs, ruleTagKeys, ruleUsesAccounts, ruleUsesClusters, ruleUsesPropensity } from './rule.analysis.ts';
import type { Rule } from './rule.schema.ts';

export interface DerivedNode {
  kind: 'segment' | 'tag';
  /** Segment id, or tag id. */
  id: string;
  /** Tag key (tags only). */
  key: string | null;
  rule: Rule;
  version: number;
}

/** How a rule names a set: `segment:<lower-case id>` or `tag:<key>` (manual tags too: they are inputs). */
export const refOf = (n: Pick<DerivedNode, 'kind' | 'id' | 'key'>) => (n.kind === 'segment' ? `segment:${n.id.toLowerCase()}` : `tag:${n.key}`);
/**
 * The input every rule with an `account` node reads: seeding a refresh with it (and the members of an
 * account whose traits changed) re-checks exactly those sets for those customers. No set has this ref.
 */
export const ACCOUNTS_REF = 'accounts';
/** The inputs rules on clusters and propensity scores read: a new run or model seeds a refresh with them. */
export const CLUSTERS_REF = 'clusters';
export const PROPENSITY_REF = 'propensity';
export const ruleRefs = (rule: Rule): string[] => [
  ...ruleSegmentRefs(rule).map((s) => `segment:${s.toLowerCase()}`),
  ...ruleTagKeys(rule).map((k) => `tag:${k}`),
  ...(ruleUsesAccounts(rule) ? [ACCOUNTS_REF] : []),
  ...(ruleUsesClusters(rule) ? [CLUSTERS_REF] : []),
  ...(ruleUsesPropensity(rule) ? [PROPENSITY_REF] : []),
];

export class DerivedGraph {
  readonly byRef: Map<string, DerivedNode>;
  /** Every node after the nodes it reads; the members of a cycle (old data) in some order. */
  readonly order: DerivedNode[];
  private readonly timed = new Map<string, boolean>();
  /** Refs that some node's rule reads. */
  private readonly read = new Set<string>();

  constructor(readonly nodes: DerivedNode[]) {
    this.byRef = new Map(nodes.map((n) => [refOf(n), n]));
    this.order = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (n: DerivedNode) => {
      const ref = refOf(n);
      if (state.has(ref)) return;
      state.set(ref, 'visiting');
      for (const r of ruleRefs(n.rule)) {
        const dep = this.byRef.get(r);
        if (dep) visit(dep);
      }
      state.set(ref, 'done');
      this.order.push(n);
    };
    nodes.forEach(visit);
    for (const n of nodes) for (const r of ruleRefs(n.rule)) this.read.add(r);
  }

  /** True when some set's rule reads `ref`. */
  hasReaders(ref: string): boolean {
    return this.read.has(ref);
  }

  /** True when time alone can change the node: its rule, or a set it reads (transitively), depends on time. */
  dependsOnTime(n: DerivedNode): boolean {
    const ref = refOf(n);
    const known = this.timed.get(ref);
    if (known !== undefined) return known;
    this.timed.set(ref, false); // a cycle adds nothing
    const result = ruleDependsOnTime(n.rule) || ruleRefs(n.rule).some((r) => this.byRef.has(r) && this.dependsOnTime(this.byRef.get(r)!));
    this.timed.set(ref, result);
    return result;
  }

  /** The chain of references from `rule` back to `self` when giving `self` this rule would make a cycle, else null. */
  cycleThrough(self: string, rule: Rule): string[] | null {
    const seen = new Set<string>();
    const walk = (refs: string[], path: string[]): string[] | null => {
      for (const r of refs) {
        if (r === self) return [...path, r];
        if (seen.has(r)) continue;
        seen.add(r);
        const n = this.byRef.get(r);
        const found = n && walk(ruleRefs(n.rule), [...path, r]);
        if (found) return found;
      }
      return null;
    };
    return walk(ruleRefs(rule), [self]);
  }
}
