/**
 * rfm on the Olist sample orders and payments, plus a synthetic shop with repeat buyers.
 *
 * Olist: every order becomes a touchpoint of the customer whose CRM_ID is the order's customer_id (the
 * datasets README: only the order's customer_id identifies a person in these sample heads), at
 * order_purchase_timestamp (UTC). Delivered orders are "Order Completed", the others (shipped,
 * canceled, unavailable, ...) "Order Placed" and must not count. Revenue is the order's payments
 * summed and rounded to cents; the payments file is a head, so most orders have none (revenue null:
 * not an order for RFM either). In Olist a customer_id is unique per order, so every frequency is 1
 * and F is decided entirely by the tie rule; the synthetic "Purchase" data (seededRandom) gives
 * 1-8 orders per customer, whole-day times and a few amounts, so every tie-break is exercised.
 *
 * The reference below recomputes recency/frequency/monetary from the CSV rows, ntile(5) with the same
 * ordering (value, then the other two, ascending, then customer id) and the grid of rfm.grid.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RfmDocument, type RfmQuery, type RfmTier, type TouchpointInput } from '../generated/graphql.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { rfmTier } from '../../src/modules/analytics/rfm.grid.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { recordAll } from '../helpers/record.ts';

const TIERS: RfmTier[] = ['CHAMPIONS', 'LOYAL', 'POTENTIAL', 'NEW', 'AT_RISK', 'HIBERNATING', 'LOST'];
const utc = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);

interface Order {
  crm: string;
  event: string;
  at: number; // epoch ms
  cents: number | null;
}

const payments = new Map<string, number>();
for (const p of readCsv('olist_sample_order_payments_dataset.csv')) payments.set(p.order_id!, (payments.get(p.order_id!) ?? 0) + Number(p.payment_value));
const olist: (Order & { id: string })[] = readCsv('olist_sample_orders_dataset.csv').map((o) => ({
  id: o.order_id!,
  crm: o.customer_id!,
  event: o.order_status === 'delivered' ? 'Order Completed' : 'Order Placed',
  at: +utc(o.order_purchase_timestamp!),
  cents: payments.has(o.order_id!) ? Math.round(payments.get(o.order_id!)! * 100) : null,
}));

/** 300 shoppers with 1-8 purchases each over 2024, whole days, amounts from a short list (ties on every axis); some zero, some after asOf. */
function synthetic(): Order[] {
  const rnd = seededRandom(6);
  const out: Order[] = [];
  for (let i = 0; i < 300; i++) {
    const n = rnd.int(1, 8);
    for (let k = 0; k < n; k++) {
      const day = rnd.int(0, 400); // 2024-01-01 + day; past 2024-12-31 is after asOf
      out.push({ crm: `shopper-${i}`, event: 'Purchase', at: Date.UTC(2024, 0, 1 + day, 12), cents: rnd.pick([0, 1000, 1000, 2500, 4999, 10000]) });
    }
  }
  return out;
}
const shop = synthetic();

interface Ref {
  last: number;
  frequency: number;
  cents: number;
  r: number;
  f: number;
  m: number;
  tier: RfmTier;
}

/** PostgreSQL's ntile(5) over rows already in window order: the first n mod 5 buckets get one row more. */
function ntile5<T>(sorted: T[]): Map<T, number> {
  const n = sorted.length;
  const q = Math.floor(n / 5);
  const rem = n % 5;
  const out = new Map<T, number>();
  let i = 0;
  for (let b = 1; b <= 5; b++) for (let k = 0; k < q + (b <= rem ? 1 : 0); k++) out.set(sorted[i++]!, b);
  return out;
}

function reference(orders: Order[], event: string, asOf: Date, idOf: Map<string, string>, range?: { from: Date; to: Date }): Map<string, Ref> {
  const per = new Map<string, { last: number; frequency: number; cents: number }>();
  for (const o of orders) {
    if (o.event !== event || o.cents == null || o.cents <= 0 || o.at > +asOf) continue;
    if (range && (o.at < +range.from || o.at >= +range.to)) continue;
    const p = per.get(o.crm) ?? { last: -Infinity, frequency: 0, cents: 0 };
    per.set(o.crm, { last: Math.max(p.last, o.at), frequency: p.frequency + 1, cents: p.cents + o.cents });
  }
  const ids = [...per.keys()];
  const id = (crm: string) => idOf.get(crm)!;
  const cmp = (...keys: ((c: string) => number)[]) => (a: string, b: string) => {
    for (const k of keys) if (k(a) !== k(b)) return k(a) - k(b);
    return id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0;
  };
  const L = (c: string) => per.get(c)!.last;
  const F = (c: string) => per.get(c)!.frequency;
  const M = (c: string) => per.get(c)!.cents;
  const r = ntile5([...ids].sort(cmp(L, F, M)));
  const f = ntile5([...ids].sort(cmp(F, M, L)));
  const m = ntile5([...ids].sort(cmp(M, F, L)));
  return new Map(ids.map((c) => [c, { ...per.get(c)!, r: r.get(c)!, f: f.get(c)!, m: m.get(c)!, tier: rfmTier(r.get(c)!, f.get(c)!) as RfmTier }]));
}

type Node = RfmQuery['rfm']['edges'][number]['node'];

describe.each(dbKinds)('rfm on the Olist sample orders and a synthetic shop on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    // Olist sells in reais: BRL is the base currency, so its amounts need no exchange rate.
    t = await startTestServer(kind, { baseCurrency: 'BRL' });
    const input: TouchpointInput[] = [
      ...olist.map((o) => ({
        messageId: `order-${o.id}`,
        identities: [{ type: 'CRM_ID' as const, value: o.crm }],
        event: o.event,
        channel: 'WEB' as const,
        revenue: o.cents == null ? null : o.cents / 100,
        currency: 'BRL',
        occurredAt: new Date(o.at).toISOString(),
      })),
      ...shop.map((o, i) => ({
        messageId: `shop-${i}`,
        identities: [{ type: 'CRM_ID' as const, value: o.crm }],
        event: o.event,
        channel: 'APP' as const,
        revenue: o.cents! / 100,
        currency: 'BRL', // one currency for both shops: M compares amounts across customers
        occurredAt: new Date(o.at).toISOString(),
      })),
    ];
    await recordAll(t, input);
  }, 120_000);
  afterAll(() => t?.stop());

  /** Every scored customer, page by page (100 at a time), keyed by CRM id. */
  async function all(vars: { asOf: string; orderEvent?: string; scope?: { from: string; to: string }; tier?: RfmTier }) {
    const nodes = new Map<string, Node>();
    let after: string | null | undefined = null;
    let result: RfmQuery['rfm'] | null = null;
    do {
      result = (await t.ok(RfmDocument, { ...vars, first: 100, after })).rfm;
      for (const e of result.edges) {
        const crm = e.node.customer!.identities.find((i) => i.type === 'CRM_ID')!.value;
        expect(nodes.has(crm)).toBe(false);
        nodes.set(crm, e.node);
      }
      after = result.pageInfo.endCursor;
    } while (result.pageInfo.hasNextPage);
    return { result, nodes };
  }

  function compare(nodes: Map<string, Node>, ref: Map<string, Ref>, asOf: Date, tiers: { tier: RfmTier; customers: number }[]) {
    expect([...nodes.keys()].sort()).toEqual([...ref.keys()].sort());
    for (const [crm, e] of ref) {
      const n = nodes.get(crm)!;
      expect({ crm, frequency: n.frequency, last: +new Date(n.lastOrderAt), r: n.r, f: n.f, m: n.m, tier: n.tier }).toEqual({
        crm,
        frequency: e.frequency,
        last: e.last,
        r: e.r,
        f: e.f,
        m: e.m,
        tier: e.tier,
      });
      expect(n.monetary).toBeCloseTo(e.cents / 100, 6);
      expect(n.recencyDays).toBeCloseTo((+asOf - e.last) / 86_400_000, 9);
    }
    expect(tiers).toEqual(TIERS.map((tier) => ({ tier, customers: [...ref.values()].filter((e) => e.tier === tier).length })));
  }

  const idMap = (nodes: Map<string, Node>) => new Map([...nodes].map(([crm, n]) => [crm, n.customerId]));

  it('scores every Olist customer with a completed, paid order exactly as the reference', async () => {
    const asOf = new Date('2018-10-01T00:00:00Z');
    const { result, nodes } = await all({ asOf: asOf.toISOString() });
    const ref = reference(olist, 'Order Completed', asOf, idMap(nodes));
    expect(ref.size).toBe(170); // delivered orders with a payment in the sample
    expect(result.customersScored).toBe(170);
    expect(result.orderEvent).toBe('Order Completed');
    compare(nodes, ref, asOf, result.tiers);
    // Quintile sizes: 170 = 5 × 34.
    for (const key of ['r', 'f', 'm'] as const) for (let s = 1; s <= 5; s++) expect([...nodes.values()].filter((n) => n[key] === s)).toHaveLength(34);
  });

  it('counts only orders up to asOf, and only those in scope when a scope is given', async () => {
    const asOf = new Date('2018-03-01T00:00:00Z');
    const { result, nodes } = await all({ asOf: asOf.toISOString() });
    const ref = reference(olist, 'Order Completed', asOf, idMap(nodes));
    expect(ref.size).toBeGreaterThan(30);
    expect(ref.size).toBeLessThan(170);
    compare(nodes, ref, asOf, result.tiers);

    const range = { from: new Date('2017-06-01T00:00:00Z'), to: new Date('2018-01-01T00:00:00Z') };
    const scoped = await all({ asOf: asOf.toISOString(), scope: { from: range.from.toISOString(), to: range.to.toISOString() } });
    const scopedRef = reference(olist, 'Order Completed', asOf, idMap(scoped.nodes), range);
    expect(scopedRef.size).toBeGreaterThan(20);
    compare(scoped.nodes, scopedRef, asOf, scoped.result.tiers);
  });

  it('scores repeat buyers with ties on every axis exactly as the reference (orderEvent, tier filter)', async () => {
    const asOf = new Date('2024-12-31T23:59:59Z');
    const { result, nodes } = await all({ asOf: asOf.toISOString(), orderEvent: 'Purchase' });
    const ref = reference(shop, 'Purchase', asOf, idMap(nodes));
    expect(ref.size).toBeGreaterThan(250);
    expect(new Set([...ref.values()].map((e) => e.frequency)).size).toBeGreaterThan(5);
    compare(nodes, ref, asOf, result.tiers);
    expect(result.tiers.filter((x) => x.customers > 0).length).toBeGreaterThanOrEqual(6);
    // A tier filter pages only that tier; the sizes stay those of everyone.
    const loyal = await all({ asOf: asOf.toISOString(), orderEvent: 'Purchase', tier: 'LOYAL' });
    expect([...loyal.nodes.keys()].sort()).toEqual([...ref].filter(([, e]) => e.tier === 'LOYAL').map(([c]) => c).sort());
    expect(loyal.result.tiers).toEqual(result.tiers);
  });

  it('refuses an unknown order event, a page over 100 and a bad cursor', async () => {
    const ext = async (vars: Record<string, unknown>) => (await t.gql(RfmDocument, { asOf: '2019-01-01T00:00:00Z', ...vars })).errors?.[0]?.extensions;
    expect(await ext({ orderEvent: 'Order Teleported' })).toMatchObject({ code: 'UNKNOWN_EVENT', events: ['Order Teleported'] });
    expect(await ext({ orderEvent: '' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderEvent' });
    expect(await ext({ first: 101 })).toMatchObject({ code: 'PAGE_SIZE_TOO_LARGE' });
    expect(await ext({ after: 'nope' })).toMatchObject({ code: 'INVALID_CURSOR' });
    expect(await ext({ scope: { from: '2019-01-01T00:00:00Z', to: '2018-01-01T00:00:00Z' } })).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
