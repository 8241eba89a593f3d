/**
 * Live segments for W4: a deterministic, realistic mix of rules in the rule language of DESIGN.md,
 * over the vocabulary of the W1 stream (its event names, channels, properties, identify traits):
 * event counts within windows, sums of revenue, property filters, attribute and trait comparisons,
 * hasTag, lastSeen/firstSeen, and/or/not combinations, and a few inSegment references to segments
 * made earlier. The same (count, seed) always gives the same rules.
 */
import { seededRandom } from '../../src/lib/random.ts';

type Rng = ReturnType<typeof seededRandom>;
type Json = Record<string, unknown>;

export interface BenchSegmentRule {
  name: string;
  /** The rule; `ref(k)` is the id of the k-th segment created before this one (for inSegment). */
  rule: (ref: (k: number) => string) => Json;
  family: string;
}

const EVENTS = ['Page Viewed', 'Product Viewed', 'Added to Cart', 'Checkout Started', 'Order Completed', 'Screen Viewed', 'Login', 'Email Opened', 'Email Link Clicked', 'Ad Clicked'];
const CATEGORIES = ['shoes', 'bags', 'outerwear', 'accessories', 'beauty', 'home'];
const CHANNELS = ['WEB', 'APP', 'MINI_PROGRAM', 'EMAIL'];
const WINDOWS = [7, 14, 30, 60, 90, 365];
export const BENCH_TAGS = ['vip', 'newsletter', 'churn-risk', 'wholesale', 'app-user', 'loyal'];

const FAMILIES: { family: string; make: (r: Rng, i: number) => { name: string; rule: BenchSegmentRule['rule'] } }[] = [
  {
    family: 'event count in window',
    make: (r) => {
      const event = r.pick(EVENTS);
      const days = r.pick(WINDOWS);
      const n = r.pick([1, 2, 3, 5, 10]);
      return { name: `${n}+ × ${event} in ${days} days`, rule: () => ({ event, withinDays: days, count: { op: 'gte', value: n } }) };
    },
  },
  {
    family: 'revenue sum in window',
    make: (r) => {
      const days = r.pick([30, 90, 365]);
      const v = r.pick([100, 500, 1000, 5000]);
      return { name: `spend over ${v} in ${days} days`, rule: () => ({ event: 'Order Completed', withinDays: days, sum: { prop: 'revenue', op: 'gt', value: v } }) };
    },
  },
  {
    family: 'event with property filter',
    make: (r) => {
      const category = r.pick(CATEGORIES);
      const days = r.pick(WINDOWS);
      const n = r.pick([1, 2, 3]);
      return {
        name: `${n}+ ${category} views (${days} days)`,
        rule: () => ({ event: 'Product Viewed', where: [{ prop: 'category', op: 'eq', value: category }], withinDays: days, count: { op: 'gte', value: n } }),
      };
    },
  },
  {
    family: 'attribute comparison',
    make: (r) => {
      const pick = r.int(0, 3);
      if (pick === 0) {
        const v = r.pick([200, 500, 1000, 2000]);
        return { name: `lifetime value ≥ ${v}`, rule: () => ({ attr: 'lifetimeValue', op: 'gte', value: v }) };
      }
      if (pick === 1) {
        const v = r.pick([2, 3, 5]);
        return { name: `${v}+ orders`, rule: () => ({ attr: 'orderCount', op: 'gte', value: v }) };
      }
      if (pick === 2) {
        const v = r.pick([20, 50, 100]);
        return { name: `${v}+ touchpoints`, rule: () => ({ attr: 'touchpointCount', op: 'gte', value: v }) };
      }
      return { name: 'has an email', rule: () => ({ attr: 'email', op: 'exists' }) };
    },
  },
  {
    family: 'trait comparison',
    make: (r) => {
      const plans = r.chance(0.5) ? ['pro', 'team'] : [r.pick(['free', 'pro', 'team'])];
      return { name: `plan ${plans.join('/')}`, rule: () => (plans.length > 1 ? { trait: 'plan', op: 'in', value: plans } : { trait: 'plan', op: 'eq', value: plans[0] }) };
    },
  },
  {
    family: 'hasTag',
    make: (r) => {
      const tag = r.pick(BENCH_TAGS);
      return { name: `tagged ${tag}`, rule: () => ({ hasTag: tag }) };
    },
  },
  {
    family: 'lastSeen/firstSeen',
    make: (r) => {
      const days = r.pick([3, 7, 14, 30, 60]);
      const kind = r.int(0, 2);
      if (kind === 0) return { name: `at risk (not seen for ${days} days)`, rule: () => ({ lastSeen: { olderThanDays: days } }) };
      if (kind === 1) return { name: `seen in the last ${days} days`, rule: () => ({ lastSeen: { newerThanDays: days } }) };
      return { name: `new (first seen in ${days} days)`, rule: () => ({ firstSeen: { newerThanDays: days } }) };
    },
  },
  {
    family: 'channel buyers',
    make: (r) => {
      const channel = r.pick(CHANNELS.filter((c) => c !== 'EMAIL'));
      return { name: `${channel} buyers`, rule: () => ({ event: 'Order Completed', channel }) };
    },
  },
  {
    family: 'cart abandoners (and/not)',
    make: (r) => {
      const days = r.pick([3, 7, 14]);
      return {
        name: `cart abandoners (${days} days)`,
        rule: () => ({ and: [{ event: 'Added to Cart', withinDays: days }, { not: { event: 'Order Completed', withinDays: days } }] }),
      };
    },
  },
  {
    family: 'churn risk (and)',
    make: (r) => {
      const days = r.pick([7, 14, 30]);
      return {
        name: `paying, no login for ${days} days`,
        rule: () => ({ and: [{ trait: 'plan', op: 'in', value: ['pro', 'team'] }, { not: { event: 'Login', withinDays: days } }, { lastSeen: { newerThanDays: 90 } }] }),
      };
    },
  },
  {
    family: 'engaged (or)',
    make: (r) => {
      const days = r.pick([14, 30]);
      return {
        name: `email engaged or VIP (${days} days)`,
        rule: () => ({ or: [{ event: 'Email Opened', withinDays: days, count: { op: 'gte', value: 2 } }, { event: 'Email Link Clicked', withinDays: days }, { hasTag: 'vip' }] }),
      };
    },
  },
  {
    family: 'big-ticket interest (numeric property)',
    make: (r) => {
      const price = r.pick([100, 200, 300]);
      return { name: `viewed items over ${price}`, rule: () => ({ event: 'Product Viewed', where: [{ prop: 'price', op: 'gt', value: price }], withinDays: 30 }) };
    },
  },
];

/** Families whose rules reference earlier segments; added every `INSEGMENT_EVERY` rules once some exist. */
const INSEGMENT_EVERY = 20;

export function benchSegmentRules(count: number, seed = 11): BenchSegmentRule[] {
  const rng = seededRandom(seed);
  const out: BenchSegmentRule[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % INSEGMENT_EVERY === INSEGMENT_EVERY - 1) {
      const k = rng.int(0, i - 1);
      const days = rng.pick([7, 30]);
      out.push({
        family: 'inSegment',
        name: `${out[k]!.name}, seen in ${days} days (#${i})`,
        rule: (ref) => ({ and: [{ inSegment: ref(k) }, { lastSeen: { newerThanDays: days } }] }),
      });
      continue;
    }
    const f = FAMILIES[i % FAMILIES.length]!;
    const made = f.make(rng, i);
    out.push({ family: f.family, name: `${made.name} (#${i})`, rule: made.rule });
  }
  return out;
}

/** Creates the segments through the service (each one's membership computed at creation); returns their ids. */
export async function createBenchSegments(
  create: (input: { name: string; rule: unknown }) => Promise<{ id: string }>,
  rules: BenchSegmentRule[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const r of rules) {
    const s = await create({ name: r.name, rule: r.rule((k) => ids[k]!) });
    ids.push(s.id);
  }
  return ids;
}
