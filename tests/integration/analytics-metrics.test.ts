/**
 * metrics / metricTrend: real data checked against a reference computed here from the CSV rows and the
 * definitions in docs/analytics.md ("Standard metrics"), hand-checked cases, and every refused input.
 *
 * Olist orders (purchases from 2017-07-01 to 2018-01-01): delivered → "Order Completed", others "Order
 * Placed", revenue = the order's payments (null without any in the payments head). In Olist a
 * customer_id is unique per order, so nobody would ever repurchase: the test folds customers into 1,000
 * people, person = (first 3 hex digits of customer_id) mod 1000, which keeps the real timestamps and
 * values and gives repeat buyers.
 * Olist reviews (answered 2017-09..2017-12): a "Survey Responded" touchpoint at review_answer_timestamp
 * with `score` = review_score (1–5, CSAT) and `nps` = (review_score − 1) × 2.5 (0, 2.5, 5, 7.5, 10: the
 * NPS-style mapping the docs define: 5 is a promoter, 4 passive, 1–3 detractors); reviewer = order_id
 * folded the same way into 300 people ("r-" namespace), so people answer several times.
 * UCI online shoppers (every 200th session, 62): each row is a session of person floor(i / 2) in 2015
 * (its Month, day 1 + i mod 27), expanded into its Administrative, Informational and ProductRelated page
 * views (type PAGE), each page lasting its type's duration / count, then a "Purchase" track for the
 * sessions with Revenue = TRUE. Long pages leave gaps over 30 minutes, which cut sessions there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsDocument, MetricTrendDocument, MergeCustomersDocument, type MetricKind, type MetricsQueryVariables, type MetricTrendQueryVariables, type TouchpointInput } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { recordAll } from '../helpers/record.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MIN = 60_000;
const utc = (s: string) => Date.parse(`${s.replace(' ', 'T')}Z`);
const iso = (ms: number) => new Date(ms).toISOString();
const fold = (hex: string, n: number) => parseInt(hex.slice(0, 3), 16) % n;

/** A touchpoint as the reference sees it. */
interface Ev {
  person: string;
  id: string;
  at: number;
  event: string | null;
  type: 'TRACK' | 'PAGE';
  cents: number | null;
  props: Record<string, unknown>;
}

// ---------------------------------------------------------------- the data sets as touchpoints

type Row = { person: string; input: TouchpointInput; cents: number | null };

const cents = new Map<string, number>();
for (const p of readCsv('olist_sample_order_payments_dataset.csv')) cents.set(p.order_id!, (cents.get(p.order_id!) ?? 0) + Math.round(Number(p.payment_value) * 100));
const olistOrders: Row[] = readCsv('olist_sample_orders_dataset.csv')
  .filter((o) => o.order_purchase_timestamp! >= '2017-07-01' && o.order_purchase_timestamp! < '2018-01-01')
  .map((o) => {
    const person = `oc-${fold(o.customer_id!, 1000)}`;
    const c = cents.get(o.order_id!) ?? null;
    return {
      person,
      cents: c,
      input: {
        messageId: `mo-${o.order_id}`,
        userId: person,
        event: o.order_status === 'delivered' ? 'Order Completed' : 'Order Placed',
        revenue: c === null ? null : c / 100,
        currency: c === null ? null : 'BRL',
        occurredAt: iso(utc(o.order_purchase_timestamp!)),
      },
    };
  });
const olistReviews: Row[] = readCsv('olist_sample_order_reviews_2017q4.csv').map((r) => {
  const person = `or-${fold(r.order_id!, 300)}`;
  const score = Number(r.review_score);
  return {
    person,
    cents: null,
    input: { messageId: `mr-${r.review_id}-${r.order_id}`, userId: person, event: 'Survey Responded', properties: { score, nps: (score - 1) * 2.5 }, occurredAt: iso(utc(r.review_answer_timestamp!)) },
  };
});
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'June', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const uciCsv = readCsv('online_shoppers_intention_every200.csv', ';');
const pagesOf = (s: Record<string, string>) => Number(s.Administrative) + Number(s.Informational) + Number(s.ProductRelated);
const uciRows: Row[] = uciCsv.flatMap((s, i) => {
  const person = `uci-${Math.floor(i / 2)}`;
  const month = MONTHS.indexOf(s.Month!);
  if (month < 0) throw new Error(`unknown month ${s.Month}`);
  let at = Date.UTC(2015, month, 1 + (i % 27), 8 + (i % 10));
  const out: Row[] = [];
  for (const kind of ['Administrative', 'Informational', 'ProductRelated']) {
    const n = Number(s[kind]);
    const dwell = n > 0 ? (Number(s[`${kind}_Duration`]) * 1000) / n : 0;
    for (let k = 0; k < n; k++) {
      out.push({ person, cents: null, input: { messageId: `uci-${i}-${kind}-${k}`, type: 'PAGE', userId: person, properties: { name: kind }, occurredAt: iso(Math.round(at)) } });
      at += dwell;
    }
  }
  if (s.Revenue === 'TRUE') out.push({ person, cents: null, input: { messageId: `uci-${i}-buy`, userId: person, event: 'Purchase', occurredAt: iso(Math.round(at)) } });
  return out;
});

// ---------------------------------------------------------------- reference (the definitions, in plain TypeScript)

const GAP = 30 * MIN;
const byOrder = (a: Ev, b: Ev) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const groupBy = <T,>(xs: T[], key: (x: T) => string) => {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
};
const numeric = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : null);

interface Settings {
  conversionEvent: string;
  orderEvent: string;
  npsEvent: string;
  npsScoreProperty: string;
  csatEvent: string;
  csatScoreProperty: string;
}
const DEFAULTS: Settings = { conversionEvent: 'Order Completed', orderEvent: 'Order Completed', npsEvent: 'Survey Responded', npsScoreProperty: 'score', csatEvent: 'Survey Responded', csatScoreProperty: 'score' };

interface RefValue {
  value: number | null;
  numerator: number;
  denominator: number | null;
}
const ratio = (num: number, den: number, scale = 1): RefValue => ({ value: den === 0 ? null : (scale * num) / den, numerator: num, denominator: den });

/** The metric over the touchpoints in [from, to) (and, for churn, the previous period [prevFrom, from)). */
function refMetric(all: Ev[], kind: MetricKind, from: number, to: number, prevFrom: number, s: Settings): RefValue {
  const inP = all.filter((e) => e.at >= from && e.at < to);
  const people = (xs: Ev[]) => new Set(xs.map((e) => e.person));
  switch (kind) {
    case 'CONVERSION_RATE':
      return ratio(people(inP.filter((e) => e.event === s.conversionEvent)).size, people(inP).size);
    case 'REPURCHASE_RATE': {
      const orders = [...groupBy(inP.filter((e) => e.event === s.orderEvent), (e) => e.person).values()];
      return ratio(orders.filter((o) => o.length >= 2).length, orders.length);
    }
    case 'AVERAGE_ORDER_VALUE': {
      const paid = inP.filter((e) => e.event === s.orderEvent && e.cents !== null);
      return ratio(paid.reduce((a, e) => a + e.cents!, 0) / 100, paid.length);
    }
    case 'REVENUE_PER_CUSTOMER': {
      const orders = inP.filter((e) => e.event === s.orderEvent);
      return ratio(orders.reduce((a, e) => a + (e.cents ?? 0), 0) / 100, people(orders).size);
    }
    case 'CHURN_RATE': {
      const before = people(all.filter((e) => e.at >= prevFrom && e.at < from));
      const now = people(inP);
      return ratio([...before].filter((p) => !now.has(p)).length, before.size);
    }
    case 'SESSIONS':
    case 'BOUNCE_RATE':
    case 'AVERAGE_SESSION_SECONDS': {
      // Sessions are cut over the scope's touchpoints; here [from, to) is the scope (the trend reference splits afterwards).
      const sessions = refSessions(inP);
      if (kind === 'SESSIONS') return { value: sessions.length, numerator: sessions.length, denominator: null };
      if (kind === 'BOUNCE_RATE') return ratio(sessions.filter((x) => x.pages === 1).length, sessions.filter((x) => x.pages >= 1).length);
      return ratio(sessions.reduce((a, x) => a + x.secs, 0), sessions.length);
    }
    case 'NPS':
    case 'CSAT': {
      const [event, prop, lo, hi] = kind === 'NPS' ? [s.npsEvent, s.npsScoreProperty, 0, 10] : [s.csatEvent, s.csatScoreProperty, 1, 5];
      const latest = new Map<string, Ev>();
      for (const e of inP.filter((x) => x.event === event).sort(byOrder)) {
        const v = numeric(e.props[prop]);
        if (v !== null && v >= lo && v <= hi) latest.set(e.person, e);
      }
      const scores = [...latest.values()].map((e) => numeric(e.props[prop])!);
      if (kind === 'NPS') return ratio(scores.filter((v) => v >= 9).length - scores.filter((v) => v <= 6).length, scores.length, 100);
      return ratio(scores.filter((v) => v >= 4).length, scores.length);
    }
  }
}

/** Sessions of the given touchpoints: per person in touchpoint order, a new one after a gap of more than 30 minutes. */
function refSessions(evs: Ev[]): { start: number; pages: number; secs: number }[] {
  const out: { start: number; pages: number; secs: number }[] = [];
  for (const list of groupBy(evs, (e) => e.person).values()) {
    const seq = [...list].sort(byOrder);
    let cur: { start: number; last: number; pages: number } | null = null;
    for (const e of seq) {
      if (cur === null || e.at - cur.last > GAP) {
        if (cur) out.push({ start: cur.start, pages: cur.pages, secs: (cur.last - cur.start) / 1000 });
        cur = { start: e.at, last: e.at, pages: 0 };
      }
      cur.last = e.at;
      if (e.type === 'PAGE') cur.pages++;
    }
    if (cur) out.push({ start: cur.start, pages: cur.pages, secs: (cur.last - cur.start) / 1000 });
  }
  return out;
}

/** UTC month starts from `from` (a month start) to `to`. */
function months(from: number, to: number): number[] {
  const out: number[] = [];
  for (let d = new Date(from); +d < to; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) out.push(+d);
  return out;
}

/** The metric per UTC month of [from, to): each month as its own period (churn: the month before); sessions cut over the whole scope, counted in their start's month. */
function refMonthly(all: Ev[], kind: MetricKind, from: number, to: number, s: Settings): RefValue[] {
  const starts = months(from, to);
  const ends = [...starts.slice(1), to];
  if (kind === 'SESSIONS' || kind === 'BOUNCE_RATE' || kind === 'AVERAGE_SESSION_SECONDS') {
    const sessions = refSessions(all.filter((e) => e.at >= from && e.at < to));
    return starts.map((m, i) => {
      const xs = sessions.filter((x) => x.start >= m && x.start < ends[i]!);
      if (kind === 'SESSIONS') return { value: xs.length, numerator: xs.length, denominator: null };
      if (kind === 'BOUNCE_RATE') return ratio(xs.filter((x) => x.pages === 1).length, xs.filter((x) => x.pages >= 1).length);
      return ratio(xs.reduce((a, x) => a + x.secs, 0), xs.length);
    });
  }
  return starts.map((m, i) => {
    const prev = new Date(m);
    return refMetric(all, kind, m, ends[i]!, Date.UTC(prev.getUTCFullYear(), prev.getUTCMonth() - 1, 1), s);
  });
}

const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
function expectValue(got: RefValue, want: RefValue, what: string) {
  if (!close(got.value, want.value) || !close(got.numerator, want.numerator) || !close(got.denominator, want.denominator)) expect({ what, ...got }).toEqual({ what, ...want });
}

// ---------------------------------------------------------------- tests

describe.each(dbKinds)('standard metrics on %s', (kind) => {
  let t: TestServer;
  let events: Ev[] = [];
  beforeAll(async () => {
    // Olist amounts are in BRL: with BRL as the base currency they are stored as sent.
    t = await startTestServer(kind, { baseCurrency: 'BRL' });
    const rows = [...olistOrders, ...olistReviews, ...uciRows];
    const results = await recordAll(
      t,
      rows.map((r) => r.input),
    );
    events = rows.map((r, i) => ({
      person: r.person,
      id: results[i]!.touchpointId!,
      at: Date.parse(r.input.occurredAt!),
      event: r.input.event ?? null,
      type: r.input.type === 'PAGE' ? 'PAGE' : 'TRACK',
      cents: r.cents,
      props: r.input.properties ?? {},
    }));
  }, 300_000);
  afterAll(() => t?.stop());

  const metrics = async (v: MetricsQueryVariables) => (await t.ok(MetricsDocument, v)).metrics;
  const trend = async (v: MetricTrendQueryVariables) => (await t.ok(MetricTrendDocument, v)).metricTrend;
  const scope = (from: number, to: number) => ({ from: iso(from), to: iso(to) });

  it('Olist orders: conversion, repurchase and churn rates, order value and revenue per customer over a scope equal the reference', async () => {
    const from = utc('2017-10-01 00:00:00');
    const to = utc('2018-01-01 00:00:00');
    const kinds: MetricKind[] = ['CONVERSION_RATE', 'REPURCHASE_RATE', 'CHURN_RATE', 'AVERAGE_ORDER_VALUE', 'REVENUE_PER_CUSTOMER'];
    const r = await metrics({ scope: scope(from, to), metrics: kinds });
    expect(r.values.map((v) => v.metric)).toEqual(kinds);
    kinds.forEach((k, i) => expectValue(r.values[i]!, refMetric(events, k, from, to, from - (to - from), DEFAULTS), k));
    // The data give every one of them something to count.
    for (const v of r.values) expect([v.numerator > 0, (v.denominator ?? 0) > 0]).toEqual([true, true]);
    expect(r.values[1]!.value!).toBeGreaterThan(0.05);
    // Orders of any status are "orders" with orderEvent: "Order Placed".
    const placed = await metrics({ scope: scope(from, to), metrics: ['REPURCHASE_RATE', 'REVENUE_PER_CUSTOMER'], settings: { orderEvent: 'Order Placed' } });
    const s = { ...DEFAULTS, orderEvent: 'Order Placed' };
    expectValue(placed.values[0]!, refMetric(events, 'REPURCHASE_RATE', from, to, from, s), 'placed repurchase');
    expectValue(placed.values[1]!, refMetric(events, 'REVENUE_PER_CUSTOMER', from, to, from, s), 'placed revenue per customer');
  });

  it('Olist orders: each metric per month equals the reference, and total equals the scope number', async () => {
    const from = utc('2017-08-01 00:00:00');
    const to = utc('2018-01-01 00:00:00');
    for (const k of ['CONVERSION_RATE', 'REPURCHASE_RATE', 'CHURN_RATE', 'AVERAGE_ORDER_VALUE', 'REVENUE_PER_CUSTOMER'] as MetricKind[]) {
      const r = await trend({ scope: scope(from, to), metric: k, interval: 'MONTH' });
      expect(r.points.map((p) => p.at)).toEqual(months(from, to).map(iso));
      const want = refMonthly(events, k, from, to, DEFAULTS);
      r.points.forEach((p, i) => expectValue(p, want[i]!, `${k} ${p.at}`));
      expectValue(r.total, refMetric(events, k, from, to, from - (to - from), DEFAULTS), `${k} total`);
    }
  });

  it('Olist reviews: NPS (0–10 mapping) and CSAT (1–5), latest answer per person per period, equal the reference', async () => {
    const from = utc('2017-10-01 00:00:00');
    const to = utc('2018-01-01 00:00:00');
    const settings = { npsScoreProperty: 'nps' };
    const s = { ...DEFAULTS, ...settings };
    const r = await metrics({ scope: scope(from, to), metrics: ['NPS', 'CSAT'], settings });
    expectValue(r.values[0]!, refMetric(events, 'NPS', from, to, from, s), 'NPS');
    expectValue(r.values[1]!, refMetric(events, 'CSAT', from, to, from, s), 'CSAT');
    // Fewer answers count than were given: people answered several times.
    const answers = events.filter((e) => e.event === 'Survey Responded' && e.at >= from && e.at < to).length;
    expect(r.values[1]!.denominator!).toBeLessThan(answers);
    for (const k of ['NPS', 'CSAT'] as MetricKind[]) {
      const m = await trend({ scope: scope(utc('2017-09-01 00:00:00'), to), metric: k, interval: 'MONTH', settings });
      const want = refMonthly(events, k, utc('2017-09-01 00:00:00'), to, s);
      m.points.forEach((p, i) => expectValue(p, want[i]!, `${k} ${p.at}`));
    }
  });

  it('UCI sessions: sessions, bounce rate and average session length (as journeys cut sessions) per scope and per month equal the reference', async () => {
    const from = utc('2015-01-01 00:00:00');
    const to = utc('2016-01-01 00:00:00');
    const kinds: MetricKind[] = ['SESSIONS', 'BOUNCE_RATE', 'AVERAGE_SESSION_SECONDS', 'CONVERSION_RATE'];
    const settings = { conversionEvent: 'Purchase' };
    const s = { ...DEFAULTS, ...settings };
    const r = await metrics({ scope: scope(from, to), metrics: kinds, settings });
    kinds.forEach((k, i) => expectValue(r.values[i]!, refMetric(events, k, from, to, from, s), k));
    // In this sample no page lasts over 30 minutes and a person's two sessions are on different days: a session per CSV
    // row that has a page view (one row has none, and no purchase: no touchpoint), and the bounces are the rows with one.
    expect(r.values[0]!.value).toBe(uciCsv.filter((x) => pagesOf(x) > 0).length);
    expect(r.values[1]!.numerator).toBe(uciCsv.filter((x) => pagesOf(x) === 1).length);
    expect(r.values[1]!.numerator).toBeGreaterThan(0);
    for (const k of kinds.slice(0, 3)) {
      const m = await trend({ scope: scope(from, to), metric: k, interval: 'MONTH', settings });
      const want = refMonthly(events, k, from, to, s);
      m.points.forEach((p, i) => expectValue(p, want[i]!, `${k} ${p.at}`));
      expectValue(m.total, r.values[kinds.indexOf(k)]!, `${k} total`);
    }
    // The sessions of the months add up to the scope's.
    const m = await trend({ scope: scope(from, to), metric: 'SESSIONS', interval: 'MONTH' });
    expect(m.points.reduce((a, p) => a + p.value!, 0)).toBe(r.values[0]!.value);
  });

  it('hand-checked: churn, sessions at the 30-minute edge with a merged anonymous id, bounce, survey answers', async () => {
    const t0 = utc('2014-03-01 00:00:00');
    const D = 86_400_000;
    const at = (ms: number) => iso(t0 + ms);
    let n = 0;
    const tp = (who: { userId?: string; anonymousId?: string }, ms: number, extra: Partial<TouchpointInput> = {}): TouchpointInput => ({ messageId: `hc-${n++}`, event: 'Hc Ping', ...who, occurredAt: at(ms), ...extra });
    const page = (who: { userId?: string; anonymousId?: string }, ms: number) => tp(who, ms, { type: 'PAGE', event: null, properties: { name: 'Home' } });
    const u = (id: string) => ({ userId: id });
    const input: TouchpointInput[] = [
      // Previous period (Feb 26–28, 3 days before the scope of 3 days): a, b, c active. This period: a, d. Churn = b, c / a, b, c = 2/3.
      tp(u('hc-a'), -2 * D), tp(u('hc-b'), -2 * D), tp(u('hc-c'), -D),
      // hc-a: page at 0, page 30 min later (not more than 30: same session), page 30 min + 1 ms after that (a new session).
      page(u('hc-a'), 0), page(u('hc-a'), 30 * MIN), page(u('hc-a'), 60 * MIN + 1),
      // hc-d: a page anonymously at 10:00, then as a known user 10 min later (merged: one session of 2 pages), then a lone
      // non-page touchpoint a day later (a session without a page view: not in the bounce rate's denominator).
      page({ anonymousId: 'hc-d-anon' }, 10 * 60 * MIN), page(u('hc-d'), 10 * 60 * MIN + 10 * MIN), tp(u('hc-d'), D + 60 * MIN),
    ];
    const res = await recordAll(t, input);
    await t.ok(MergeCustomersDocument, { winnerId: res[input.findIndex((x) => x.userId === 'hc-d')]!.customerId!, loserId: res[input.findIndex((x) => x.anonymousId === 'hc-d-anon')]!.customerId! });
    const sc = scope(t0, t0 + 3 * D);
    const r = await metrics({ scope: sc, metrics: ['CHURN_RATE', 'SESSIONS', 'BOUNCE_RATE', 'AVERAGE_SESSION_SECONDS'] });
    // Sessions: hc-a [0, 30 min] (2 pages, 1800 s) and [60 min + 1 ms] (1 page, 0 s); hc-d [10:00, 10:10] (2 pages, 600 s) and
    // [day 1 01:00] (no page, 0 s). Bounce: 1 of the 3 sessions with a page. Average: (1800 + 0 + 600 + 0) / 4 = 600 s.
    expect(r.values).toEqual([
      { metric: 'CHURN_RATE', value: 2 / 3, numerator: 2, denominator: 3 },
      { metric: 'SESSIONS', value: 4, numerator: 4, denominator: null },
      { metric: 'BOUNCE_RATE', value: 1 / 3, numerator: 1, denominator: 3 },
      { metric: 'AVERAGE_SESSION_SECONDS', value: 600, numerator: 2400, denominator: 4 },
    ]);
    // Per day: the previous day of day 0 is Feb 28 (hc-c): churned. Day 1: of a, d (day 0) only d is back. Day 2: nobody was active on day 1
    // but d, who is not back.
    const daily = await trend({ scope: sc, metric: 'CHURN_RATE', interval: 'DAY' });
    expect(daily.points.map((p) => [p.numerator, p.denominator])).toEqual([
      [1, 1],
      [1, 2],
      [1, 1],
    ]);
    const sessions = await trend({ scope: sc, metric: 'SESSIONS', interval: 'DAY' });
    expect(sessions.points.map((p) => p.value)).toEqual([3, 1, 0]);

    // Surveys: NPS on "Hc Nps" / rating (0–10), CSAT on "Hc Csat" / stars (1–5).
    const s0 = t0 + 10 * D;
    const ans = (user: string, event: string, prop: string, v: unknown, min: number): TouchpointInput => ({ messageId: `hc-s-${n++}`, event, userId: user, properties: { [prop]: v }, occurredAt: iso(s0 + min * MIN) });
    await recordAll(t, [
      ans('s1', 'Hc Nps', 'rating', 10, 0), ans('s2', 'Hc Nps', 'rating', 9, 0), ans('s3', 'Hc Nps', 'rating', 7, 0),
      // s4 answers 3, then 10: the latest counts (a promoter). s5's "x" and s6's 11 are not scores. s7's "8" is (a passive).
      ans('s4', 'Hc Nps', 'rating', 3, 0), ans('s4', 'Hc Nps', 'rating', 10, 5), ans('s5', 'Hc Nps', 'rating', 'x', 0), ans('s6', 'Hc Nps', 'rating', 11, 0),
      ans('s7', 'Hc Nps', 'rating', '8', 0), ans('s8', 'Hc Nps', 'rating', 6, 0),
      // CSAT: 5, 4, 3, 1 and "4" → 3 satisfied of 5. s13's 0 is off the scale; s9's later 2 replaces its 5.
      ans('s9', 'Hc Csat', 'stars', 5, 0), ans('s10', 'Hc Csat', 'stars', 4, 0), ans('s11', 'Hc Csat', 'stars', 3, 0), ans('s12', 'Hc Csat', 'stars', 1, 0),
      ans('s13', 'Hc Csat', 'stars', 0, 0), ans('s14', 'Hc Csat', 'stars', '4', 0), ans('s9', 'Hc Csat', 'stars', 2, 9),
    ]);
    const sv = await metrics({
      scope: scope(s0, s0 + D),
      metrics: ['NPS', 'CSAT'],
      settings: { npsEvent: 'Hc Nps', npsScoreProperty: 'rating', csatEvent: 'Hc Csat', csatScoreProperty: 'stars' },
    });
    // NPS: s1 10, s2 9, s3 7, s4 10, s7 8, s8 6 → promoters 3, detractors 1 (s8) of 6 → (3 − 1) / 6 × 100.
    // CSAT: s9 2, s10 4, s11 3, s12 1, s14 4 → 2 of 5.
    expect(sv.values).toEqual([
      { metric: 'NPS', value: (100 * 2) / 6, numerator: 2, denominator: 6 },
      { metric: 'CSAT', value: 2 / 5, numerator: 2, denominator: 5 },
    ]);
  });

  it('refuses bad input with codes', async () => {
    const base: MetricsQueryVariables = { scope: scope(utc('2017-10-01 00:00:00'), utc('2018-01-01 00:00:00')), metrics: ['CONVERSION_RATE'] };
    const code = async (v: Partial<MetricsQueryVariables>) => {
      const r = await t.gql(MetricsDocument, { ...base, ...v });
      expect(r.data ?? null).toBeNull();
      return r.errors![0]!.extensions as Record<string, unknown>;
    };
    expect(await code({ metrics: [] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metrics' });
    expect(await code({ metrics: ['NPS', 'NPS'] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metrics' });
    expect(await code({ settings: { conversionEvent: 'Order Complete' } })).toMatchObject({ code: 'UNKNOWN_EVENT', events: ['Order Complete'] });
    expect(await code({ metrics: ['NPS'], settings: { npsEvent: 'Survey Respondd' } })).toMatchObject({ code: 'UNKNOWN_EVENT', events: ['Survey Respondd'] });
    expect(await code({ settings: { orderEvent: '' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'settings.orderEvent' });
    expect(await code({ metrics: ['CSAT'], settings: { csatScoreProperty: '' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'settings.csatScoreProperty' });
    expect(await code({ metrics: ['NPS'], settings: { npsScoreProperty: 'x'.repeat(257) } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'settings.npsScoreProperty' });
    expect(await code({ scope: scope(utc('2018-01-01 00:00:00'), utc('2017-10-01 00:00:00')) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scope.from' });
    const tcode = async (v: Partial<MetricTrendQueryVariables>) => {
      const r = await t.gql(MetricTrendDocument, { scope: base.scope, metric: 'SESSIONS', ...v });
      expect(r.data ?? null).toBeNull();
      return r.errors![0]!.extensions as Record<string, unknown>;
    };
    expect(await tcode({ timezone: 'Mars/Olympus' })).toMatchObject({ code: 'UNKNOWN_TIMEZONE', field: 'timezone' });
    expect(await tcode({ interval: 'HOUR' })).toMatchObject({ code: 'TOO_MANY_BUCKETS', max: 1000, buckets: 92 * 24 });
    expect(await tcode({ metric: 'CSAT', settings: { csatEvent: 'Nope Never' } })).toMatchObject({ code: 'UNKNOWN_EVENT' });
    // READER keys may not read a survey score from a personal property.
    const reader = { authorization: `Bearer ${t.keys.READER}` };
    const refused = await t.gql(MetricsDocument, { ...base, metrics: ['NPS'], settings: { npsScoreProperty: 'email' } }, reader);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', paths: ['settings.npsScoreProperty'] });
    expect((await t.gql(MetricsDocument, { ...base, metrics: ['SESSIONS'] }, reader)).errors).toBeUndefined();
  });
});
