/**
 * retention and paths: small hand-checked cases, the seeded synthetic stream of analytics-funnel.test.ts
 * (tests/helpers/synthetic-shop.ts) checked against independent references written from the definitions, and
 * the refused inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MergeCustomersDocument, PathsDocument, RetentionDocument, type CohortPeriod, type PathsQueryVariables, type RetentionQueryVariables, type TouchpointInput } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { send, SYN_FROM, SYN_TO, synthetic } from '../helpers/synthetic-shop.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const H = 3_600_000;
const DAY = 86_400_000;

interface Ev {
  person: string;
  id: string;
  event: string;
  at: number;
}


// ---------------------------------------------------------------- references

const byTime = (a: Ev, b: Ev) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function sequences(events: Ev[], from: number, to: number): Map<string, Ev[]> {
  const byPerson = new Map<string, Ev[]>();
  for (const e of events) if (e.at >= from && e.at < to) byPerson.set(e.person, [...(byPerson.get(e.person) ?? []), e]);
  for (const seq of byPerson.values()) seq.sort(byTime);
  return byPerson;
}

function periodOf(at: number, period: CohortPeriod): number {
  const d = new Date(at);
  if (period === 'MONTH') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return period === 'DAY' ? day : day - ((d.getUTCDay() + 6) % 7) * DAY; // weeks start on Monday
}

function periodsBetween(cohort: number, p: number, period: CohortPeriod): number {
  if (period === 'MONTH') {
    const a = new Date(cohort);
    const b = new Date(p);
    return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
  }
  return Math.round((p - cohort) / DAY / (period === 'WEEK' ? 7 : 1));
}

/** Retention from the definition: cohort = period of the first start; returns after that touchpoint. */
function referenceRetention(events: Ev[], from: number, to: number, period: CohortPeriod, start: string, ret: string, periods: number) {
  const cohorts = new Map<number, { size: number; cells: Set<string>[] }>();
  for (const seq of sequences(events, from, to).values()) {
    const first = seq.findIndex((e) => e.event === start);
    if (first < 0) continue;
    const cp = periodOf(seq[first]!.at, period);
    if (!cohorts.has(cp)) cohorts.set(cp, { size: 0, cells: Array.from({ length: periods }, () => new Set<string>()) });
    const c = cohorts.get(cp)!;
    c.size++;
    for (const e of seq.slice(first + 1)) {
      if (e.event !== ret) continue;
      const k = periodsBetween(cp, periodOf(e.at, period), period);
      if (k < periods) c.cells[k]!.add(e.person);
    }
  }
  return [...cohorts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([cp, c]) => ({
      start: new Date(cp).toISOString(),
      size: c.size,
      retained: c.cells.map((s, k) => {
        const ks = new Date(cp);
        const kStart = period === 'MONTH' ? Date.UTC(ks.getUTCFullYear(), ks.getUTCMonth() + k, 1) : cp + k * (period === 'WEEK' ? 7 : 1) * DAY;
        return kStart >= to ? null : s.size;
      }),
    }));
}

/** Paths from the definition: per person from the first anchor, collapse repeats, take depth steps. */
function referencePaths(events: Ev[], from: number, to: number, anchor: string, forward: boolean, depth: number) {
  const counts = new Map<string, number>();
  let total = 0;
  for (const seq of sequences(events, from, to).values()) {
    const first = seq.findIndex((e) => e.event === anchor);
    if (first < 0) continue;
    total++;
    const collapsed: { event: string; i: number }[] = [];
    seq.forEach((e, i) => {
      if (collapsed.length === 0 || collapsed[collapsed.length - 1]!.event !== e.event) collapsed.push({ event: e.event, i });
    });
    const a = collapsed.findIndex((c) => c.i === first);
    const path = forward ? collapsed.slice(a + 1, a + 1 + depth) : collapsed.slice(Math.max(0, a - depth), a);
    const key = JSON.stringify(path.map((c) => c.event));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { total, counts };
}

// ---------------------------------------------------------------- tests

describe.each(dbKinds)('retention and paths on %s', (kind) => {
  let t: TestServer;
  let events: Ev[] = [];
  beforeAll(async () => {
    t = await startTestServer(kind);
    const syn = synthetic();
    const results = await send(t, syn.input);
    const ids = new Map<string, string>();
    syn.input.forEach((e, i) => ids.set(e.userId ?? e.anonymousId!, results[i]!.customerId!));
    for (const [anon, user] of syn.merges) await t.ok(MergeCustomersDocument, { winnerId: ids.get(user)!, loserId: ids.get(anon)! });
    events = syn.input.flatMap((e, i) => (e.event ? [{ person: syn.personOf[i]!, id: results[i]!.touchpointId!, event: e.event, at: Date.parse(e.occurredAt!) }] : []));
  }, 120_000);
  afterAll(() => t?.stop());

  const scope = (from: number, to: number) => ({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const retention = async (v: RetentionQueryVariables) => (await t.ok(RetentionDocument, v)).retention;
  const paths = async (v: PathsQueryVariables) => (await t.ok(PathsDocument, v)).paths;
  const code = async (r: Promise<{ errors?: { extensions?: Record<string, unknown> }[]; data?: unknown }>) => {
    const x = await r;
    return x.errors?.[0]?.extensions?.code;
  };

  it('retention, hand-checked by weeks (Mondays, UTC)', async () => {
    const at = (iso: string) => new Date(iso).toISOString();
    let n = 0;
    const tp = (userId: string, event: string, iso: string): TouchpointInput => ({ messageId: `ret-${n++}`, event, userId, occurredAt: at(iso) });
    await send(t, [
      // r1: signs up Mon 1 May; logs in the same day (k=0), Tue 9 May (k=1), 22 May (k=3).
      tp('r1', 'Ret Signup', '2023-05-01T10:00:00Z'), tp('r1', 'Ret Login', '2023-05-01T12:00:00Z'), tp('r1', 'Ret Login', '2023-05-09T08:00:00Z'), tp('r1', 'Ret Login', '2023-05-22T08:00:00Z'),
      // r2: a login before signing up (Wed 3 May) does not count; 15 May is k=2.
      tp('r2', 'Ret Login', '2023-05-02T10:00:00Z'), tp('r2', 'Ret Signup', '2023-05-03T10:00:00Z'), tp('r2', 'Ret Login', '2023-05-15T10:00:00Z'),
      // r3: cohort of its first signup (week of 8 May); signs up again 20 May; logs in Sun 21 May (week of 15 May: k=1).
      tp('r3', 'Ret Signup', '2023-05-08T10:00:00Z'), tp('r3', 'Ret Signup', '2023-05-20T10:00:00Z'), tp('r3', 'Ret Login', '2023-05-21T23:00:00Z'),
      // r4: logs in, never signs up: in no cohort.
      tp('r4', 'Ret Login', '2023-05-02T10:00:00Z'),
      // r5: signs up Sunday 14 May 23:30 (week of 8 May), logs in Monday 00:10 (next week: k=1).
      tp('r5', 'Ret Signup', '2023-05-14T23:30:00Z'), tp('r5', 'Ret Login', '2023-05-15T00:10:00Z'),
    ]);
    const range = scope(Date.UTC(2023, 4, 1), Date.UTC(2023, 4, 29));
    const r = await retention({ scope: range, cohortPeriod: 'WEEK', startEvent: 'Ret Signup', returnEvent: 'Ret Login', periods: 4 });
    // Week of 29 May starts at `to`: not observed → null.
    expect(r.cohorts).toEqual([
      { start: '2023-05-01T00:00:00.000Z', size: 2, retained: [1, 1, 1, 1], rates: [0.5, 0.5, 0.5, 0.5] },
      { start: '2023-05-08T00:00:00.000Z', size: 2, retained: [0, 2, 0, null], rates: [0, 1, 0, null] },
    ]);
    // The same event as start and return: the first signup itself is not a return; r3's second one is (k=1).
    const same = await retention({ scope: range, cohortPeriod: 'WEEK', startEvent: 'Ret Signup', returnEvent: 'Ret Signup', periods: 2 });
    expect(same.cohorts.map((c) => [c.start.slice(0, 10), c.size, c.retained])).toEqual([
      ['2023-05-01', 2, [0, 0]],
      ['2023-05-08', 2, [0, 1]],
    ]);
    // By day: r5 signs up on the 14th and returns on the 15th (k=1); r1 the same day (k=0).
    const days = await retention({ scope: range, cohortPeriod: 'DAY', startEvent: 'Ret Signup', returnEvent: 'Ret Login', periods: 2 });
    expect(days.cohorts.map((c) => [c.start.slice(0, 10), c.size, c.retained])).toEqual([
      ['2023-05-01', 1, [1, 0]],
      ['2023-05-03', 1, [0, 0]],
      ['2023-05-08', 1, [0, 0]],
      ['2023-05-14', 1, [0, 1]],
    ]);
  });

  it.each(['DAY', 'WEEK', 'MONTH'] as const)('retention by %s on the synthetic stream equals the reference', async (period) => {
    const from = SYN_FROM + 3 * DAY;
    const to = SYN_TO - 4 * DAY - 5 * H;
    const periods = period === 'MONTH' ? 3 : 8;
    for (const [start, ret] of [
      ['Product Viewed', 'Order Completed'],
      ['Page Viewed', 'Page Viewed'],
    ] as const) {
      const r = await retention({ scope: scope(from, to), cohortPeriod: period, startEvent: start, returnEvent: ret, periods });
      const ref = referenceRetention(events, from, to, period, start, ret, periods);
      expect(ref.some((c) => c.retained.some((x) => x !== null && x > 0))).toBe(true);
      expect(r.cohorts.map(({ start, size, retained }) => ({ start, size, retained }))).toEqual(ref);
      for (const c of r.cohorts) expect(c.rates).toEqual(c.retained.map((x) => (x === null ? null : x / c.size)));
    }
  });

  it('paths, hand-checked', async () => {
    const t0 = Date.UTC(2023, 6, 1);
    let n = 0;
    const seq = (userId: string, evs: string[]) => evs.map((e, i): TouchpointInput => ({ messageId: `path-${n++}`, event: `Path ${e}`, userId, occurredAt: new Date(t0 + i * 60_000).toISOString() }));
    await send(t, [
      ...seq('q1', ['Start', 'X', 'X', 'Y', 'Z']), // after: X (the repeat collapsed), Y
      ...seq('q2', ['X', 'Start', 'Start', 'X', 'Y']), // the anchor's own repeat is not a step: X, Y
      ...seq('q3', ['Start', 'Y']), // Y
      ...seq('q4', ['Start']), // nothing after: the empty path
      ...seq('q5', ['Start', 'X', 'Y', 'Start', 'W']), // from the FIRST Start: X, Y
      ...seq('q6', ['X', 'Y']), // no Start: not counted
    ]);
    const range = scope(t0, t0 + DAY);
    const fwd = await paths({ scope: range, startEvent: 'Path Start', depth: 2 });
    expect(fwd.totalPeople).toBe(5);
    expect(fwd.paths).toEqual([
      { events: ['Path X', 'Path Y'], people: 3, share: 0.6 },
      { events: [], people: 1, share: 0.2 },
      { events: ['Path Y'], people: 1, share: 0.2 },
    ]);
    // depth 1 and a limit of 1: X (q1, q2, q5) beats Y (q3) and nothing (q4).
    expect((await paths({ scope: range, startEvent: 'Path Start', depth: 1, limit: 1 })).paths).toEqual([{ events: ['Path X'], people: 3, share: 0.6 }]);
    // Before the first Y (depth 3): q1 Start,X,X → Start,X; q2 X,Start,Start,X → X,Start,X; q3 Start; q5 Start,X. q6 X.
    const back = await paths({ scope: range, endEvent: 'Path Y', depth: 3 });
    expect(back.totalPeople).toBe(5);
    expect(back.paths.map((p) => [p.events.map((e) => e.slice(5)), p.people])).toEqual([
      [['Start', 'X'], 2],
      [['Start'], 1],
      [['X'], 1],
      [['X', 'Start', 'X'], 1],
    ]);
  });

  it('paths on the synthetic stream equal the reference (forward and backward)', async () => {
    const from = SYN_FROM;
    const to = SYN_TO - 20 * DAY;
    for (const [anchor, forward, depth] of [
      ['Product Viewed', true, 3],
      ['Order Completed', false, 3],
      ['Page Viewed', true, 1],
      ['Added to Cart', true, 5],
    ] as const) {
      const v = forward ? { startEvent: anchor } : { endEvent: anchor };
      const ref = referencePaths(events, from, to, anchor, forward, depth);
      const all = await paths({ scope: scope(from, to), ...v, depth, limit: 100 });
      expect(all.totalPeople).toBe(ref.total);
      const refSorted = [...ref.counts.values()].sort((a, b) => b - a);
      // Every path listed has the reference's count, counts come most common first, and they are the top ones.
      for (const p of all.paths) expect(p.people, JSON.stringify(p.events)).toBe(ref.counts.get(JSON.stringify(p.events)));
      expect(all.paths.map((p) => p.people)).toEqual(refSorted.slice(0, 100));
      for (const p of all.paths) expect(p.share).toBeCloseTo(p.people / ref.total, 12);
      const top = await paths({ scope: scope(from, to), ...v, depth, limit: 5 });
      expect(top.paths).toEqual(all.paths.slice(0, 5));
      expect(refSorted[0]).toBeGreaterThan(1);
    }
  });

  it('refuses bad input with codes', async () => {
    const range = scope(SYN_FROM, SYN_TO);
    const r = (v: RetentionQueryVariables) => code(t.gql(RetentionDocument, v));
    const p = (v: PathsQueryVariables) => code(t.gql(PathsDocument, v));
    const base = { scope: range, cohortPeriod: 'WEEK' as const, startEvent: 'Page Viewed', returnEvent: 'Order Completed' };
    expect(await r({ ...base, periods: 0 })).toBe('BAD_USER_INPUT');
    expect(await r({ ...base, periods: 61 })).toBe('BAD_USER_INPUT');
    expect(await r({ ...base, returnEvent: 'Order Complete' })).toBe('UNKNOWN_EVENT');
    expect(await r({ ...base, startEvent: '' })).toBe('BAD_USER_INPUT');
    expect(await p({ scope: range })).toBe('BAD_USER_INPUT'); // neither
    expect(await p({ scope: range, startEvent: 'Page Viewed', endEvent: 'Order Completed' })).toBe('BAD_USER_INPUT'); // both
    expect(await p({ scope: range, startEvent: 'Page Viewed', depth: 0 })).toBe('BAD_USER_INPUT');
    expect(await p({ scope: range, startEvent: 'Page Viewed', depth: 11 })).toBe('BAD_USER_INPUT');
    expect(await p({ scope: range, startEvent: 'Page Viewed', limit: 0 })).toBe('BAD_USER_INPUT');
    expect(await p({ scope: range, startEvent: 'Page Viewed', limit: 101 })).toBe('BAD_USER_INPUT');
    expect(await p({ scope: range, endEvent: 'No Such Event' })).toBe('UNKNOWN_EVENT');
  });
});
