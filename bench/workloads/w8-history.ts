/**
 * W8 work that used to grow with all history on hot paths, each against a baseline in the same run:
 *  - a profile read with rfmTier (scored against stored cut points) vs the same read without it, and
 *    B9: the exact ntile pass over every order that each tier read ran before (the same read with no
 *    cut points stored, inside a transaction that is rolled back);
 *  - an ingest batch for a customer with a long history vs the same batch for a new customer (stats
 *    add the batch's rows, so the ratio should stay near 1; the from-scratch refresh each batch did
 *    before is in the details);
 *  - the churn check after a batch of logins (pending rows only) vs B10, the full scan of logins.
 * Sequential, one request at a time; medians over alternating rounds.
 */
import { B10_CHURN_SCAN_SQL, B10_SILENT_SQL } from '../baselines/b10-churn-scan-sql.ts';
import { alertRepository } from '../../src/modules/alerts/alert.repository.ts';
import { rfmRepository } from '../../src/modules/analytics/rfm.repository.ts';
import { touchpointRepository } from '../../src/modules/touchpoints/touchpoint.repository.ts';
import type { BenchContext } from '../lib/context.ts';
import { loadReadDataset } from '../lib/dataset.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { median, timed } from '../lib/timing.ts';

const DAY_MS = 86_400_000;
const ROUNDS = 15;
/** B9 rounds: each is a full ranking of every order (seconds at --scale large). */
const EXACT_ROUNDS = 5;
const BATCH = 100;

class Rollback extends Error {}

export async function runW8(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  const data = await loadReadDataset(ctx, { customers: scale.readCustomers, touchpointsPerCustomer: scale.readTouchpointsPerCustomer, seed: 8 });
  ctx.log(`  W8 data set: ${data.customers} customers, ${data.touchpoints} touchpoints in ${data.seconds.toFixed(1)} s`);
  const services = ctx.server.services;
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${ctx.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...ctx.authHeaders }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors?.length || !body.data) throw new Error(`W8: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
    return body.data;
  };

  // --- rfmTier ------------------------------------------------------------------------------------
  const refresh = await timed(() => services.rfm.refreshCuts());
  ctx.log(`  W8 RFM cut points taken over ${refresh.value} customers in ${refresh.ms.toFixed(0)} ms`);
  const withTier = `query($id: ID!) { customer(id: $id) { id stats { touchpointCount } rfmTier } }`;
  const without = `query($id: ID!) { customer(id: $id) { id stats { touchpointCount } } }`;
  const ids = data.sampleIds.slice(0, 200);
  const tierMs: number[] = [];
  const plainMs: number[] = [];
  const exactMs: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    plainMs.push((await timed(() => gql(without, { id: ids[i] }))).ms);
    tierMs.push((await timed(() => gql(withTier, { id: ids[i] }))).ms);
  }
  for (const id of ids.slice(0, EXACT_ROUNDS)) {
    try {
      await ctx.db.prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`DELETE FROM rfm_cutpoints`;
          exactMs.push((await timed(() => rfmRepository.tiersOf(tx, [id], ctx.now))).ms);
          throw new Rollback();
        },
        { timeout: 600_000 },
      );
    } catch (e) {
      if (!(e instanceof Rollback)) throw e;
    }
  }

  // --- ingest: long history vs new customer ---------------------------------------------------------
  const history = scale.name === 'large' ? 200_000 : 20_000;
  const longId = ((await gql(`mutation($in: [TouchpointInput!]!) { recordTouchpoints(input: $in) { results { customerId } } }`, {
    in: [{ messageId: 'w8-long-0', event: 'Page Viewed', userId: 'w8-long', occurredAt: ctx.now.toISOString() }],
  })) as { recordTouchpoints: { results: { customerId: string }[] } }).recordTouchpoints.results[0]!.customerId;
  await ctx.sql.query(
    `INSERT INTO touchpoint (id, source, message_id, customer_id, type, event, channel, revenue, currency, occurred_at)
     SELECT gen_random_uuid(), 'bench', 'w8-h-' || g, $1::uuid, 'TRACK', CASE WHEN g % 5 = 0 THEN 'Order Completed' ELSE 'Page Viewed' END,
            'WEB', CASE WHEN g % 5 = 0 THEN 10 END, CASE WHEN g % 5 = 0 THEN 'USD' END, $2::timestamptz - g * interval '1 minute'
     FROM generate_series(1, $3::int) g`,
    [longId, ctx.now.toISOString(), history],
  );
  await ctx.sql.query('ANALYZE touchpoint');
  const refreshMs: number[] = [];
  for (let r = 0; r < 5; r++) refreshMs.push((await timed(() => touchpointRepository.refreshStats(ctx.db.prisma, [longId]))).ms);
  const batchFor = (user: string, r: number) =>
    Array.from({ length: BATCH }, (_, k) => ({
      messageId: `w8-${user}-${r}-${k}`,
      event: k % 4 === 0 ? 'Order Completed' : 'Page Viewed',
      userId: user,
      ...(k % 4 === 0 ? { revenue: 20, currency: 'USD' } : {}),
      occurredAt: new Date(ctx.now.getTime() - k * 60_000).toISOString(),
    }));
  const send = (input: unknown[]) => gql(`mutation($in: [TouchpointInput!]!) { recordTouchpoints(input: $in) { accepted } }`, { in: input });
  const longMs: number[] = [];
  const newMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    longMs.push((await timed(() => send(batchFor('w8-long', r)))).ms);
    newMs.push((await timed(() => send(batchFor(`w8-new-${r}`, r)))).ms);
  }

  // --- churn check ------------------------------------------------------------------------------------
  const { churnEvent, churnSilenceDays } = ctx.config.alerts;
  const rebuild = await timed(() => services.alerts.rebuildChurnState());
  const first = await timed(() => alertRepository.raiseChurn(ctx.db.prisma, { now: ctx.now, event: churnEvent, silenceDays: churnSilenceDays }));
  const cutoff = new Date(ctx.now.getTime() - churnSilenceDays * DAY_MS);
  const checkMs: number[] = [];
  const scanMs: number[] = [];
  let missed = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // A batch of logins by known people between two checks, some long ago (they fall silent at once).
    await send(data.sampleIds.slice(r * 20, r * 20 + 20).map((id, k) => ({ messageId: `w8-login-${r}-${k}`, event: churnEvent, channel: 'APP', userId: `w8-churn-${r}-${k}`, anonymousId: `w8-anon-${id}`, occurredAt: new Date(ctx.now.getTime() - (k % 2 ? 1 : 10) * DAY_MS).toISOString() })));
    checkMs.push((await timed(() => alertRepository.raiseChurn(ctx.db.prisma, { now: ctx.now, event: churnEvent, silenceDays: churnSilenceDays }))).ms);
    const scan = await timed(() => ctx.sql.query<{ key: string }>(B10_CHURN_SCAN_SQL, [churnEvent, ctx.now.toISOString(), cutoff.toISOString(), churnSilenceDays]));
    scanMs.push(scan.ms);
    missed += scan.value.length;
  }
  if (missed) ctx.log(`  warning: W8 the full scan raised ${missed} alerts the incremental check had not`);
  const silent = (await ctx.sql.query<{ n: number }>(B10_SILENT_SQL))[0]!.n;
  const logins = (await ctx.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM touchpoint WHERE event = $1`, [churnEvent]))[0]!.n;

  const base = { customers: data.customers, touchpoints: data.touchpoints };
  return [
    row({ workload: 'W8', name: 'profile read with rfmTier, median', figure: median(tierMs), unit: 'ms', baseline: { name: 'same read without rfmTier', figure: median(plainMs) }, better: 'lower', details: { ...base, reads: ids.length, refreshCutsMs: refresh.ms } }),
    row({ workload: 'W8', name: 'rfmTier of one customer (cut points), median', figure: median(tierMs) - median(plainMs), unit: 'ms', baseline: { name: 'B9 exact ntile pass over all orders', figure: median(exactMs) }, better: 'lower', note: 'figure = read with rfmTier − read without; B9 = the pre-cut-point tier SQL alone' }),
    row({ workload: 'W8', name: `ingest batch of ${BATCH}, customer with ${history.toLocaleString('en-US')} touchpoints, median`, figure: median(longMs), unit: 'ms', baseline: { name: 'same batch, new customer', figure: median(newMs) }, better: 'lower', details: { history, refreshStatsOfLongCustomerMs: median(refreshMs) } }),
    row({ workload: 'W8', name: 'churn check after 20 logins, median', figure: median(checkMs), unit: 'ms', baseline: { name: 'B10 full scan of logins', figure: median(scanMs) }, better: 'lower', details: { logins, churnAlerts: silent, missedByIncremental: missed, rebuildMs: rebuild.ms, firstCheckMs: first.ms, firstCheckRaised: first.value.length } }),
  ];
}
