/**
 * funnel: hand-checked cases, a seeded synthetic stream of a few hundred people checked against an
 * independent reference written from the definition (docs/analytics.md), and the refused inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunnelDocument, MergeCustomersDocument, type FunnelQueryVariables, type TouchpointInput } from '../generated/graphql.ts';
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
  });
});
