/**
 * W14 learned insights through the API: the silhouette of a demo clustering and the held-out AUC of a
 * conversion propensity model. Quality figures, not speed; each against a hand-made baseline computed
 * here on the same customers.
 *
 * Clusters: the Olist sample orders with a payment (../shared/datasets; one customer per order, as in
 * tests/integration/clusters.test.ts), clusterCustomers on RECENCY, FREQUENCY, MONETARY with k chosen
 * by silhouette. Baseline: the same k as equal-size bins of MONETARY (a hand-written spend tiering),
 * its silhouette in the same scaled space.
 *
 * Propensity: every 3rd session of the UCI online shoppers data (4,110 sessions), expanded into page
 * views (at most 15 per page type, each carrying the session's pageValue, exitRate and bounceRate) and
 * an "Order Completed" when the session bought, placed in 2017 in their month; trainPropensity
 * CONVERSION with the time split at 2017-11-01 (train February–October, evaluate November–December).
 * Baseline: the session's page-view count as the score (more pages, more likely to buy), AUC on the same
 * held-out sessions. Published models on the full data reach about 0.9 (random splits).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { BenchContext } from '../lib/context.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { findDatasets } from '../../scripts/sentiment-data.ts';
import { fitScaler, scale, silhouette } from '../../src/modules/clusters/cluster.math.ts';
import { rocAuc } from '../../src/modules/propensity/auc.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'June', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SPLIT_AT = '2017-11-01T00:00:00.000Z';
const CAP = 15;
const DAY = 86_400_000;

const csv = (dir: string, file: string, delimiter = ',') =>
  parse(readFileSync(path.join(dir, file)), { columns: true, skip_empty_lines: true, delimiter, record_delimiter: ['\r\n', '\n'] }) as Record<string, string>[];

async function gql<T>(ctx: BenchContext, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${ctx.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...ctx.authHeaders }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`W14: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function record(ctx: BenchContext, input: Record<string, unknown>[]) {
  for (let i = 0; i < input.length; i += 1000) {
    await gql(ctx, 'mutation R($input: [TouchpointInput!]!) { recordTouchpoints(input: $input) { accepted } }', { input: input.slice(i, i + 1000) });
  }
}

async function clusters(ctx: BenchContext, dir: string): Promise<ResultRow> {
  const pay = new Map<string, number>();
  for (const p of csv(dir, 'olist_sample_order_payments_dataset.csv')) pay.set(p.order_id!, (pay.get(p.order_id!) ?? 0) + Number(p.payment_value));
  const orders = csv(dir, 'olist_sample_orders_dataset.csv').filter((o) => pay.has(o.order_id!));
  const to = '2018-11-01T00:00:00.000Z';
  await record(
    ctx,
    orders.map((o) => ({
      messageId: `w14-order-${o.order_id}`,
      identities: [{ type: 'CRM_ID', value: `w14-${o.customer_id}` }],
      event: o.order_status === 'delivered' ? 'Order Completed' : 'Order Placed',
      channel: 'WEB',
      revenue: Math.round(pay.get(o.order_id!)! * 100) / 100,
      occurredAt: `${o.order_purchase_timestamp!.replace(' ', 'T')}Z`,
    })),
  );
  const run = (
    await gql<{ clusterCustomers: { k: number; silhouette: number; customers: number; clusters: { size: number; description: string }[] } }>(
      ctx,
      'mutation C($input: ClusterCustomersInput!) { clusterCustomers(input: $input) { k silhouette customers clusters { size description } } }',
      { input: { features: ['RECENCY', 'FREQUENCY', 'MONETARY'], scope: { from: '2016-01-01T00:00:00Z', to }, seed: 1 } },
    )
  ).clusterCustomers;
  // Baseline: equal-size spend tiers, scored in the same scaled space.
  const rows = orders.map((o) => {
    const done = o.order_status === 'delivered';
    return [(+new Date(to) - +new Date(`${o.order_purchase_timestamp!.replace(' ', 'T')}Z`)) / DAY, done ? 1 : 0, done ? Math.round(pay.get(o.order_id!)! * 100) / 100 : 0];
  });
  const scaler = fitScaler(rows, ['log1p', 'log1p', 'log1p']);
  const order = rows.map((r, i) => [r[2]!, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const tiers = new Array<number>(rows.length);
  order.forEach(([, i], rank) => (tiers[i] = Math.floor((rank * run.k) / rows.length)));
  const base = silhouette(rows.map((r) => scale(scaler, r)), tiers);
  ctx.log(`W14 clusters: k=${run.k}, silhouette ${run.silhouette.toFixed(4)} on ${run.customers} customers (${run.clusters.map((c) => `${c.size}: ${c.description}`).join('; ')}); spend tiers ${base.toFixed(4)}`);
  return row({
    workload: 'W14',
    name: `clusterCustomers silhouette, Olist sample orders with payments (${run.customers} customers, RECENCY/FREQUENCY/MONETARY, k=${run.k} chosen)`,
    figure: run.silhouette,
    unit: 'silhouette',
    baseline: { name: `${run.k} equal-size spend tiers`, figure: base },
    better: 'higher',
    details: { k: run.k, clusters: run.clusters },
  });
}

async function propensity(ctx: BenchContext, dir: string): Promise<ResultRow> {
  const sessions = csv(dir, 'online_shoppers_intention.csv', ';').filter((_, i) => i % 3 === 0);
  const input: Record<string, unknown>[] = [];
  const meta: { start: number; bought: boolean; pages: number; any: boolean }[] = [];
  sessions.forEach((s, i) => {
    const user = `w14-uci-${i}`;
    const start = Date.UTC(2017, MONTHS.indexOf(s.Month!), 1 + (i % 28), 8 + (i % 12), i % 60);
    let at = start;
    let pages = 0;
    const props = { pageValue: Number(s.PageValues), exitRate: Number(s.ExitRates), bounceRate: Number(s.BounceRates) };
    for (const kind of ['Administrative', 'Informational', 'ProductRelated']) {
      const n = Number(s[kind]);
      const dwell = n > 0 ? (Number(s[`${kind}_Duration`]) * 1000) / n : 0;
      for (let k = 0; k < Math.min(n, CAP); k++) {
        input.push({ messageId: `${user}-${kind}-${k}`, type: 'PAGE', userId: user, properties: { name: kind, ...props }, occurredAt: new Date(Math.round(at)).toISOString() });
        at += dwell;
        pages++;
      }
    }
    const bought = s.Revenue === 'TRUE';
    if (bought) input.push({ messageId: `${user}-buy`, userId: user, event: 'Order Completed', occurredAt: new Date(Math.round(at) + 1000).toISOString() });
    meta.push({ start, bought, pages, any: pages > 0 || bought });
  });
  const t0 = performance.now();
  await record(ctx, input);
  ctx.log(`W14 propensity: ${input.length} touchpoints of ${sessions.length} sessions recorded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const model = (
    await gql<{ trainPropensity: { auc: number; trainCount: number; evalCount: number; evalPositives: number } }>(
      ctx,
      'mutation T($input: TrainPropensityInput!) { trainPropensity(input: $input) { auc trainCount evalCount evalPositives } }',
      { input: { kind: 'CONVERSION', splitAt: SPLIT_AT, numericProperties: ['pageValue', 'exitRate', 'bounceRate'] } },
    )
  ).trainPropensity;
  const held = meta.filter((m) => m.any && m.start >= +new Date(SPLIT_AT));
  const base = rocAuc(held.map((m) => m.pages), held.map((m) => m.bought))!;
  ctx.log(`W14 propensity: held-out AUC ${model.auc.toFixed(4)} (train ${model.trainCount}, evaluate ${model.evalCount} with ${model.evalPositives} buyers); page-count baseline ${base.toFixed(4)}`);
  return row({
    workload: 'W14',
    name: `trainPropensity CONVERSION held-out AUC, UCI online shoppers (every 3rd session; train Feb–Oct, evaluate Nov–Dec: ${model.evalCount} sessions)`,
    figure: model.auc,
    unit: 'AUC',
    baseline: { name: 'page-view count as the score', figure: base },
    better: 'higher',
    details: { ...model, target: 0.85, published: 0.9 },
  });
}

export async function runW14(ctx: BenchContext): Promise<ResultRow[]> {
  const dir = findDatasets();
  if (!dir) throw new Error('W14 needs ../shared/datasets (olist_sample_orders_dataset.csv, olist_sample_order_payments_dataset.csv, online_shoppers_intention.csv)');
  return [await clusters(ctx, dir), await propensity(ctx, dir)];
}
