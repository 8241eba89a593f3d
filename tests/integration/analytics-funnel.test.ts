/**
 * funnel: hand-checked cases, a seeded synthetic stream of a few hundred people checked against an
 * independent reference written from the definition (docs/analytics.md), and the refused inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  FunnelBreakdownDocument,
  FunnelDocument,
  MergeCustomersDocument,
  type FunnelBreakdownQueryVariables,
  type FunnelQueryVariables,
  type TouchpointInput,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { FLOW, send, SYN_FROM, SYN_TO, synthetic } from '../helpers/synthetic-shop.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const H = 3_600_000;
type Channel = 'WEB' | 'APP' | 'EMAIL' | 'ADS';

/** A touchpoint as the reference sees it, with the id the server gave it. */
interface Ev {
  person: string;
  id: string;
  event: string;
  channel: string;
  at: number;
  props: Record<string, unknown>;
}

// ---------------------------------------------------------------- reference implementation

interface RefStep {
  event: string;
  channel?: string;
  minPrice?: number; // the reference knows the one filter the tests use: price > minPrice
}

const matches = (e: Ev, s: RefStep) => e.event === s.event && (!s.channel || e.channel === s.channel) && (s.minPrice === undefined || (e.props.price as number) > s.minPrice);
const byTime = (a: Ev, b: Ev) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Deepest step reachable from position `i` (having matched step `k`), by exhaustive search: the definition. */
function deepest(seq: Ev[], steps: RefStep[], start: number, i: number, k: number, windowMs: number, memo = new Map<number, number>()): number {
  if (k === steps.length - 1) return k + 1;
  const key = i * 16 + k;
  if (memo.has(key)) return memo.get(key)!;
  let best = k + 1;
  for (let j = i + 1; j < seq.length && seq[j]!.at <= seq[start]!.at + windowMs; j++) {
    if (matches(seq[j]!, steps[k + 1]!)) best = Math.max(best, deepest(seq, steps, start, j, k + 1, windowMs, memo));
    if (best === steps.length) break;
  }
  memo.set(key, best);
  return best;
}

/** The funnel of docs/analytics.md over events in [from, to): per step count and median seconds; by group when groupOf is given. */
function referenceFunnel(events: Ev[], steps: RefStep[], windowHours: number, from: number, to: number, groupOf?: (person: string, step1: Ev) => string | null) {
  const windowMs = windowHours * H;
  const byPerson = new Map<string, Ev[]>();
  for (const e of events) if (e.at >= from && e.at < to) byPerson.set(e.person, [...(byPerson.get(e.person) ?? []), e]);
  const groups = new Map<string | null, { counts: number[]; deltas: number[][] }>();
  const overall = { counts: steps.map(() => 0), deltas: steps.map((): number[] => []) };
  for (const [person, evs] of byPerson) {
    const seq = [...evs].sort(byTime);
    let best: { depth: number; times: number[]; step1: Ev } | null = null;
    for (let i = 0; i < seq.length; i++) {
      if (!matches(seq[i]!, steps[0]!)) continue;
      // the chain of earliest matches (whose times give the medians) ...
      const times = [seq[i]!.at];
      for (let k = 1, pos = i; k < steps.length; k++) {
        let j = pos + 1;
        while (j < seq.length && !matches(seq[j]!, steps[k]!)) j++;
        if (j >= seq.length || seq[j]!.at > seq[i]!.at + windowMs) break;
        times.push(seq[j]!.at);
        pos = j;
      }
      // ... reaches as deep as any chain from this step-1 occurrence
      expect(times.length).toBe(deepest(seq, steps, i, i, 0, windowMs));
      if (!best || times.length > best.depth) best = { depth: times.length, times, step1: seq[i]! };
    }
    if (!best) continue;
    const targets = [overall];
    if (groupOf) {
      const g = groupOf(person, best.step1);
      if (!groups.has(g)) groups.set(g, { counts: steps.map(() => 0), deltas: steps.map((): number[] => []) });
      targets.push(groups.get(g)!);
    }
    for (const target of targets)
      for (let k = 0; k < best.depth; k++) {
        target.counts[k]!++;
        if (k > 0) target.deltas[k]!.push((best.times[k]! - best.times[k - 1]!) / 1000);
      }
  }
  const shape = (x: typeof overall) => x.counts.map((count, k) => ({ count, median: k === 0 ? null : median(x.deltas[k]!) }));
  return {
    steps: shape(overall),
    groups: [...groups.entries()].map(([value, x]) => ({ value, steps: shape(x) })).sort((a, b) => b.steps[0]!.count - a.steps[0]!.count || (a.value ?? '\uffff').localeCompare(b.value ?? '\uffff')),
  };
}

/** Tuples in code-point order, a missing value (null) after every value: the order of groups with equal step-1 counts. */
function compareTuples(a: (string | null)[], b: (string | null)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The step with the largest dropOff / previous count (the earliest on ties), from the per-step counts: the definition. */
function refLargestDropOff(counts: number[], events: string[]) {
  let best: { step: number; event: string; dropOff: number; dropOffRate: number } | null = null;
  for (let k = 1; k < counts.length; k++) {
    if (counts[k - 1] === 0) continue;
    const rate = (counts[k - 1]! - counts[k]!) / counts[k - 1]!;
    if (best === null || rate > best.dropOffRate) best = { step: k + 1, event: events[k]!, dropOff: counts[k - 1]! - counts[k]!, dropOffRate: rate };
  }
  return best;
}

// ---------------------------------------------------------------- tests

describe.each(dbKinds)('funnel on %s', (kind) => {
  let t: TestServer;
  let events: Ev[] = [];
  let plans = new Map<string, string | null>();
  beforeAll(async () => {
    t = await startTestServer(kind);
    const syn = synthetic();
    const results = await send(t, syn.input);
    const ids = new Map<string, string>(); // identity → customer id
    syn.input.forEach((e, i) => ids.set(e.userId ?? e.anonymousId!, results[i]!.customerId!));
    for (const [anon, user] of syn.merges) await t.ok(MergeCustomersDocument, { winnerId: ids.get(user)!, loserId: ids.get(anon)! });
    events = syn.input.flatMap((e, i) =>
      e.event ? [{ person: syn.personOf[i]!, id: results[i]!.touchpointId!, event: e.event, channel: e.channel!, at: Date.parse(e.occurredAt!), props: e.properties! }] : [],
    );
    plans = syn.plans;
  }, 120_000);
  afterAll(() => t?.stop());

  const scope = (from: number, to: number) => ({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const funnel = async (v: FunnelQueryVariables) => (await t.ok(FunnelDocument, v)).funnel;

  it('hand-checked: order, window, retries and merged customers', async () => {
    const t0 = Date.UTC(2023, 0, 10, 12);
    const at = (hours: number) => new Date(t0 + hours * H).toISOString();
    let n = 0;
    const tp = (who: { userId?: string; anonymousId?: string }, event: string, hours: number, channel: Channel = 'WEB', amount = 20): TouchpointInput => ({
      messageId: `hand-${n++}`,
      event,
      channel,
      ...who,
      properties: { amount: event === 'Hand B' ? amount : 0 },
      occurredAt: at(hours),
    });
    const u = (id: string) => ({ userId: id });
    const input = [
      // p1: A, B (+1h), C (+2h) → reaches C. B−A = 3600 s, C−B = 3600 s.
      tp(u('h1'), 'Hand A', 0), tp(u('h1'), 'Hand B', 1), tp(u('h1'), 'Hand C', 2),
      // p2: A, C, B → reaches B only (no C after the B). B−A = 7200 s. Its B has amount "5" (a numeric string).
      tp(u('h2'), 'Hand A', 0), tp(u('h2'), 'Hand C', 1), { ...tp(u('h2'), 'Hand B', 2), properties: { amount: '5' } },
      // p3: A, then B 30 h later: outside the 24 h window → A only.
      tp(u('h3'), 'Hand A', 0), tp(u('h3'), 'Hand B', 30),
      // p4: B, A, B → the B before A does not count; A→B (+2h) does: reaches B, B−A = 7200 s.
      tp(u('h4'), 'Hand B', 0), tp(u('h4'), 'Hand A', 1), tp(u('h4'), 'Hand B', 3),
      // p5: A (APP) at 0, A (EMAIL) at 20h, B at 25h, C at 50h. From the first A, B is 25 h later (too late);
      // from the second, B is 5 h later → reaches B (best attempt: the second, channel EMAIL), B−A = 18000 s;
      // C is 30 h after the second A → not reached.
      tp(u('h5'), 'Hand A', 0, 'APP'), tp(u('h5'), 'Hand A', 20, 'EMAIL'), tp(u('h5'), 'Hand B', 25), tp(u('h5'), 'Hand C', 50),
      // p6: A anonymously, then B, C as a known user; merged below → one person reaching C. 600 s and 600 s.
      tp({ anonymousId: 'h6-anon' }, 'Hand A', 0), tp(u('h6'), 'Hand B', 1 / 6), tp(u('h6'), 'Hand C', 2 / 6),
      // p8: B exactly 24 h after A: the window is inclusive → reaches B, B−A = 86400 s. A on APP.
      tp(u('h8'), 'Hand A', 0, 'APP'), tp(u('h8'), 'Hand B', 24),
      // p9: C, B only → never enters the funnel.
      tp(u('h9'), 'Hand C', 0), tp(u('h9'), 'Hand B', 1),
    ];
    const results = await send(t, input);
    const cid = (i: number) => results[i]!.customerId!;
    const anonIdx = input.findIndex((e) => e.anonymousId === 'h6-anon');
    await t.ok(MergeCustomersDocument, { winnerId: cid(anonIdx + 1), loserId: cid(anonIdx) });

    const steps = [{ event: 'Hand A' }, { event: 'Hand B' }, { event: 'Hand C' }];
    const r = await funnel({ scope: scope(t0 - H, t0 + 100 * H), steps, windowHours: 24, breakdownBy: { by: 'CHANNEL' } });
    // Step 1: p1 p2 p3 p4 p5 p6 p8 = 7. Step 2: p1 p2 p4 p5 p6 p8 = 6. Step 3: p1 p6 = 2.
    // B−A medians: 600 3600 7200 7200 18000 86400 → (7200 + 7200) / 2. C−B: 600, 3600 → 2100.
    expect(r.steps).toEqual([
      { index: 1, event: 'Hand A', count: 7, conversionFromPrevious: 1, conversionFromFirst: 1, dropOff: 0, dropOffRate: null, medianSecondsFromPrevious: null },
      { index: 2, event: 'Hand B', count: 6, conversionFromPrevious: 6 / 7, conversionFromFirst: 6 / 7, dropOff: 1, dropOffRate: 1 / 7, medianSecondsFromPrevious: 7200 },
      { index: 3, event: 'Hand C', count: 2, conversionFromPrevious: 2 / 6, conversionFromFirst: 2 / 7, dropOff: 4, dropOffRate: 4 / 6, medianSecondsFromPrevious: 2100 },
    ]);
    // By the channel of the step-1 touchpoint of the best attempt: WEB p1 p2 p3 p4 p6; APP p8; EMAIL p5
    // (its first A was on APP, but the attempt that got furthest started on EMAIL).
    expect(r.breakdown!.map((g) => [g.value, g.steps.map((s) => s.count)])).toEqual([
      ['WEB', [5, 4, 2]],
      ['APP', [1, 1, 0]],
      ['EMAIL', [1, 1, 0]],
    ]);
    expect(r.breakdownTruncated).toBe(false);

    // A filter on B: amount > 10. p2's B has amount "5" → p2 stops at A. B−A: 600 3600 7200 18000 86400 → 7200.
    const f = await funnel({ scope: scope(t0 - H, t0 + 100 * H), steps: [steps[0]!, { event: 'Hand B', where: [{ prop: 'amount', op: 'GT', value: 10 }] }], windowHours: 24 });
    expect(f.steps.map((s) => [s.count, s.medianSecondsFromPrevious])).toEqual([[7, null], [5, 7200]]);
    // A numeric string compares as a number: amount < 10 keeps only p2's B.
    const g = await funnel({ scope: scope(t0 - H, t0 + 100 * H), steps: [steps[0]!, { event: 'Hand B', where: [{ prop: 'amount', op: 'LT', value: 10 }] }], windowHours: 24 });
    expect(g.steps.map((s) => s.count)).toEqual([7, 1]);
    // A channel on a step: B on WEB only (all Bs are WEB) changes nothing; A on APP: p5 (first A) and p8.
    // p5 from its APP A: B is 25 h later → 1 step only; p8 reaches B.
    const c = await funnel({ scope: scope(t0 - H, t0 + 100 * H), steps: [{ event: 'Hand A', channel: 'APP' }, { event: 'Hand B', channel: 'WEB' }], windowHours: 24 });
    expect(c.steps.map((s) => s.count)).toEqual([2, 1]);
    // A window of 1 hour: p1 (B+1h), p6 (B+10min) reach B; p6 reaches C 20 min after A; p1's C is 2 h after A.
    const w = await funnel({ scope: scope(t0 - H, t0 + 100 * H), steps, windowHours: 1 });
    expect(w.steps.map((s) => s.count)).toEqual([7, 2, 1]);
    // The scope cuts touchpoints: from t0 + 0.5h drops every A at t0 except p5's second and p4's (t0+1h).
    const s = await funnel({ scope: scope(t0 + H / 2, t0 + 100 * H), steps, windowHours: 24 });
    expect(s.steps.map((x) => x.count)).toEqual([2, 2, 0]);
  });

  it('hand-checked: a step at the same instant as the previous one counts only after it in touchpoint order', async () => {
    const at = new Date(Date.UTC(2023, 2, 1)).toISOString();
    const r = await send(t, [
      { messageId: 'tie-a', event: 'Hand A', userId: 'tie', occurredAt: at },
      { messageId: 'tie-b', event: 'Hand B', userId: 'tie', occurredAt: at },
    ]);
    const [a, b] = [r[0]!.touchpointId!, r[1]!.touchpointId!];
    const f = await funnel({ scope: scope(Date.UTC(2023, 2, 1), Date.UTC(2023, 2, 2)), steps: [{ event: 'Hand A' }, { event: 'Hand B' }], windowHours: 1 });
    // Same time: B follows A iff its id sorts after A's (uuid order = lowercase hex order).
    expect(f.steps.map((s) => s.count)).toEqual([1, b > a ? 1 : 0]);
    // The same event twice as two steps needs two touchpoints: one Hand A is not A → A.
    const twice = await funnel({ scope: scope(Date.UTC(2023, 2, 1), Date.UTC(2023, 2, 2)), steps: [{ event: 'Hand A' }, { event: 'Hand A' }], windowHours: 1 });
    expect(twice.steps.map((s) => s.count)).toEqual([1, 0]);
  });

  const cases: { name: string; steps: RefStep[]; windowHours: number }[] = [
    { name: '4 steps, 24 h', steps: [{ event: 'Page Viewed' }, { event: 'Product Viewed' }, { event: 'Added to Cart' }, { event: 'Order Completed' }], windowHours: 24 },
    { name: '3 steps, 2 h, a filter', steps: [{ event: 'Product Viewed' }, { event: 'Added to Cart', minPrice: 50 }, { event: 'Checkout Started' }], windowHours: 2 },
    { name: 'repeated event, channel', steps: [{ event: 'Product Viewed', channel: 'WEB' }, { event: 'Product Viewed' }, { event: 'Added to Cart' }], windowHours: 72 },
    { name: '5 steps, a week', steps: FLOW.map((event) => ({ event })), windowHours: 168 },
    // One step is a valid funnel: the people who did it (in scope, matching the step's channel and filters).
    { name: 'one step', steps: [{ event: 'Added to Cart' }], windowHours: 24 },
    { name: 'one step, channel and a filter', steps: [{ event: 'Added to Cart', channel: 'WEB', minPrice: 50 }], windowHours: 1 },
  ];
  const toInput = (s: RefStep) => ({ event: s.event, channel: s.channel as Channel | undefined, where: s.minPrice === undefined ? undefined : [{ prop: 'price', op: 'GT' as const, value: s.minPrice }] });

  it.each(cases)('synthetic: $name equals the reference', async ({ steps, windowHours }) => {
    const from = SYN_FROM + 5 * 86_400_000;
    const to = SYN_TO - 10 * 86_400_000;
    const started = performance.now();
    const r = await funnel({ scope: scope(from, to), steps: steps.map(toInput), windowHours, breakdownBy: { by: 'CHANNEL' } });
    const ms = performance.now() - started;
    if (steps.length === 4) console.log(`[${kind}] 4-step funnel over ${events.length} touchpoints: ${ms.toFixed(0)} ms`);
    const ref = referenceFunnel(events, steps, windowHours, from, to, (_, step1) => step1.channel);
    expect(ref.steps[steps.length - 1]!.count).toBeGreaterThan(0);
    const shape = (xs: { count: number; medianSecondsFromPrevious: number | null }[]) => xs.map((s) => ({ count: s.count, median: s.medianSecondsFromPrevious }));
    expect(shape(r.steps)).toEqual(ref.steps);
    expect(r.breakdown!.map((g) => ({ value: g.value, steps: shape(g.steps) }))).toEqual(ref.groups);
  });

  it('synthetic: breakdown by a trait equals the reference (no trait → null group)', async () => {
    const steps: RefStep[] = [{ event: 'Product Viewed' }, { event: 'Added to Cart' }, { event: 'Checkout Started' }, { event: 'Order Completed' }];
    const r = await funnel({ scope: scope(SYN_FROM, SYN_TO), steps: steps.map(toInput), windowHours: 48, breakdownBy: { by: 'TRAIT', traitKey: 'plan' } });
    const ref = referenceFunnel(events, steps, 48, SYN_FROM, SYN_TO, (person) => plans.get(person) ?? null);
    expect(r.breakdown!.map((g) => ({ value: g.value, steps: g.steps.map((s) => ({ count: s.count, median: s.medianSecondsFromPrevious })) }))).toEqual(ref.groups);
    expect(r.breakdown!.some((g) => g.value === null)).toBe(true);
  });

  it('synthetic: breakdown by [CHANNEL of the step-1 touchpoint, TRAIT plan] and by DAY_OF_WEEK equal the reference, with the largest drop-off', async () => {
    const steps: RefStep[] = [{ event: 'Page Viewed' }, { event: 'Product Viewed' }, { event: 'Added to Cart' }, { event: 'Order Completed' }];
    const names = steps.map((x) => x.event);
    const from = SYN_FROM + 3 * 86_400_000;
    const cases: { breakdown: FunnelBreakdownQueryVariables['breakdown']; key: (person: string, step1: Ev) => (string | null)[] }[] = [
      { breakdown: [{ by: 'CHANNEL' }, { by: 'TRAIT', key: 'plan' }], key: (person, step1) => [step1.channel, plans.get(person) ?? null] },
      { breakdown: [{ by: 'DAY_OF_WEEK' }], key: (_, step1) => [String(((new Date(step1.at).getUTCDay() + 6) % 7) + 1)] },
    ];
    for (const c of cases) {
      const r = (await t.ok(FunnelBreakdownDocument, { scope: scope(from, SYN_TO), steps: steps.map(toInput), windowHours: 48, breakdown: c.breakdown })).funnel;
      const ref = referenceFunnel(events, steps, 48, from, SYN_TO, (person, step1) => JSON.stringify(c.key(person, step1)));
      const want = ref.groups
        .map((g) => ({ key: JSON.parse(g.value!) as (string | null)[], steps: g.steps }))
        .sort((a, b) => b.steps[0]!.count - a.steps[0]!.count || compareTuples(a.key, b.key));
      expect(want.length).toBeGreaterThan(5);
      const shape = (xs: { count: number; medianSecondsFromPrevious: number | null }[]) => xs.map((x) => ({ count: x.count, median: x.medianSecondsFromPrevious }));
      expect(shape(r.steps)).toEqual(ref.steps);
      expect(r.breakdown!.map((g) => ({ key: g.breakdownValue, steps: shape(g.steps) }))).toEqual(want);
      // value is the single dimension's value, null with several.
      expect(r.breakdown!.map((g) => g.value)).toEqual(want.map((w) => (w.key.length === 1 ? w.key[0] : null)));
      const closeTo = (got: { dropOffRate: number } | null | undefined, w: ReturnType<typeof refLargestDropOff>) => {
        expect(got ? { ...got, dropOffRate: Number(got.dropOffRate.toFixed(12)) } : null).toEqual(w ? { ...w, dropOffRate: Number(w.dropOffRate.toFixed(12)) } : null);
      };
      closeTo(r.largestDropOff, refLargestDropOff(ref.steps.map((x) => x.count), names));
      r.breakdown!.forEach((g, i) => closeTo(g.largestDropOff, refLargestDropOff(want[i]!.steps.map((x) => x.count), names)));
    }
  });

  it('hand-checked: largest drop-off by rate (ties → earliest, none for one step or an empty funnel); SEGMENT and ACCOUNT_TRAIT groups', async () => {
    const at0 = Date.UTC(2023, 5, 1, 9);
    const at = (min: number) => new Date(at0 + min * 60_000).toISOString();
    let n = 0;
    const tp = (user: string, event: string, min: number, channel: Channel = 'WEB'): TouchpointInput => ({ messageId: `ldo-${n++}`, event, channel, userId: user, occurredAt: at(min) });
    // 8 people start; 4 reach B (rate 4/8 = 0.5, 4 lost); 2 reach C (2/4 = 0.5, a tie: the earlier step, B, wins); 1 reaches D (1/2).
    const input: TouchpointInput[] = [];
    for (let p = 0; p < 8; p++) {
      const u = `ldo-${p}`;
      input.push(tp(u, 'Ldo A', 0, p < 2 ? 'APP' : 'WEB'));
      if (p < 4) input.push(tp(u, 'Ldo B', 1));
      if (p < 2) input.push(tp(u, 'Ldo C', 2));
      if (p < 1) input.push(tp(u, 'Ldo D', 3));
    }
    // Traits and accounts: ldo-0..3 plan "pro" (a segment), ldo-0 and ldo-4 in account acme (tier gold), ldo-0 also in beta (tier silver,
    // joined later), ldo-5 in beta only.
    input.push(
      ...[0, 1, 2, 3].map((p): TouchpointInput => ({ messageId: `ldo-id-${p}`, type: 'IDENTIFY', userId: `ldo-${p}`, traits: { plan: 'pro' }, occurredAt: at(-10) })),
      { messageId: 'ldo-g1', type: 'GROUP', userId: 'ldo-0', groupId: 'ldo-acme', traits: { tier: 'gold' }, occurredAt: at(-9) },
      { messageId: 'ldo-g2', type: 'GROUP', userId: 'ldo-4', groupId: 'ldo-acme', occurredAt: at(-9) },
      { messageId: 'ldo-g3', type: 'GROUP', userId: 'ldo-0', groupId: 'ldo-beta', traits: { tier: 'silver' }, occurredAt: at(-5) },
      { messageId: 'ldo-g4', type: 'GROUP', userId: 'ldo-5', groupId: 'ldo-beta', occurredAt: at(-5) },
    );
    await send(t, input);
    await t.ok(CreateSegmentDocument, { input: { name: 'Ldo pro', rule: { trait: 'plan', op: 'eq', value: 'pro' } } });
    const sc = scope(at0 - H, at0 + H);
    const steps = ['Ldo A', 'Ldo B', 'Ldo C', 'Ldo D'].map((event) => ({ event }));
    const r = (await t.ok(FunnelBreakdownDocument, { scope: sc, steps, windowHours: 1, breakdown: [{ by: 'CHANNEL' }] })).funnel;
    expect(r.steps.map((x) => x.count)).toEqual([8, 4, 2, 1]);
    expect(r.largestDropOff).toEqual({ step: 2, event: 'Ldo B', dropOff: 4, dropOffRate: 0.5 });
    // WEB: ldo-2..7 → [6, 2, 0, 0]: B loses 4/6, C loses 2/2 = 1 (the largest), D has no rate (nobody reached C).
    // APP: ldo-0, ldo-1 → [2, 2, 2, 1]: B and C lose nothing, D loses 1/2.
    expect(r.breakdown!.map((g) => [g.breakdownValue, g.steps.map((x) => x.count), g.largestDropOff])).toEqual([
      [['WEB'], [6, 2, 0, 0], { step: 3, event: 'Ldo C', dropOff: 2, dropOffRate: 1 }],
      [['APP'], [2, 2, 2, 1], { step: 4, event: 'Ldo D', dropOff: 1, dropOffRate: 0.5 }],
    ]);
    // One step: no drop-off anywhere. A funnel nobody entered (scope without touchpoints): none either.
    const one = (await t.ok(FunnelBreakdownDocument, { scope: sc, steps: steps.slice(0, 1), windowHours: 1 })).funnel;
    expect(one.largestDropOff).toBeNull();
    const empty = (await t.ok(FunnelBreakdownDocument, { scope: scope(at0 + 2 * H, at0 + 3 * H), steps, windowHours: 1 })).funnel;
    expect([empty.steps.map((x) => x.count), empty.largestDropOff]).toEqual([[0, 0, 0, 0], null]);

    // SEGMENT: ldo-0..3 are in "Ldo pro" (the only segment this file makes); the rest are in none (null). Equal step-1
    // counts: a value sorts before a missing one. The overall counts stay per person.
    const seg = (await t.ok(FunnelBreakdownDocument, { scope: sc, steps, windowHours: 1, breakdown: [{ by: 'SEGMENT' }] })).funnel;
    expect(seg.steps.map((x) => x.count)).toEqual([8, 4, 2, 1]);
    expect(seg.breakdown!.map((g) => [g.breakdownValue, g.steps.map((x) => x.count)])).toEqual([
      [['Ldo pro'], [4, 4, 2, 1]],
      [[null], [4, 0, 0, 0]],
    ]);
    // ACCOUNT_TRAIT tier: ldo-0 is in acme (gold) and beta (silver) and counts under acme, joined first; ldo-4 is in acme
    // (gold), ldo-5 in beta (silver); everyone else has no account (null). Groups by size: null 5 (1, 2, 3, 6, 7), gold 2 (0, 4), silver 1 (5).
    const acc = (await t.ok(FunnelBreakdownDocument, { scope: sc, steps, windowHours: 1, breakdown: [{ by: 'ACCOUNT_TRAIT', key: 'tier' }] })).funnel;
    expect(acc.breakdown!.map((g) => [g.breakdownValue, g.steps.map((x) => x.count)])).toEqual([
      [[null], [5, 3, 1, 0]],
      [['gold'], [2, 1, 1, 1]],
      [['silver'], [1, 0, 0, 0]],
    ]);
  });

  it('refuses bad input with codes', async () => {
    const base = { scope: scope(SYN_FROM, SYN_TO), steps: [{ event: 'Page Viewed' }], windowHours: 24 };
    const err = async (v: FunnelQueryVariables) => {
      const r = await t.gql(FunnelDocument, v);
      expect(r.data ?? null).toBeNull();
      return { code: r.errors?.[0]?.extensions?.code, message: r.errors?.[0]?.message ?? '', ext: r.errors?.[0]?.extensions };
    };
    expect(await err({ ...base, steps: [] })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('at least one step') });
    expect(await err({ ...base, steps: Array.from({ length: 11 }, () => ({ event: 'Page Viewed' })) })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('at most 10') });
    for (const windowHours of [0, -1, 8761])
      expect(await err({ ...base, windowHours })).toMatchObject({ code: 'BAD_USER_INPUT', ext: expect.objectContaining({ field: 'windowHours' }) });
    expect(await err({ ...base, steps: [{ event: 'Page Viewed' }, { event: 'Page Veiwed' }] })).toMatchObject({
      code: 'UNKNOWN_EVENT',
      message: expect.stringContaining('"Page Veiwed"'),
      ext: expect.objectContaining({ events: ['Page Veiwed'] }),
    });
    expect(await err({ ...base, steps: [{ event: '' }] })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await err({ ...base, steps: [{ event: 'Page Viewed', where: [{ prop: 'price', op: 'IN', value: 3 }] }] })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await err({ ...base, steps: [{ event: 'Page Viewed', where: [{ prop: 'price', op: 'GT' }] }] })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await err({ ...base, breakdownBy: { by: 'TRAIT' } })).toMatchObject({ code: 'BAD_USER_INPUT', ext: expect.objectContaining({ field: 'breakdownBy.traitKey' }) });
    expect(await err({ ...base, scope: scope(SYN_TO, SYN_FROM) })).toMatchObject({ code: 'BAD_USER_INPUT' });
    // The shared breakdown dimensions: their codes, and not both forms at once.
    const errB = async (v: FunnelBreakdownQueryVariables) => (await t.gql(FunnelBreakdownDocument, v)).errors?.[0]?.extensions;
    expect(await errB({ ...base, breakdown: [{ by: 'CHANNEL' }, { by: 'TRAIT', key: 'plan' }, { by: 'SEGMENT' }, { by: 'HOUR_OF_DAY' }] })).toMatchObject({ code: 'TOO_MANY_BREAKDOWNS', max: 3 });
    expect(await errB({ ...base, breakdown: [{ by: 'ACCOUNT_TRAIT' }] })).toMatchObject({ code: 'BAD_BREAKDOWN', field: 'breakdown[0].key' });
    expect(await errB({ ...base, breakdown: [{ by: 'ATTRIBUTE', key: 'email' }] })).toMatchObject({ code: 'BAD_BREAKDOWN', field: 'breakdown[0].key' });
    const both = await t.gql(`query { funnel(scope: { from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z" }, steps: [{ event: "Page Viewed" }], windowHours: 1, breakdownBy: { by: CHANNEL }, breakdown: [{ by: CHANNEL }]) { windowHours } }`);
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'breakdownBy' });
    // READER keys: no breakdown by a personal trait, of the person or of their account.
    const reader = { authorization: `Bearer ${t.keys.READER}` };
    for (const by of ['TRAIT', 'ACCOUNT_TRAIT'] as const) {
      const r = await t.gql(FunnelBreakdownDocument, { ...base, breakdown: [{ by: 'CHANNEL' }, { by, key: 'email' }] }, reader);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', paths: ['breakdown[1].key'] });
    }
    expect((await t.gql(FunnelBreakdownDocument, { ...base, breakdown: [{ by: 'ACCOUNT_TRAIT', key: 'tier' }] }, reader)).errors).toBeUndefined();
  });
});
