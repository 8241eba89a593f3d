/**
 * Identity resolution for a batch, in memory: which customer each event belongs to, which customers
 * must be merged because one event links them, and which new identities to record. Pure, so its
 * rules are unit-tested without a database; the service feeds it a snapshot read under lock.
 *
 * Rules:
 * - no known identity → a new (anonymous) customer;
 * - identities held by several customers → merge them into one winner (default: the one holding a
 *   USER_ID, else the oldest), unless the merge would exceed a per-type cap (default one USER_ID per
 *   customer): then the merge is refused and recorded as a conflict;
 * - the event lands on the customer of its strongest identity (USER_ID before EMAIL before ...);
 * - an unknown identity joins that customer, unless it would exceed a cap: an unknown USER_ID next
 *   to another person's anonymousId is a different person (a shared device), who gets a new customer;
 * - an alias's previousId is a user id when one is known, else an anonymous id (Segment allows
 *   either). A user id there is the sender saying outright that both user ids are one person, so caps
 *   do not refuse joining them: caps guard the links we infer, not the ones we are told.
 */
import type { IdentityConfig } from '../../config/env.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';
import { identityKey } from './identity.normalize.ts';

export const IDENTITY_PRIORITY: IdentityType[] = [
  'USER_ID',
  'CRM_ID',
  'EMAIL',
  'PHONE',
  'WECHAT_UNION_ID',
  'WECHAT_OPEN_ID',
  'DEVICE_ID',
  'ANONYMOUS_ID',
  'COOKIE',
  'CUSTOM',
];
const rank = (t: IdentityType) => IDENTITY_PRIORITY.indexOf(t);

export interface ResolutionIdentity {
  type: IdentityType;
  value: string;
}

export interface KnownCustomer {
  createdAt: Date;
  /** Values held per capped type, over the customer's merged set. */
  capped: Map<IdentityType, Set<string>>;
}

export interface ResolutionSnapshot {
  /** identityKey → live customer id */
  owners: Map<string, string>;
  customers: Map<string, KnownCustomer>;
}

/**
 * What one event (or CRM row) links: its identities, plus customers it is already known to belong to
 * (the customer a CRM row's externalId matched). Anchors win the choice of target.
 */
export interface ResolutionEvent {
  identities: ResolutionIdentity[];
  anchors?: string[];
  /** alias: the id the person had before, a user id or an anonymous id (whichever is known). */
  previousId?: string | null;
}

/** The identities a previousId may be: looked up (and locked) as both. */
export function previousIdCandidates(previousId: string | null | undefined): ResolutionIdentity[] {
  return previousId ? [{ type: 'USER_ID', value: previousId }, { type: 'ANONYMOUS_ID', value: previousId }] : [];
}

/**
 * Whether joining two customers' values of a capped type breaks the cap. Only when the join adds
 * values beyond what either side holds: a person an alias already put over the cap can still absorb
 * a profile that brings no new value (an anonymous visitor).
 */
export function breaksCap(a: ReadonlySet<string>, b: ReadonlySet<string>, cap: number): boolean {
  const union = new Set([...a, ...b]).size;
  return union > cap && union > Math.max(a.size, b.size);
}

export interface PlannedMerge {
  winnerId: string;
  loserId: string;
  reason: string;
}

export interface ResolutionPlan {
  targets: string[];
  newCustomerIds: string[];
  merges: PlannedMerge[];
  conflicts: (PlannedMerge & { type: IdentityType })[];
  identities: (ResolutionIdentity & { customerId: string })[];
}

export function isBlocked(config: Pick<IdentityConfig, 'blockedValues'>, value: string): boolean {
  return config.blockedValues.has(value.trim().toLowerCase());
}

export function planResolution(
  events: (ResolutionIdentity[] | ResolutionEvent)[],
  snapshot: ResolutionSnapshot,
  config: Pick<IdentityConfig, 'caps' | 'winner'>,
  newId: () => string,
): ResolutionPlan {
  const owners = new Map(snapshot.owners);
  const customers = new Map([...snapshot.customers].map(([id, c]) => [id, { createdAt: c.createdAt, capped: cloneCapped(c.capped) }]));
  const redirect = new Map<string, string>();
  const resolve = (id: string): string => {
    let cur = id;
    while (redirect.has(cur)) cur = redirect.get(cur)!;
    return cur;
  };
  const plan: ResolutionPlan = { targets: [], newCustomerIds: [], merges: [], conflicts: [], identities: [] };
  let clock = 0;
  const create = () => {
    const id = newId();
    // Customers created in this batch are younger than any stored one, in creation order.
    customers.set(id, { createdAt: new Date(8.64e15 - 1e6 + clock++), capped: new Map() });
    plan.newCustomerIds.push(id);
    return id;
  };
  const capOf = (t: IdentityType) => config.caps.get(t);
  const fits = (customerId: string, t: IdentityType, value: string) => {
    const cap = capOf(t);
    if (cap === undefined) return true;
    const held = customers.get(customerId)!.capped.get(t);
    return !held || held.has(value) || held.size < cap;
  };
  const hold = (customerId: string, t: IdentityType, value: string) => {
    if (capOf(t) === undefined) return;
    const c = customers.get(customerId)!;
    if (!c.capped.has(t)) c.capped.set(t, new Set());
    c.capped.get(t)!.add(value);
  };
  const mergeBreaks = (a: string, b: string): IdentityType | null => {
    for (const [t, cap] of config.caps) {
      if (breaksCap(customers.get(a)!.capped.get(t) ?? new Set(), customers.get(b)!.capped.get(t) ?? new Set(), cap)) return t;
    }
    return null;
  };
  const better = (a: string, b: string) => {
    const ca = customers.get(a)!;
    const cb = customers.get(b)!;
    if (config.winner === 'user_id_then_oldest') {
      const ua = (ca.capped.get('USER_ID')?.size ?? 0) > 0;
      const ub = (cb.capped.get('USER_ID')?.size ?? 0) > 0;
      if (ua !== ub) return ua ? a : b;
    }
    return ca.createdAt <= cb.createdAt ? a : b;
  };

  for (const e of events) {
    const { identities: own, anchors = [], previousId = null } = Array.isArray(e) ? { identities: e } : e;
    // A known user id first, then a known anonymous id, else a new anonymous id. owners also holds
    // what earlier events of this batch added.
    const known = previousIdCandidates(previousId).find((i) => owners.has(identityKey(i.type, i.value)));
    const previous: ResolutionIdentity | null = previousId ? (known ?? { type: 'ANONYMOUS_ID', value: previousId }) : null;
    const identities = previous ? [...own, previous] : own;
    // The user ids an alias joins outright, and the customers holding them.
    const aliasUsers = new Set(previous?.type === 'USER_ID' ? identities.filter((i) => i.type === 'USER_ID').map((i) => identityKey(i.type, i.value)) : []);
    const aliasOwners = new Set([...aliasUsers].flatMap((k) => (owners.has(k) ? [resolve(owners.get(k)!)] : [])));
    const sorted = [...identities].sort((x, y) => rank(x.type) - rank(y.type));
    const owned = [
      ...anchors.map(resolve),
      ...sorted.map((i) => {
        const o = owners.get(identityKey(i.type, i.value));
        return o ? resolve(o) : undefined;
      }),
    ];
    const distinct = [...new Set(owned.filter((o): o is string => Boolean(o)))];
    let target: string;
    if (distinct.length === 0) {
      target = create();
    } else {
      let winner = distinct.reduce(better);
      for (const other of distinct) {
        if (other === winner) continue;
        const alias = aliasOwners.has(winner) && aliasOwners.has(other);
        const broken = alias ? null : mergeBreaks(winner, other);
        if (broken) {
          plan.conflicts.push({ winnerId: winner, loserId: other, reason: `cap_${broken.toLowerCase()}`, type: broken });
          continue;
        }
        plan.merges.push({ winnerId: winner, loserId: other, reason: alias ? 'alias' : 'shared_identity' });
        // A winner that absorbed one of the alias's user ids now holds it.
        if (aliasOwners.has(other)) aliasOwners.add(winner);
        redirect.set(other, winner);
        for (const [t, values] of customers.get(other)!.capped) for (const v of values) hold(winner, t, v);
        winner = resolve(winner);
      }
      target = resolve(owned.find((o): o is string => Boolean(o))!);
    }
    for (const identity of sorted) {
      const key = identityKey(identity.type, identity.value);
      if (owners.has(key)) continue;
      if (!aliasUsers.has(key) && !fits(target, identity.type, identity.value)) {
        // The capped identity names someone else: it and the rest of this event's unknown ids start a new customer.
        target = create();
      }
      owners.set(key, target);
      hold(target, identity.type, identity.value);
      plan.identities.push({ ...identity, customerId: target });
    }
    plan.targets.push(target);
  }
  plan.targets = plan.targets.map(resolve);
  plan.identities = plan.identities.map((i) => ({ ...i, customerId: resolve(i.customerId) }));
  return plan;
}

function cloneCapped(m: Map<IdentityType, Set<string>>) {
  return new Map([...m].map(([k, v]) => [k, new Set(v)]));
}
