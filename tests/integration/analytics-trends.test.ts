/**
 * trends: the Olist sample orders checked against a reference computed here from the CSV rows, plus
 * hand-checked cases (time-zone bucket edges, hour and weekday in a zone, None, Other counting a person
 * once, merged customers, segments, READER keys) and every refused input.
 *
 * Olist: every order is a touchpoint of the customer whose CRM_ID is the order's customer_id (the
 * datasets README), at order_purchase_timestamp read as UTC; delivered orders are "Order Completed",
 * the others "Order Placed", with properties { status, payment } (payment: the first payment's type,
 * when the payments head has one) and revenue = the order's payments (null when none). The 200 rows
 * of the customers file are upserted first with their city and a `state` trait; 9 of them ordered.
 *
 * The reference (refTrend) is written from the definitions in docs/analytics.md: it buckets each order
 * by its local date (Intl), ranks the breakdown tuples by the series' total, folds the rest into Other
 * before aggregating, and computes each math in plain TypeScript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  MergeCustomersDocument,
  TrendsDocument,
  UpsertCustomersDocument,
  type TouchpointInput,
  type TrendMath,
  type TrendsQuery,
  type TrendsQueryVariables,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { recordAll } from '../helpers/record.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const H = 3_600_000;
const D = 86_400_000;
const utc = (s: string) => Date.parse(`${s.replace(' ', 'T')}Z`);
const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------- the Olist rows

interface Order {
  id: string;
  crm: string;
  event: string;
  at: number;
  revenue: number | null;
  status: string;
  payment: string | null;
}
const paid = new Map<string, { cents: number; type: string }>();
for (const p of readCsv('olist_sample_order_payments_dataset.csv')) {
  const prev = paid.get(p.order_id!);
  // Summed in cents: the server stores revenue as decimal(18, 2).
  paid.set(p.order_id!, { cents: (prev?.cents ?? 0) + Math.round(Number(p.payment_value) * 100), type: prev?.type ?? p.payment_type! });
}
const orders: Order[] = readCsv('olist_sample_orders_dataset.csv').map((o) => ({
  id: o.order_id!,
  crm: o.customer_id!,
  event: o.order_status === 'delivered' ? 'Order Completed' : 'Order Placed',
  at: utc(o.order_purchase_timestamp!),
  revenue: paid.has(o.order_id!) ? paid.get(o.order_id!)!.cents / 100 : null,
  status: o.order_status!,
  payment: paid.get(o.order_id!)?.type ?? null,
}));
const customers = readCsv('olist_sample_customers_dataset.csv');
const stateOf = new Map(customers.map((c) => [c.customer_id!, c.customer_state!]));
const cityOf = new Map(customers.map((c) => [c.customer_id!, c.customer_city!]));

// ---------------------------------------------------------------- reference

type Interval = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';
type Key = (string | null)[];

/** The local calendar date and hour of an instant in a zone, the date as days since 1970-01-01. */
const formats = new Map<string, Intl.DateTimeFormat>();
function local(ms: number, tz: string): { day: number; hour: number; y: number; m: number } {
  if (!formats.has(tz)) formats.set(tz, new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }));
  const parts = Object.fromEntries(
    formats
      .get(tz)!
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const y = Number(parts.year);
  const m = Number(parts.month);
  return { day: Date.UTC(y, m - 1, Number(parts.day)) / D, hour: Number(parts.hour), y, m };
}
/** ISO weekday (1 = Monday) of a day number. */
const isoDow = (day: number) => ((new Date(day * D).getUTCDay() + 6) % 7) + 1;

/** Bucket index of an instant; and each bucket's last local day (the fine unit windows end on). UTC only for HOUR. */
function bucketer(from: number, tz: string, interval: Interval) {
  const l0 = local(from, tz);
  const weekStart = l0.day - (isoDow(l0.day) - 1);
  const index = (ms: number): number => {
    const l = local(ms, tz);
    if (interval === 'HOUR') return Math.floor((ms - Math.floor(from / H) * H) / H);
    if (interval === 'DAY') return l.day - l0.day;
    if (interval === 'WEEK') return Math.floor((l.day - weekStart) / 7);
    return l.y * 12 + l.m - (l0.y * 12 + l0.m);
  };
  const lastDay = (i: number): number => {
    if (interval === 'DAY') return l0.day + i;
    if (interval === 'WEEK') return weekStart + 7 * i + 6;
    const mm = l0.y * 12 + (l0.m - 1) + i + 1; // the month after bucket i
    return Date.UTC(Math.floor(mm / 12), mm % 12, 1) / D - 1;
  };
  return { index, lastDay };
}

const quantile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
};

interface RefEv {
  person: string;
  at: number;
  value: number | null;
  key: Key;
}

/** The math over one group of events (null when a statistic has no values). */
function mathOf(math: TrendMath, evs: RefEv[]): number | null {
  const values = evs.map((e) => e.value).filter((v): v is number => v !== null);
  const people = new Set(evs.map((e) => e.person)).size;
  switch (math) {
    case 'TOTAL':
      return evs.length;
    case 'UNIQUE_CUSTOMERS':
    case 'DAU':
    case 'WAU':
    case 'MAU':
      return people;
    case 'PER_CUSTOMER_AVG':
      return people ? evs.length / people : null;
    case 'SUM':
      return values.reduce((a, b) => a + b, 0);
    default:
      if (values.length === 0) return null;
      if (math === 'AVG') return values.reduce((a, b) => a + b, 0) / values.length;
      if (math === 'MIN') return Math.min(...values);
      if (math === 'MAX') return Math.max(...values);
      return quantile(values, { MEDIAN: 0.5, P90: 0.9, P95: 0.95, P99: 0.99 }[math as 'MEDIAN']);
  }
}

const cmpKey = (a: Key, b: Key) => {
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === null) return 1; // missing sorts last
    if (b[i] === null) return -1;
    return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
};

interface RefRow {
  key: Key | null; // null: Other
  total: number | null;
  values: (number | null)[];
}

/**
 * The trend of docs/analytics.md over `all` (events anywhere in time; windowed maths look before `from`).
 * keep: the tuples to keep (the compare period keeps the current one's); otherwise ranked here.
 */
function refTrend(all: RefEv[], o: { from: number; to: number; interval: Interval; tz?: string; math: TrendMath; limit?: number; keep?: Key[]; breakdown?: boolean }): RefRow[] {
  const tz = o.tz ?? 'UTC';
  const b = bucketer(o.from, tz, o.interval);
  const n = b.index(o.to - 1) + 1;
  const inRange = all.filter((e) => e.at >= o.from && e.at < o.to);
  const windowDays = { DAU: 1, WAU: 7, MAU: 30 }[o.math as 'DAU'] as number | undefined;
  // docs/analytics.md: plain UNIQUE_CUSTOMERS for DAU at DAY, WEEK, MONTH; WAU at WEEK, MONTH; MAU at MONTH.
  const plainAt: Record<string, Interval[]> = { DAU: ['DAY', 'WEEK', 'MONTH'], WAU: ['WEEK', 'MONTH'], MAU: ['MONTH'] };
  const windowed = windowDays !== undefined && !plainAt[o.math]!.includes(o.interval);
  // rank
  let keep = o.keep;
  if (!keep) {
    const groups = new Map<string, RefEv[]>();
    for (const e of inRange) {
      const k = JSON.stringify(e.key);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(e);
    }
    const ranked = [...groups.entries()].map(([k, evs]) => ({ key: JSON.parse(k) as Key, total: mathOf(o.math, evs)! }));
    ranked.sort((x, y) => y.total - x.total || cmpKey(x.key, y.key));
    keep = o.breakdown === false ? [[]] : ranked.slice(0, o.limit ?? 25).map((r) => r.key);
  }
  const kept = new Set(keep.map((k) => JSON.stringify(k)));
  const rowOf = (e: RefEv) => (kept.has(JSON.stringify(e.key)) ? JSON.stringify(e.key) : 'OTHER');
  const rowKeys = [...keep.map((k) => JSON.stringify(k)), ...(all.some((e) => e.at < o.to && e.at >= o.from - 31 * D && rowOf(e) === 'OTHER') ? ['OTHER'] : [])];
  const bucketOf = new Map(inRange.map((e) => [e, b.index(e.at)]));
  const dayOf = new Map(windowed && o.interval !== 'HOUR' ? all.filter((e) => e.at < o.to && e.at >= o.from - 40 * D).map((e) => [e, local(e.at, tz).day]) : []);
  return rowKeys.map((rk) => {
    const mine = all.filter((e) => e.at < o.to && e.at >= o.from - 40 * D && rowOf(e) === rk);
    const here = mine.filter((e) => e.at >= o.from);
    const byBucket = Array.from({ length: n }, (): RefEv[] => []);
    for (const e of here) byBucket[bucketOf.get(e)!]!.push(e);
    const values = Array.from({ length: n }, (_, i) => {
      if (windowed) {
        // people with an event in the window of windowDays local days ending with bucket i's last day (HOUR: 24 h × days before its end)
        const people = new Set(
          mine
            .filter((e) => {
              if (o.interval === 'HOUR') {
                const end = Math.floor(o.from / H) * H + (i + 1) * H;
                return e.at >= end - windowDays * D && e.at < end;
              }
              const day = dayOf.get(e)!;
              return day <= b.lastDay(i) && day > b.lastDay(i) - windowDays;
            })
            .map((e) => e.person),
        );
        return people.size;
      }
      return mathOf(o.math, byBucket[i]!);
    });
    return { key: rk === 'OTHER' ? null : (JSON.parse(rk) as Key), total: here.length || ['TOTAL', 'SUM', 'UNIQUE_CUSTOMERS', 'DAU', 'WAU', 'MAU'].includes(o.math) ? mathOf(o.math, here) : null, values };
  }).filter((r) => r.key !== null || r.values.some((v) => v !== 0 && v !== null) || r.total !== 0);
}

type Row = TrendsQuery['trends']['series'][number];
/** The server's rows in the reference's shape. */
const asRef = (rows: Row[]): RefRow[] => rows.map((r) => ({ key: r.other ? null : (r.breakdownValue ?? []), total: r.total ?? null, values: r.points.map((p) => p.value ?? null) }));

/** Equal within floating-point noise (sums of cents in another order). */
function expectRows(got: RefRow[], want: RefRow[]) {
  expect(got.map((r) => r.key)).toEqual(want.map((r) => r.key));
  const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)));
  got.forEach((r, i) => {
    const w = want[i]!;
    if (!close(r.total, w.total)) expect({ key: r.key, total: r.total }).toEqual({ key: w.key, total: w.total });
    r.values.forEach((v, j) => {
      if (!close(v, w.values[j]!)) expect({ key: r.key, bucket: j, value: v }).toEqual({ key: w.key, bucket: j, value: w.values[j] });
    });
    expect(r.values.length).toBe(w.values.length);
  });
}

// ---------------------------------------------------------------- tests

describe.each(dbKinds)('trends on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    // Olist amounts are in BRL: with BRL as the base currency they are stored as sent.
    t = await startTestServer(kind, { baseCurrency: 'BRL' });
    const up = await t.ok(UpsertCustomersDocument, {
      input: customers.map((c) => ({ source: 'olist', externalId: c.customer_id!, identities: [{ type: 'CRM_ID' as const, value: c.customer_id! }], city: c.customer_city!, country: 'BR', traits: { state: c.customer_state! } })),
    });
    expect(up.upsertCustomers.failed).toBe(0);
    await recordAll(
      t,
      orders.map((o) => ({
        messageId: `order-${o.id}`,
        identities: [{ type: 'CRM_ID' as const, value: o.crm }],
        event: o.event,
        channel: 'WEB' as const,
        revenue: o.revenue,
        currency: o.revenue === null ? null : 'BRL',
        properties: { status: o.status, ...(o.payment ? { payment: o.payment } : {}) },
        occurredAt: iso(o.at),
      })),
    );
  }, 180_000);
  afterAll(() => t?.stop());

  const trends = async (v: TrendsQueryVariables) => (await t.ok(TrendsDocument, v)).trends;
  const scope = (from: number, to: number) => ({ from: iso(from), to: iso(to) });
  const ev = (o: Order, key: Key = [], value: number | null = null): RefEv => ({ person: o.crm, at: o.at, value, key });

  it('Olist: daily orders (TOTAL) with compare equal the reference', async () => {
    const from = utc('2018-01-01 00:00:00');
    const to = utc('2018-04-01 00:00:00');
    const r = await trends({ scope: scope(from, to), interval: 'DAY', series: [{ event: 'Order Completed' }], compare: true });
    const completed = orders.filter((o) => o.event === 'Order Completed').map((o) => ev(o));
    const want = refTrend(completed, { from, to, interval: 'DAY', math: 'TOTAL', breakdown: false });
    expect(want[0]!.total).toBeGreaterThan(100);
    expectRows(asRef(r.series), want);
    expect(r.series[0]!.points.map((p) => p.at)).toEqual(Array.from({ length: 90 }, (_, i) => iso(from + i * D)));
    expect(r.series[0]!.label).toBe('Order Completed');
    // The previous range: the same length (90 days) right before.
    const pfrom = from - 90 * D;
    expect(r.previousFrom).toBe(iso(pfrom));
    expectRows(asRef(r.previous!), refTrend(completed, { from: pfrom, to: from, interval: 'DAY', math: 'TOTAL', breakdown: false }));
    expect(r.previous![0]!.points[0]!.at).toBe(iso(pfrom));
  });

  it('Olist: UNIQUE_CUSTOMERS by TRAIT state and ATTRIBUTE city, with a small limit (Other), by MONTH', async () => {
    const from = utc('2017-01-01 00:00:00');
    const to = utc('2018-09-01 00:00:00');
    const all = orders.map((o) => ev(o, [stateOf.get(o.crm) ?? null]));
    const r = await trends({ scope: scope(from, to), interval: 'MONTH', series: [{ math: 'UNIQUE_CUSTOMERS' }], breakdown: [{ by: 'TRAIT', key: 'state' }], breakdownLimit: 2 });
    const want = refTrend(all, { from, to, interval: 'MONTH', math: 'UNIQUE_CUSTOMERS', limit: 2 });
    expect(want.map((w) => w.key)).toEqual([[null], ['SP'], null]); // None first, then SP, and Other holds MG, PR, RS
    expectRows(asRef(r.series), want);
    expect(r.series[0]!.label).toBe('All events');

    const byCity = orders.map((o) => ev(o, [cityOf.get(o.crm) ?? null]));
    const c = await trends({ scope: scope(from, to), interval: 'MONTH', series: [{ math: 'UNIQUE_CUSTOMERS' }], breakdown: [{ by: 'ATTRIBUTE', key: 'city' }], breakdownLimit: 3 });
    expectRows(asRef(c.series), refTrend(byCity, { from, to, interval: 'MONTH', math: 'UNIQUE_CUSTOMERS', limit: 3 }));

    // Two dimensions: the row value is the tuple (status, state); TOTAL, limit 3.
    const pairs = orders.map((o) => ev(o, [o.status, stateOf.get(o.crm) ?? null]));
    const p = await trends({ scope: scope(from, to), interval: 'MONTH', series: [{}], breakdown: [{ by: 'EVENT_PROPERTY', key: 'status' }, { by: 'TRAIT', key: 'state' }], breakdownLimit: 3 });
    const wantPairs = refTrend(pairs, { from, to, interval: 'MONTH', math: 'TOTAL', limit: 3 });
    expect(wantPairs.at(-1)!.key).toBeNull();
    expectRows(asRef(p.series), wantPairs);
  });

  it('Olist: SUM, AVG, MIN, MAX, MEDIAN, P90, P95, P99 of revenue by MONTH equal the reference (orders without revenue left out)', async () => {
    const from = utc('2017-01-01 00:00:00');
    const to = utc('2018-12-01 00:00:00'); // the last order is in September 2018: October and November are empty
    const maths: TrendMath[] = ['SUM', 'AVG', 'MIN', 'MAX', 'MEDIAN', 'P90', 'P95', 'P99'];
    const r = await trends({ scope: scope(from, to), interval: 'MONTH', series: maths.map((math) => ({ event: 'Order Completed', math, property: 'revenue' })) });
    const withRevenue = orders.filter((o) => o.event === 'Order Completed' && o.revenue !== null).map((o) => ev(o, [], o.revenue));
    expect(withRevenue.length).toBeGreaterThan(100);
    maths.forEach((math, i) => {
      const rows = r.series.filter((s) => s.seriesIndex === i);
      expect(rows.map((s) => s.math)).toEqual([math]);
      expectRows(asRef(rows), refTrend(withRevenue, { from, to, interval: 'MONTH', math, breakdown: false }));
    });
    // Empty months: SUM 0, the statistics null.
    expect(r.series[0]!.points.some((p) => p.value === 0)).toBe(true);
    expect(r.series[1]!.points.some((p) => p.value === null)).toBe(true);
  });

  it('Olist: WAU by DAY (windows reach before the range), MAU by WEEK, and DAU by MONTH (plain uniques)', async () => {
    const all = orders.map((o) => ev(o));
    const from = utc('2018-03-01 00:00:00');
    const to = utc('2018-04-15 00:00:00');
    const wau = await trends({ scope: scope(from, to), interval: 'DAY', series: [{ math: 'WAU' }] });
    const want = refTrend(all, { from, to, interval: 'DAY', math: 'WAU', breakdown: false });
    expectRows(asRef(wau.series), want);
    // On the first day, the window holds the 6 days before the range too: more than that day's own people.
    const firstDay = new Set(all.filter((e) => e.at >= from && e.at < from + D).map((e) => e.person)).size;
    expect(wau.series[0]!.points[0]!.value).toBeGreaterThan(firstDay);

    const mau = await trends({ scope: scope(from, to), interval: 'WEEK', series: [{ math: 'MAU' }] });
    expectRows(asRef(mau.series), refTrend(all, { from, to, interval: 'WEEK', math: 'MAU', breakdown: false }));

    const dau = await trends({ scope: scope(utc('2017-06-01 00:00:00'), to), interval: 'MONTH', series: [{ math: 'DAU' }, { math: 'UNIQUE_CUSTOMERS' }] });
    expect(dau.series[0]!.points.map((p) => p.value)).toEqual(dau.series[1]!.points.map((p) => p.value));
    // MAU by MONTH is plain uniques too, in 31-day months as in February.
    const monthly = { from: utc('2017-06-01 00:00:00'), to: utc('2018-04-01 00:00:00') };
    const mauMonth = await trends({ scope: scope(monthly.from, monthly.to), interval: 'MONTH', series: [{ math: 'MAU' }] });
    expectRows(asRef(mauMonth.series), refTrend(all, { ...monthly, interval: 'MONTH', math: 'MAU', breakdown: false }));

    // Daily WAU by payment type, Other folded before counting.
    const byPay = orders.map((o) => ev(o, [o.payment]));
    const wp = await trends({ scope: scope(from, to), interval: 'DAY', series: [{ math: 'WAU' }], breakdown: [{ by: 'EVENT_PROPERTY', key: 'payment' }], breakdownLimit: 2 });
    expectRows(asRef(wp.series), refTrend(byPay, { from, to, interval: 'DAY', math: 'WAU', limit: 2 }));
  });

  it('Olist: daily buckets in America/Sao_Paulo across the 2017 DST start (local midnight skipped)', async () => {
    const tz = 'America/Sao_Paulo';
    const from = utc('2017-10-01 03:00:00'); // local midnight (UTC-3)
    const to = utc('2017-11-01 02:00:00'); // local midnight (UTC-2, summer time)
    const r = await trends({ scope: scope(from, to), interval: 'DAY', timezone: tz, series: [{ math: 'UNIQUE_CUSTOMERS' }, { math: 'PER_CUSTOMER_AVG' }] });
    const all = orders.map((o) => ev(o));
    expectRows(asRef(r.series.filter((s) => s.seriesIndex === 0)), refTrend(all, { from, to, tz, interval: 'DAY', math: 'UNIQUE_CUSTOMERS', breakdown: false }));
    expectRows(asRef(r.series.filter((s) => s.seriesIndex === 1)), refTrend(all, { from, to, tz, interval: 'DAY', math: 'PER_CUSTOMER_AVG', breakdown: false }));
    // Each bucket starts on its own local date (on 2017-10-15 local midnight does not exist).
    const days = r.series[0]!.points.map((p) => local(Date.parse(p.at), tz).day);
    expect(days).toEqual(Array.from({ length: 31 }, (_, i) => local(from, tz).day + i));
  });

  // ---------------------------------------------------------------- hand-checked

  it('hand-checked: an event at 23:30 UTC is on the next day in Asia/Shanghai; its hour and weekday follow the zone', async () => {
    await recordAll(t, [{ messageId: 'tz-1', event: 'Tz Event', userId: 'tz-user', occurredAt: '2024-03-01T23:30:00Z' }]);
    const s = { series: [{ event: 'Tz Event' }] };
    const u = await trends({ ...s, scope: scope(utc('2024-03-01 00:00:00'), utc('2024-03-03 00:00:00')) });
    expect(u.series[0]!.points).toEqual([
      { at: '2024-03-01T00:00:00.000Z', value: 1 },
      { at: '2024-03-02T00:00:00.000Z', value: 0 },
    ]);
    // Local 2024-03-01 and 03-02 in Shanghai (UTC+8): the event (07:30 local on 03-02) is in the second.
    const sh = await trends({ ...s, timezone: 'Asia/Shanghai', scope: scope(utc('2024-02-29 16:00:00'), utc('2024-03-02 16:00:00')) });
    expect(sh.series[0]!.points).toEqual([
      { at: '2024-02-29T16:00:00.000Z', value: 0 },
      { at: '2024-03-01T16:00:00.000Z', value: 1 },
    ]);
    // A range starting mid-day still gets whole local days: the first bucket starts at local midnight before `from`.
    const mid = await trends({ ...s, timezone: 'Asia/Shanghai', scope: scope(utc('2024-03-01 20:00:00'), utc('2024-03-02 01:00:00')) });
    expect(mid.series[0]!.points).toEqual([{ at: '2024-03-01T16:00:00.000Z', value: 1 }]);
    const key = async (by: 'HOUR_OF_DAY' | 'DAY_OF_WEEK', timezone: string) =>
      (await trends({ ...s, timezone, breakdown: [{ by }], scope: scope(utc('2024-02-28 00:00:00'), utc('2024-03-04 00:00:00')) })).series.map((x) => x.breakdownValue);
    expect(await key('HOUR_OF_DAY', 'UTC')).toEqual([['23']]);
    expect(await key('HOUR_OF_DAY', 'Asia/Shanghai')).toEqual([['7']]);
    expect(await key('DAY_OF_WEEK', 'UTC')).toEqual([['5']]); // Friday
    expect(await key('DAY_OF_WEEK', 'Asia/Shanghai')).toEqual([['6']]); // Saturday
    // HOUR buckets in a half-hour zone start on local hours (Asia/Kolkata, UTC+5:30).
    const h = await trends({ ...s, interval: 'HOUR', timezone: 'Asia/Kolkata', scope: scope(utc('2024-03-01 23:00:00'), utc('2024-03-02 00:30:00')) });
    expect(h.series[0]!.points).toEqual([
      { at: '2024-03-01T22:30:00.000Z', value: 0 },
      { at: '2024-03-01T23:30:00.000Z', value: 1 },
    ]);
  });

  it('hand-checked: MAU at MONTH counts the month\'s own people, not a 30-day window (31-day January, 29-day February)', async () => {
    await recordAll(t, [
      { messageId: 'mau-1', event: 'Mau Jan First', userId: 'mau-a', occurredAt: '2024-01-01T00:00:00Z' },
      { messageId: 'mau-2', event: 'Mau Jan Last', userId: 'mau-b', occurredAt: '2024-01-31T12:00:00Z' },
    ]);
    // January: active on Jan 1, so in the month (a 30-day window ending Jan 31 would start on Jan 2).
    const jan = await trends({ scope: scope(utc('2024-01-01 00:00:00'), utc('2024-02-01 00:00:00')), interval: 'MONTH', series: [{ event: 'Mau Jan First', math: 'MAU' }] });
    expect(jan.series[0]!.points).toEqual([{ at: '2024-01-01T00:00:00.000Z', value: 1 }]);
    // February: active only on Jan 31, so not in the month (a 30-day window ending Feb 29 would reach Jan 31).
    const feb = await trends({ scope: scope(utc('2024-02-01 00:00:00'), utc('2024-03-01 00:00:00')), interval: 'MONTH', series: [{ event: 'Mau Jan Last', math: 'MAU' }] });
    expect(feb.series[0]!.points).toEqual([{ at: '2024-02-01T00:00:00.000Z', value: 0 }]);
  });

  it('hand-checked: missing values are None, the rest beyond the limit is Other and counts a person once; merged customers count once', async () => {
    const at = (m: number) => iso(utc('2024-05-01 10:00:00') + m * 60_000);
    const input: TouchpointInput[] = [
      { messageId: 'nv-1', event: 'Hand View', userId: 'hp', channel: 'WEB', properties: { color: 'red' }, occurredAt: at(0) },
      { messageId: 'nv-2', event: 'Hand View', userId: 'hp', channel: 'APP', properties: { color: 'red' }, occurredAt: at(1) },
      { messageId: 'nv-3', event: 'Hand View', userId: 'hp', channel: 'EMAIL', properties: {}, occurredAt: at(2) },
      { messageId: 'nv-4', event: 'Hand View', userId: 'hq', channel: 'WEB', properties: { color: null }, occurredAt: at(3) },
      { messageId: 'nv-5', event: 'Hand View', userId: 'hq', channel: 'WEB', properties: { color: 'blue' }, occurredAt: at(4) },
      { messageId: 'nv-6', event: 'Hand View', userId: 'hq', channel: 'WEB', properties: { color: 'blue' }, occurredAt: at(5) },
      // An anonymous visit of hq, merged into hq below.
      { messageId: 'nv-7', event: 'Hand View', anonymousId: 'hq-anon', channel: 'WEB', properties: { color: 'blue' }, occurredAt: at(6) },
    ];
    const res = await recordAll(t, input);
    await t.ok(MergeCustomersDocument, { winnerId: res[3]!.customerId!, loserId: res[6]!.customerId! });
    const base = { scope: scope(utc('2024-05-01 00:00:00'), utc('2024-05-02 00:00:00')), series: [{ event: 'Hand View' }] };
    const rows = async (v: Partial<TrendsQueryVariables>) => (await trends({ ...base, ...v })).series.map((r) => [r.other ? 'Other' : r.breakdownValue, r.total]);

    // color: blue 3 (hq), red 2 (hp), None 2 (hp's absent, hq's JSON null).
    expect(await rows({ breakdown: [{ by: 'EVENT_PROPERTY', key: 'color' }] })).toEqual([
      [['blue'], 3],
      [['red'], 2],
      [[null], 2],
    ]);
    // People: 2 (hq with its merged anonymous visit is one); touchpoints per person 7 / 2.
    expect(await rows({ series: [{ event: 'Hand View', math: 'UNIQUE_CUSTOMERS' }, { event: 'Hand View', math: 'PER_CUSTOMER_AVG' }] })).toEqual([
      [null, 2],
      [null, 3.5],
    ]);
    // By channel, limit 1: WEB (2 people) kept; APP and EMAIL (both hp) are Other: one person, not two.
    expect(await rows({ series: [{ event: 'Hand View', math: 'UNIQUE_CUSTOMERS' }], breakdown: [{ by: 'CHANNEL' }], breakdownLimit: 1 })).toEqual([
      [['WEB'], 2],
      ['Other', 1],
    ]);
    // TOTAL by channel, limit 1: WEB 5, Other 2.
    expect(await rows({ breakdown: [{ by: 'CHANNEL' }], breakdownLimit: 1 })).toEqual([
      [['WEB'], 5],
      ['Other', 2],
    ]);
    // A filter, a channel and a type narrow the touchpoints like funnel steps.
    expect(await rows({ series: [{ event: 'Hand View', channel: 'WEB', type: 'TRACK', where: [{ prop: 'color', op: 'EQ', value: 'blue' }] }] })).toEqual([[null, 3]]);
    expect(await rows({ series: [{ event: 'Hand View', type: 'PAGE' }] })).toEqual([[null, 0]]);
  });

  it('hand-checked: SEGMENT breakdown counts a person in two segments in both, and people in none as None', async () => {
    const at = iso(utc('2024-06-01 10:00:00'));
    await recordAll(t, [
      { messageId: 'sg-1', type: 'IDENTIFY', userId: 'sg-a', traits: { plan: 'pro', tier: 'gold' }, occurredAt: at },
      { messageId: 'sg-2', type: 'IDENTIFY', userId: 'sg-b', traits: { plan: 'pro' }, occurredAt: at },
      { messageId: 'sg-3', type: 'IDENTIFY', userId: 'sg-c', traits: { plan: 'free' }, occurredAt: at },
      { messageId: 'sg-4', event: 'Seg Event', userId: 'sg-a', occurredAt: at },
      { messageId: 'sg-5', event: 'Seg Event', userId: 'sg-b', occurredAt: at },
      { messageId: 'sg-6', event: 'Seg Event', userId: 'sg-c', occurredAt: at },
    ]);
    await t.ok(CreateSegmentDocument, { input: { name: 'Pro plan', rule: { trait: 'plan', op: 'eq', value: 'pro' } } });
    await t.ok(CreateSegmentDocument, { input: { name: 'Gold tier', rule: { trait: 'tier', op: 'eq', value: 'gold' } } });
    const r = await trends({ scope: scope(utc('2024-06-01 00:00:00'), utc('2024-06-02 00:00:00')), series: [{ event: 'Seg Event', math: 'UNIQUE_CUSTOMERS' }], breakdown: [{ by: 'SEGMENT' }] });
    // Other segments (from other tests) may hold nobody here; only these three people have "Seg Event".
    expect(r.series.map((x) => [x.breakdownValue, x.total])).toEqual([
      [['Pro plan'], 2],
      [['Gold tier'], 1],
      [[null], 1],
    ]);
    // TRAIT by the person's current traits.
    const p = await trends({ scope: scope(utc('2024-06-01 00:00:00'), utc('2024-06-02 00:00:00')), series: [{ event: 'Seg Event' }], breakdown: [{ by: 'TRAIT', key: 'plan' }] });
    expect(p.series.map((x) => [x.breakdownValue, x.total])).toEqual([
      [['pro'], 2],
      [['free'], 1],
    ]);
  });

  it('hand-checked: ACCOUNT_TRAIT breaks down by the trait of the account the person joined first that has it; merged members count once', async () => {
    const at = (h: number) => iso(utc('2024-08-01 00:00:00') + h * H);
    const input: TouchpointInput[] = [
      // at-a joins acme (plan enterprise) then beta (plan team): acme, joined first. at-b is in beta only; at-c in gamma,
      // which has no plan (None); at-d in no account (None). at-e's anonymous id joins beta, then is merged into at-e.
      { messageId: 'acc-g1', type: 'GROUP', userId: 'at-a', groupId: 'at-acme', traits: { plan: 'enterprise' }, occurredAt: at(0) },
      { messageId: 'acc-g2', type: 'GROUP', userId: 'at-a', groupId: 'at-beta', traits: { plan: 'team' }, occurredAt: at(1) },
      { messageId: 'acc-g3', type: 'GROUP', userId: 'at-b', groupId: 'at-beta', occurredAt: at(1) },
      { messageId: 'acc-g4', type: 'GROUP', userId: 'at-c', groupId: 'at-gamma', traits: { size: 3 }, occurredAt: at(1) },
      { messageId: 'acc-g5', type: 'GROUP', anonymousId: 'at-e-anon', groupId: 'at-beta', occurredAt: at(1) },
      ...['at-a', 'at-a', 'at-b', 'at-c', 'at-d', 'at-e'].map((u, i): TouchpointInput => ({ messageId: `acc-e${i}`, event: 'Acc Event', userId: u, occurredAt: at(2 + i) })),
      { messageId: 'acc-e9', event: 'Acc Event', anonymousId: 'at-e-anon', occurredAt: at(3) },
    ];
    const res = await recordAll(t, input);
    const cid = (pred: (x: TouchpointInput) => boolean) => res[input.findIndex(pred)]!.customerId!;
    await t.ok(MergeCustomersDocument, { winnerId: cid((x) => x.userId === 'at-e'), loserId: cid((x) => x.anonymousId === 'at-e-anon') });
    const r = await trends({ scope: scope(utc('2024-08-01 00:00:00'), utc('2024-08-02 00:00:00')), series: [{ event: 'Acc Event', math: 'UNIQUE_CUSTOMERS' }, { event: 'Acc Event' }], breakdown: [{ by: 'ACCOUNT_TRAIT', key: 'plan' }] });
    expect(r.series.map((x) => [x.seriesIndex, x.breakdownValue, x.total])).toEqual([
      // people: team at-b, at-e (its anonymous customer, merged into it, joined beta); None at-c, at-d; enterprise at-a.
      // Equal totals: by value, None last.
      [0, ['team'], 2],
      [0, [null], 2],
      [0, ['enterprise'], 1],
      // touchpoints: at-a 2, at-b 1, at-e 1 + its anonymous 1, at-c 1, at-d 1.
      [1, ['team'], 3],
      [1, ['enterprise'], 2],
      [1, [null], 2],
    ]);
  });

  it('READER keys: no breakdown by or statistic of personal data; email-shaped values masked', async () => {
    const at = iso(utc('2024-07-01 10:00:00'));
    await recordAll(t, [{ messageId: 'pii-1', event: 'Pii Event', userId: 'pii-a', properties: { ref: 'ada@example.com', amount: 3 }, context: { device: { type: 'mobile' } }, occurredAt: at }]);
    const base = { scope: scope(utc('2024-07-01 00:00:00'), utc('2024-07-02 00:00:00')), series: [{ event: 'Pii Event' }] };
    const reader = { authorization: `Bearer ${t.keys.READER}` };
    const asReader = (v: TrendsQueryVariables) => t.gql(TrendsDocument, v, reader);
    const refused: [TrendsQueryVariables, string][] = [
      [{ ...base, breakdown: [{ by: 'TRAIT' as const, key: 'email' }] }, 'breakdown[0].key'],
      [{ ...base, breakdown: [{ by: 'EVENT_PROPERTY' as const, key: 'phone' }] }, 'breakdown[0].key'],
      [{ ...base, breakdown: [{ by: 'CONTEXT' as const, key: 'traits.email' }] }, 'breakdown[0].key'],
      [{ ...base, series: [{ event: 'Pii Event', math: 'SUM' as const, property: 'birthday' }] }, 'series[0].property'],
      [{ ...base, series: [{ event: 'Pii Event', where: [{ prop: 'ref', op: 'EQ' as const, value: 'ada@example.com' }] }] }, 'series[0].where[0].value'],
    ];
    for (const [v, path] of refused) {
      const r = await asReader(v);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', paths: [path] });
    }
    const ok = await asReader({ ...base, breakdown: [{ by: 'EVENT_PROPERTY', key: 'ref' }, { by: 'CONTEXT', key: 'device.type' }] });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.trends.series.map((x) => x.breakdownValue)).toEqual([['a•••@example.com', 'mobile']]);
    const admin = await trends({ ...base, breakdown: [{ by: 'EVENT_PROPERTY', key: 'ref' }] });
    expect(admin.series.map((x) => x.breakdownValue)).toEqual([['ada@example.com']]);
  });

  it('refuses bad input with codes', async () => {
    const base: TrendsQueryVariables = { scope: scope(utc('2018-01-01 00:00:00'), utc('2018-02-01 00:00:00')), series: [{ event: 'Order Completed' }] };
    const code = async (v: Partial<TrendsQueryVariables>) => {
      const r = await t.gql(TrendsDocument, { ...base, ...v });
      expect(r.data ?? null).toBeNull();
      return r.errors![0]!.extensions as Record<string, unknown>;
    };
    expect(await code({ breakdown: [{ by: 'CHANNEL' }, { by: 'SOURCE_NAME' }, { by: 'HOUR_OF_DAY' }, { by: 'DAY_OF_WEEK' }] })).toMatchObject({ code: 'TOO_MANY_BREAKDOWNS', max: 3 });
    const attr = await code({ breakdown: [{ by: 'ATTRIBUTE', key: 'shoeSize' }] });
    expect(attr).toMatchObject({ code: 'BAD_BREAKDOWN', field: 'breakdown[0].key' });
    expect(attr.allowed).toEqual(expect.arrayContaining(['country', 'city', 'rfmTier']));
    expect(await code({ breakdown: [{ by: 'ATTRIBUTE', key: 'email' }] })).toMatchObject({ code: 'BAD_BREAKDOWN' });
    expect(await code({ breakdown: [{ by: 'TRAIT' }] })).toMatchObject({ code: 'BAD_BREAKDOWN', field: 'breakdown[0].key' });
    expect(await code({ breakdown: [{ by: 'CHANNEL', key: 'x' }] })).toMatchObject({ code: 'BAD_BREAKDOWN', field: 'breakdown[0].key' });
    expect(await code({ breakdown: [{ by: 'CONTEXT', key: 'device..type' }] })).toMatchObject({ code: 'BAD_BREAKDOWN' });
    // 60 days of hours = 1,440 buckets; the compare range is checked too (HOUR over 30 days is 720, twice that with compare is still per range).
    expect(await code({ interval: 'HOUR', scope: scope(utc('2018-01-01 00:00:00'), utc('2018-03-02 00:00:00')) })).toMatchObject({ code: 'TOO_MANY_BUCKETS', max: 1000, buckets: 1440 });
    expect(await code({ series: Array.from({ length: 11 }, () => ({ event: 'Order Completed' })) })).toMatchObject({ code: 'TOO_MANY_SERIES', max: 10 });
    expect(await code({ series: [] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'series' });
    for (const timezone of ['Mars/Olympus', 'EST5EDT+1', '+08:00', 'utc+8', '']) expect(await code({ timezone })).toMatchObject({ code: 'UNKNOWN_TIMEZONE', field: 'timezone' });
    expect(await code({ series: [{ event: 'Order Complete' }] })).toMatchObject({ code: 'UNKNOWN_EVENT', events: ['Order Complete'] });
    expect(await code({ breakdownLimit: 0 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'breakdownLimit' });
    expect(await code({ breakdownLimit: 101 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'breakdownLimit' });
    expect(await code({ series: [{ event: 'Order Completed', math: 'SUM' }] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'series[0].property' });
    expect(await code({ series: [{ event: 'Order Completed', property: 'revenue' }] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'series[0].property' });
    expect(await code({ series: [{ event: 'Order Completed', where: [{ prop: 'status', op: 'IN', value: [] }] }] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'series[0].where[0].value' });
    expect(await code({ scope: scope(utc('2018-02-01 00:00:00'), utc('2018-01-01 00:00:00')) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scope.from' });
  });
});
