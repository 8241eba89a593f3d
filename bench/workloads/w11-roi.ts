/**
 * W11 ROI by campaign over the read data set of W2/W5/W6 (bulk-loaded customers and touchpoints from the
 * W1 event mix, conversion event Order Completed). The bulk load carries no campaigns, so each
 * touchpoint is given one of CAMPAIGNS_PER_CHANNEL campaigns of its channel by a hash of its id (a
 * set-up UPDATE, not timed); spend is then recorded through `recordSpend` for every (channel, campaign)
 * on each of SPEND_DAYS days, a quarter of it in EUR (with a rate set through `setExchangeRates`).
 *
 * Timed: `roi(by: CAMPAIGN, model: LAST_TOUCH)` through GraphQL against B12, one hand-written SQL
 * statement computing the same rows (bench/baselines/b12-roi-sql.ts). Before anything is timed, every
 * row of B12 must equal the server's (spend, conversions, value within 1e-6), or the workload fails.
 * Then `analyticsRounds` rounds alternating which side goes first; each figure is the median round.
 */
import { B12_ROI_SQL } from '../baselines/b12-roi-sql.ts';
import type { BenchContext } from '../lib/context.ts';
import { loadReadDataset } from '../lib/dataset.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { median, timed } from '../lib/timing.ts';

const CONVERSION_EVENT = 'Order Completed';
const LOOKBACK_DAYS = 30;
const CAMPAIGNS_PER_CHANNEL = 8;
const SPEND_DAYS = 30;
const FROM = new Date(Date.UTC(2024, 0, 1));
const TO = new Date(Date.UTC(2026, 0, 1));
const TOLERANCE = 1e-6;

const ROI_QUERY = `query W11Roi($scope: AnalyticsScopeInput!, $conversionEvent: String!, $lookbackDays: Int!) {
  roi(scope: $scope, conversionEvent: $conversionEvent, by: CAMPAIGN, model: LAST_TOUCH, lookbackDays: $lookbackDays) {
    rows { channel campaign spend conversions value costPerAcquisition roas roi }
  }
}`;

interface RoiRowAnswer {
  channel: string;
  campaign: string | null;
  spend: number;
  conversions: number;
  value: number;
}

export async function runW11(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  const data = await loadReadDataset(ctx, { customers: scale.readCustomers, touchpointsPerCustomer: scale.readTouchpointsPerCustomer });
  ctx.log(`  W11 data set: ${data.customers} customers, ${data.touchpoints} touchpoints`);
  await ctx.sql.query(
    `UPDATE touchpoint SET campaign = lower(channel::text) || '-' || (abs(hashtext(id::text)) % ${CAMPAIGNS_PER_CHANNEL}) WHERE campaign IS NULL AND event IS DISTINCT FROM $1`,
    [CONVERSION_EVENT],
  );
  const keys = await ctx.sql.query<{ channel: string; campaign: string }>(`SELECT DISTINCT channel::text AS channel, campaign FROM touchpoint WHERE campaign IS NOT NULL ORDER BY 1, 2`);
  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const res = await fetch(`${ctx.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...ctx.authHeaders }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    if (!res.ok || body.errors) throw new Error(`W11: GraphQL ${res.status}: ${JSON.stringify(body).slice(0, 1000)}`);
    return body.data!;
  };
  await gql(`mutation($r: [ExchangeRateInput!]!) { setExchangeRates(rates: $r) { inserted } }`, { r: [{ currency: 'EUR', validFrom: '2024-01-01', rate: 1.08 }] });
  const spend = keys.flatMap((k, i) =>
    Array.from({ length: SPEND_DAYS }, (_, d) => ({
      date: new Date(Date.UTC(2025, 0, 1 + d)).toISOString().slice(0, 10),
      channel: k.channel,
      campaign: k.campaign,
      amount: ((i * 37 + d * 11) % 500) + 0.25,
      ...(i % 4 === 0 ? { currency: 'EUR' } : {}),
    })),
  );
  for (let i = 0; i < spend.length; i += 1000)
    await gql(`mutation($s: [SpendInput!]!) { recordSpend(input: $s) { inserted replaced } }`, { s: spend.slice(i, i + 1000) });
  ctx.log(`  W11: ${keys.length} (channel, campaign) pairs, ${spend.length} spend rows recorded`);

  const scope = { from: FROM.toISOString(), to: TO.toISOString() };
  const server = async () => (await gql<{ roi: { rows: RoiRowAnswer[] } }>(ROI_QUERY, { scope, conversionEvent: CONVERSION_EVENT, lookbackDays: LOOKBACK_DAYS })).roi.rows;
  const b12 = async () =>
    ctx.sql.query<{ channel: string; campaign: string; spend: number; conversions: number; value: number }>(B12_ROI_SQL, [
      CONVERSION_EVENT,
      FROM,
      TO,
      LOOKBACK_DAYS,
      FROM.toISOString().slice(0, 10),
      TO.toISOString().slice(0, 10),
    ]);

  const ours = await server();
  const theirs = await b12();
  const key = (channel: string, campaign: string | null) => `${channel}/${campaign ?? ''}`;
  const mine = new Map(ours.map((r) => [key(r.channel, r.campaign), r]));
  const off = (a: number, b: number) => Math.abs(a - b) > TOLERANCE * Math.max(1, Math.abs(b));
  if (mine.size !== theirs.length) throw new Error(`W11: the server has ${mine.size} rows, B12 ${theirs.length}`);
  for (const t of theirs) {
    const m = mine.get(key(t.channel, t.campaign));
    if (!m || off(m.spend, Number(t.spend)) || off(m.conversions, Number(t.conversions)) || off(m.value, Number(t.value)))
      throw new Error(`W11: B12 and the server disagree on ${key(t.channel, t.campaign)}: server ${JSON.stringify(m)}, B12 ${JSON.stringify(t)}`);
  }
  const conversions = ours.reduce((s, r) => s + r.conversions, 0);
  if (conversions === 0) throw new Error('W11: no conversion was credited; the data set does not exercise ROI');
  ctx.log(`  W11 roi by campaign: ${ours.length} rows, ${conversions} attributed conversions; B12 agrees`);

  await server();
  await b12();
  const rounds: { serverMs: number; b11Ms: number }[] = [];
  for (let i = 0; i < scale.analyticsRounds; i++) {
    ctx.log(`  W11 round ${i + 1}/${scale.analyticsRounds}: roi and B12`);
    if (i % 2 === 0) {
      const s = await timed(() => ctx.profiler.phase(`W11-roi-${i}`, server));
      const b = await timed(() => ctx.profiler.phase(`W11-B12-${i}`, b12));
      rounds.push({ serverMs: s.ms, b11Ms: b.ms });
    } else {
      const b = await timed(() => ctx.profiler.phase(`W11-B12-${i}`, b12));
      const s = await timed(() => ctx.profiler.phase(`W11-roi-${i}`, server));
      rounds.push({ serverMs: s.ms, b11Ms: b.ms });
    }
  }
  return [
    row({
      workload: 'W11',
      name: `roi by campaign, LAST_TOUCH (GraphQL; ${data.customers} customers, ${data.touchpoints} touchpoints, ${keys.length} campaigns)`,
      figure: median(rounds.map((r) => r.serverMs)),
      unit: 'ms',
      baseline: { name: 'B12 hand-written SQL', figure: median(rounds.map((r) => r.b11Ms)) },
      better: 'lower',
      details: { customers: data.customers, touchpoints: data.touchpoints, campaigns: keys.length, spendRows: spend.length, rows: ours.length, attributedConversions: conversions, rounds: scale.analyticsRounds, roundsMs: rounds },
    }),
  ];
}
