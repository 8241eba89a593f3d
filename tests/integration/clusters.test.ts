/**
 * clusterCustomers on the Olist sample orders and payments.
 *
 * Every Olist order with a payment in the sample becomes a touchpoint of the customer whose CRM_ID is
 * the order's customer_id (unique per order in Olist), at order_purchase_timestamp (UTC), with the
 * payments summed as revenue: delivered orders are "Order Completed", the others "Order Placed". The
 * reference below recomputes the features from the CSV rows as docs/clusters.md defines them (recency
 * in days to `to`, completed orders, their revenue, channel shares), scales them itself (log1p,
 * population standardisation) and checks the server's answer against that: its silhouette by a plain
 * O(n²) computation on the returned assignments, and every customer sitting with its nearest returned
 * centre (centres come back in original units and are scaled here the same way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterCustomersDocument,
  ClusterRunByIdDocument,
  ClusterRunsDocument,
  CreateSegmentDocument,
  type CustomersLearnedQuery,
  CustomersLearnedDocument,
  EraseCustomerDocument,
  PreviewSegmentDocument,
  SegmentDetailDocument,
  TrendsDocument,
  type ClusterCustomersInput,
  type ClusterRunFieldsFragment,
  type TouchpointInput,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { recordAll } from '../helpers/record.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DAY = 86_400_000;
const utc = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);
const FROM = '2016-01-01T00:00:00.000Z';
const TO = '2018-11-01T00:00:00.000Z';

const payments = new Map<string, number>();
for (const p of readCsv('olist_sample_order_payments_dataset.csv')) payments.set(p.order_id!, (payments.get(p.order_id!) ?? 0) + Number(p.payment_value));
const orders = readCsv('olist_sample_orders_dataset.csv')
  .filter((o) => payments.has(o.order_id!))
  .map((o) => ({ id: o.order_id!, crm: o.customer_id!, delivered: o.order_status === 'delivered', at: +utc(o.order_purchase_timestamp!), cents: Math.round(payments.get(o.order_id!)! * 100) }));

/** RECENCY, FREQUENCY, MONETARY, CHANNEL_MIX:WEB per CRM id, as docs/clusters.md defines them. */
const features = new Map<string, number[]>();
for (const o of orders) {
  // customer_id is unique per order, so each customer has exactly this one touchpoint.
  expect(features.has(o.crm)).toBe(false);
  features.set(o.crm, [(+new Date(TO) - o.at) / DAY, o.delivered ? 1 : 0, o.delivered ? o.cents / 100 : 0, 1]);
}
const TRANSFORMS = ['log1p', 'log1p', 'log1p', 'identity'] as const;
const NAMES = ['RECENCY', 'FREQUENCY', 'MONETARY', 'CHANNEL_MIX:WEB'];

function scalerOf(rows: number[][]) {
  const t = (j: number, v: number) => (TRANSFORMS[j] === 'log1p' ? Math.log1p(v) : v);
  const d = NAMES.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + t(j, r[j]!), 0) / rows.length);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (t(j, r[j]!) - mean[j]!) ** 2, 0) / rows.length));
  return (r: number[]) => r.map((v, j) => (sd[j]! > 1e-12 ? (t(j, v) - mean[j]!) / sd[j]! : t(j, v) - mean[j]!));
}
const scaleRow = scalerOf([...features.values()]);

/** Rousseeuw's silhouette, written out plainly. */
function referenceSilhouette(points: number[][], labels: number[]): number {
  const dist = (a: number[], b: number[]) => Math.hypot(...a.map((v, j) => v - b[j]!));
  const clusters = [...new Set(labels)];
  let sum = 0;
  points.forEach((p, i) => {
    const meanTo = (c: number) => {
      const others = points.filter((_, j) => j !== i && labels[j] === c);
      return others.length ? others.reduce((s, q) => s + dist(p, q), 0) / others.length : NaN;
    };
    const a = meanTo(labels[i]!);
    if (Number.isNaN(a)) return; // alone in its cluster: 0
    const b = Math.min(...clusters.filter((c) => c !== labels[i]).map(meanTo));
    sum += (b - a) / Math.max(a, b);
  });
  return sum / points.length;
}

describe.each(dbKinds)('clusterCustomers on the Olist sample on %s', (kind) => {
  let t: TestServer;
  const crmOf = new Map<string, string>();
  beforeAll(async () => {
    t = await startTestServer(kind, { baseCurrency: 'BRL' });
    const input: TouchpointInput[] = orders.map((o) => ({
      messageId: `order-${o.id}`,
      identities: [{ type: 'CRM_ID' as const, value: o.crm }],
      event: o.delivered ? 'Order Completed' : 'Order Placed',
      channel: 'WEB' as const,
      revenue: o.cents / 100,
      currency: 'BRL',
      occurredAt: new Date(o.at).toISOString(),
    }));
    await recordAll(t, input);
  }, 120_000);
  afterAll(() => t?.stop());

  const baseInput = (extra: Partial<ClusterCustomersInput> = {}): ClusterCustomersInput => ({
    features: ['RECENCY', 'FREQUENCY', 'MONETARY', 'CHANNEL_MIX'],
    scope: { from: FROM, to: TO },
    seed: 42,
    ...extra,
  });

  /** CRM id → cluster in the run, read through Customer.cluster page by page. */
  async function assignments(runId: string | null): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let after: string | null | undefined = null;
    for (;;) {
      const page: CustomersLearnedQuery['customers'] = (await t.ok(CustomersLearnedDocument, { first: 100, after, runId })).customers;
      for (const e of page.edges) {
        // An erased customer has no identities left: known by the id seen before.
        const crm = e.node.identities.find((i) => i.type === 'CRM_ID')?.value ?? crmOf.get(e.node.id)!;
        crmOf.set(e.node.id, crm);
        if (e.node.cluster) out.set(crm, e.node.cluster.cluster);
      }
      if (!page.pageInfo.hasNextPage) return out;
      after = page.pageInfo.endCursor;
    }
  }

  function checkAgainstReference(run: ClusterRunFieldsFragment, assigned: Map<string, number>) {
    expect(run.customers).toBe(features.size);
    expect([...assigned.keys()].sort()).toEqual([...features.keys()].sort());
    expect(run.clusters.map((c) => c.size)).toEqual(run.clusters.map((c) => [...assigned.values()].filter((l) => l === c.cluster).length));
    expect(run.clusters.map((c) => c.size)).toEqual([...run.clusters.map((c) => c.size)].sort((a, b) => b - a));
    const crms = [...features.keys()];
    const points = crms.map((c) => scaleRow(features.get(c)!));
    // Below 2,000 customers the silhouette is taken on all of them: it must equal the reference.
    expect(run.silhouetteSample).toBe(crms.length);
    expect(run.silhouette).toBeCloseTo(referenceSilhouette(points, crms.map((c) => assigned.get(c)!)), 9);
    const centres = run.clusters.map((c) => {
      expect(c.centre.map((v) => v.name)).toEqual(NAMES);
      return scaleRow(c.centre.map((v) => v.value));
    });
    const d2 = (a: number[], b: number[]) => a.reduce((s, v, j) => s + (v - b[j]!) ** 2, 0);
    crms.forEach((c, i) => {
      const own = d2(points[i]!, centres[assigned.get(c)!]!);
      expect(own).toBeLessThanOrEqual(Math.min(...centres.map((z) => d2(points[i]!, z))) + 1e-9);
    });
  }

  it('chooses k by silhouette and matches an independent silhouette and nearest-centre check', async () => {
    const run = (await t.ok(ClusterCustomersDocument, { input: baseInput() })).clusterCustomers;
    expect(run.kRequested).toBeNull();
    expect(run.kScores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const best = run.kScores.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
    expect(run.k).toBe(best.k);
    expect(run.silhouette).toBe(best.silhouette);
    expect(run.clusters.every((c) => c.description.length > 0)).toBe(true);
    checkAgainstReference(run, await assignments(null));
    // The centre of a cluster in original units: a channel share of 1 for an all-web shop.
    for (const c of run.clusters) expect(c.centre.find((v) => v.name === 'CHANNEL_MIX:WEB')!.value).toBeCloseTo(1, 9);
    // Trends split by the latest run's cluster: every customer has one touchpoint, so sizes.
    const trend = (
      await t.ok(TrendsDocument, { scope: { from: FROM, to: TO }, series: [{ math: 'UNIQUE_CUSTOMERS', type: 'TRACK' }], interval: 'MONTH', breakdown: [{ by: 'ATTRIBUTE', key: 'cluster' }], breakdownLimit: 25 })
    ).trends;
    expect(new Map(trend.series.map((s) => [s.breakdownValue![0], s.total]))).toEqual(new Map(run.clusters.map((c) => [String(c.cluster), c.size])));
    expect((await t.ok(ClusterRunByIdDocument, { id: run.id })).clusterRun).toEqual(run);
  });

  it('gives the same clusters for the same input and seed', async () => {
    const a = (await t.ok(ClusterCustomersDocument, { input: baseInput({ k: 4 }) })).clusterCustomers;
    const aAssigned = await assignments(a.id);
    const b = (await t.ok(ClusterCustomersDocument, { input: baseInput({ k: 4 }) })).clusterCustomers;
    expect(b.id).not.toBe(a.id);
    const strip = (r: ClusterRunFieldsFragment) => ({ ...r, id: null, createdAt: null });
    expect(strip(b)).toEqual(strip(a));
    expect(await assignments(b.id)).toEqual(aAssigned);
    checkAgainstReference(a, aAssigned);
    const runs = (await t.ok(ClusterRunsDocument, { first: 2 })).clusterRuns;
    expect(runs.map((r) => r.id)).toEqual([b.id, a.id]);
  });

  it('selects cluster members in segment rules, by run id and by "latest", and keeps them current', async () => {
    const run = (await t.ok(ClusterCustomersDocument, { input: baseInput({ k: 2 }) })).clusterCustomers;
    const assigned = await assignments(run.id);
    const byId = (await t.ok(CreateSegmentDocument, { input: { name: 'cluster 1 of a run', rule: { inCluster: { run: run.id, cluster: 1 } } } })).createSegment;
    const latest = (await t.ok(CreateSegmentDocument, { input: { name: 'latest cluster 0', rule: { inCluster: { run: 'latest', cluster: 0 } } } })).createSegment;
    const members = async (id: string) => (await t.ok(SegmentDetailDocument, { id })).segment!;
    const one = await members(byId.id);
    expect(one.size).toBe(run.clusters[1]!.size);
    expect(one.size).toBeLessThanOrEqual(100);
    expect(one.members.edges.map((e) => crmOf.get(e.node.id)!).sort()).toEqual([...assigned].filter(([, l]) => l === 1).map(([c]) => c).sort());
    expect((await members(latest.id)).size).toBe(run.clusters[0]!.size);
    expect((await t.ok(PreviewSegmentDocument, { rule: { inCluster: { run: run.id, cluster: 0 } } })).previewSegment.size).toBe(run.clusters[0]!.size);

    // A new touchpoint re-evaluates its customer incrementally: membership must not move.
    const memberCrm = [...assigned].find(([, l]) => l === 1)![0];
    await recordAll(t, [{ messageId: `extra-${kind}`, identities: [{ type: 'CRM_ID', value: memberCrm }], event: 'Page Viewed', channel: 'WEB', occurredAt: '2018-10-20T00:00:00Z' }]);
    expect((await members(byId.id)).size).toBe(run.clusters[1]!.size);

    // A newer run moves the "latest" segment (and not the one that names its run).
    const next = (await t.ok(ClusterCustomersDocument, { input: baseInput({ k: 5, features: ['RECENCY', 'MONETARY'] }) })).clusterCustomers;
    expect((await members(latest.id)).size).toBe(next.clusters[0]!.size);
    expect((await members(byId.id)).size).toBe(run.clusters[1]!.size);
  });

  it('forgets an erased customer\'s clusters and leaves them out of later runs', async () => {
    const run = (await t.ok(ClusterCustomersDocument, { input: baseInput({ k: 2 }) })).clusterCustomers;
    await assignments(run.id);
    const [id, crm] = [...crmOf].find(([, c]) => features.has(c))!;
    await t.ok(EraseCustomerDocument, { id });
    const after = await assignments(run.id);
    expect(after.has(crm)).toBe(false);
    expect(after.size).toBe(features.size - 1);
    const next = (await t.ok(ClusterCustomersDocument, { input: baseInput({ k: 2 }) })).clusterCustomers;
    expect(next.customers).toBe(features.size - 1);
  });

  it('refuses bad input with codes and stores nothing', async () => {
    const before = (await t.ok(ClusterRunsDocument, { first: 100 })).clusterRuns.length;
    const code = async (input: ClusterCustomersInput, headers?: Record<string, string>) => (await t.gql(ClusterCustomersDocument, { input }, headers)).errors?.[0]?.extensions?.code;
    expect(await code(baseInput({ k: 1 }))).toBe('BAD_USER_INPUT');
    expect(await code(baseInput({ k: 11 }))).toBe('BAD_USER_INPUT');
    expect(await code(baseInput({ features: [] }))).toBe('BAD_USER_INPUT');
    expect(await code(baseInput({ scope: { from: '2010-01-01T00:00:00Z', to: '2011-01-01T00:00:00Z' } }))).toBe('NOT_ENOUGH_DATA');
    expect(await code(baseInput(), { authorization: `Bearer ${t.keys.READER}` })).toBe('FORBIDDEN');
    expect((await t.ok(ClusterRunsDocument, { first: 100 })).clusterRuns.length).toBe(before);
    const bad = await t.gql(CreateSegmentDocument, { input: { name: 'bad', rule: { inCluster: { run: 'latest', cluster: -1 } } } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_RULE');
  });
});
