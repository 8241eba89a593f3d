/**
 * W6 analytics over the read data set of W2/W5 (bulk-loaded customers and touchpoints drawn from the W1
 * event mix, which holds the shop flow Product Viewed → Added to Cart → Checkout Started → Order
 * Completed and the conversion event Order Completed):
 *
 * - a 4-step funnel through the GraphQL `funnel` query (7-day window), against B7: one hand-written SQL
 *   statement computing the same per-step counts (bench/baselines/b7-funnel-sql.ts);
 * - MARKOV attribution through the GraphQL `attribution` query (models: [MARKOV], 30-day lookback),
 *   against B8: one hand-written SQL statement for the transition counts plus the same linear solve
 *   (bench/baselines/b8-markov-sql.ts). The SQL part alone is kept in the details.
 *
 * Each round also times the server's own statement alone (the repository called through Prisma, without
 * GraphQL, validation or the event-name check), so the details show where the server's time goes.
 *
 * Before anything is timed, B7's counts must equal the server's and B8's removal effects (and conversion
 * probability) must equal the server's within 1e-9, or the workload fails. Then `analyticsRounds` rounds,
 * alternating which side goes first; each figure is the median round.
 */
import { markovRemovalEffects } from '../../src/modules/analytics/attribution.markov.ts';
import { attributionRepository, type Transition } from '../../src/modules/analytics/attribution.repository.ts';
import { funnelRepository } from '../../src/modules/analytics/funnel.repository.ts';
import { B7_FUNNEL_SQL, b7Params } from '../baselines/b7-funnel-sql.ts';
import { B8_TRANSITIONS_SQL, b8Params } from '../baselines/b8-markov-sql.ts';
import type { BenchContext } from '../lib/context.ts';
import { loadReadDataset } from '../lib/dataset.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { median, timed } from '../lib/timing.ts';

const STEPS: [string, string, string, string] = ['Product Viewed', 'Added to Cart', 'Checkout Started', 'Order Completed'];
const CONVERSION_EVENT = 'Order Completed';
const WINDOW_HOURS = 168;
const LOOKBACK_DAYS = 30;
/** Wide enough to hold every generated touchpoint. */
const FROM = new Date(Date.UTC(2024, 0, 1));
const TO = new Date(Date.UTC(2026, 0, 1));
const TOLERANCE = 1e-9;

const FUNNEL_QUERY = `query W6Funnel($scope: AnalyticsScopeInput!, $steps: [FunnelStepInput!]!, $windowHours: Float!) {
  funnel(scope: $scope, steps: $steps, windowHours: $windowHours) { steps { index event count } }
}`;
const ATTRIBUTION_QUERY = `query W6Markov($scope: AnalyticsScopeInput!, $conversionEvent: String!, $lookbackDays: Int!) {
  attribution(scope: $scope, conversionEvent: $conversionEvent, lookbackDays: $lookbackDays, models: [MARKOV]) {
    attributedConversions nonConvertingJourneys
    models { model conversionProbability channels { channel removalEffect } }
  }
}`;

interface FunnelAnswer {
  data?: { funnel: { steps: { index: number; event: string; count: number }[] } };
  errors?: unknown[];
}
interface MarkovAnswer {
  data?: {
    attribution: {
      attributedConversions: number;
      nonConvertingJourneys: number;
      models: { model: string; conversionProbability: number | null; channels: { channel: string; removalEffect: number | null }[] }[];
    };
  };
  errors?: unknown[];
}


export async function runW6(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  ctx.log(`  W6 data set: ${scale.readCustomers} customers, ~${scale.readCustomers * scale.readTouchpointsPerCustomer} touchpoints (bulk load)`);
  const data = await loadReadDataset(ctx, { customers: scale.readCustomers, touchpointsPerCustomer: scale.readTouchpointsPerCustomer });
  ctx.log(`  W6 data set loaded in ${data.seconds.toFixed(1)} s (${data.touchpoints} touchpoints)`);
  const scope = { from: FROM.toISOString(), to: TO.toISOString() };
  const graphqlUrl = `${ctx.baseUrl}/graphql`;

  const gql = async <T extends { errors?: unknown[] }>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const res = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...ctx.authHeaders }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as T;
    if (!res.ok || body.errors) throw new Error(`W6: GraphQL ${res.status}: ${JSON.stringify(body).slice(0, 1000)}`);
    return body;
  };

  // Funnel: the server and B7.
  const funnelServer = async () => {
    const a = await gql<FunnelAnswer>(FUNNEL_QUERY, { scope, steps: STEPS.map((event) => ({ event })), windowHours: WINDOW_HOURS });
    return a.data!.funnel.steps.map((s) => s.count);
  };
  const funnelB7 = async () => {
    const [r] = await ctx.sql.query<{ step1: number; step2: number; step3: number; step4: number }>(B7_FUNNEL_SQL, b7Params({ steps: STEPS, from: FROM, to: TO, windowHours: WINDOW_HOURS }));
    return [r!.step1, r!.step2, r!.step3, r!.step4];
  };
  const ours = await funnelServer();
  const theirs = await funnelB7();
  if (ours.length !== 4 || ours.some((n, i) => n !== theirs[i])) throw new Error(`W6: B7 and the server disagree on the funnel counts: server ${ours.join(' → ')}, B7 ${theirs.join(' → ')}`);
  if (ours[3] === 0) throw new Error(`W6: nobody reaches step 4 of the funnel (${ours.join(' → ')}); the data set does not exercise it`);
  ctx.log(`  W6 funnel ${STEPS.join(' → ')} (${WINDOW_HOURS} h): ${ours.join(' → ')}; B7 agrees`);

  // Markov: the server and B8 (SQL, then the same solve).
  const markovServer = async () => {
    const a = await gql<MarkovAnswer>(ATTRIBUTION_QUERY, { scope, conversionEvent: CONVERSION_EVENT, lookbackDays: LOOKBACK_DAYS });
    const m = a.data!.attribution.models.find((x) => x.model === 'MARKOV')!;
    return { p: m.conversionProbability!, effects: new Map(m.channels.map((c) => [c.channel, c.removalEffect!])), attributed: a.data!.attribution.attributedConversions };
  };
  const b8Sql = async () => ctx.sql.query<Transition>(B8_TRANSITIONS_SQL, b8Params({ conversionEvent: CONVERSION_EVENT, from: FROM, to: TO, lookbackDays: LOOKBACK_DAYS }));
  const markovB8 = async () => {
    const r = markovRemovalEffects(await b8Sql());
    return { p: r.conversionProbability, effects: r.removalEffects };
  };
  const ms = await markovServer();
  const mb = await markovB8();
  const channels = [...new Set([...ms.effects.keys(), ...mb.effects.keys()])].sort();
  const diffs = channels.map((c) => ({ c, d: Math.abs((ms.effects.get(c) ?? NaN) - (mb.effects.get(c) ?? NaN)) }));
  const worst = diffs.reduce((a, b) => (!(b.d <= a.d) ? b : a), { c: '', d: 0 });
  if (!(worst.d <= TOLERANCE) || !(Math.abs(ms.p - mb.p) <= TOLERANCE) || channels.length === 0) {
    throw new Error(
      `W6: B8 and the server disagree on the Markov attribution (worst channel ${worst.c}: ${worst.d}; P(conversion) ${ms.p} vs ${mb.p}):\n` +
        `server ${JSON.stringify([...ms.effects])}\nB8     ${JSON.stringify([...mb.effects])}`,
    );
  }
  ctx.log(`  W6 Markov: ${channels.length} channels, P(conversion) ${ms.p.toFixed(4)}, ${ms.attributed} attributed conversions; B8 agrees within ${TOLERANCE} (max |Δ| ${worst.d.toExponential(1)})`);

  // Warm-up, then rounds alternating which side goes first.
  await funnelServer();
  await funnelB7();
  await markovServer();
  await markovB8();
  const repoScope = { from: FROM, to: TO, segmentId: null };
  const rounds: { funnelMs: number; b7Ms: number; markovMs: number; b8Ms: number; b8SqlMs: number; funnelSqlMs: number; attributionSqlMs: number }[] = [];
  for (let i = 0; i < scale.analyticsRounds; i++) {
    ctx.log(`  W6 round ${i + 1}/${scale.analyticsRounds}: funnel and B7, Markov and B8`);
    const pair = async <A, B>(a: () => Promise<A>, b: () => Promise<B>) => {
      if (i % 2 === 0) {
        const x = await timed(a);
        return [x, await timed(b)] as const;
      }
      const y = await timed(b);
      return [await timed(a), y] as const;
    };
    const [f, b7] = await pair(() => ctx.profiler.phase(`W6-funnel-${i}`, funnelServer), () => ctx.profiler.phase(`W6-B7-${i}`, funnelB7));
    if (f.value.some((n, k) => n !== ours[k]) || b7.value.some((n, k) => n !== ours[k])) throw new Error(`W6: funnel counts changed in round ${i + 1}`);
    const [m, b8] = await pair(() => ctx.profiler.phase(`W6-markov-${i}`, markovServer), () => ctx.profiler.phase(`W6-B8-${i}`, markovB8));
    if (Math.abs(m.value.p - ms.p) > TOLERANCE || Math.abs(b8.value.p - ms.p) > TOLERANCE) throw new Error(`W6: P(conversion) changed in round ${i + 1}`);
    const s = await timed(b8Sql);
    const fr = await timed(() => funnelRepository.run(ctx.db.prisma, { scope: repoScope, steps: STEPS.map((event) => ({ event, type: null, channel: null, where: [] })), windowHours: WINDOW_HOURS, dims: [], now: new Date() }));
    const ar = await timed(() => attributionRepository.compute(ctx.db.prisma, { scope: repoScope, conversionEvent: CONVERSION_EVENT, lookbackDays: LOOKBACK_DAYS, halfLifeDays: 7, markov: true, rules: false }));
    rounds.push({ funnelMs: f.ms, b7Ms: b7.ms, markovMs: m.ms, b8Ms: b8.ms, b8SqlMs: s.ms, funnelSqlMs: fr.ms, attributionSqlMs: ar.ms });
  }
  const size = `${data.customers} customers, ${data.touchpoints} touchpoints`;
  const common = { customers: data.customers, touchpoints: data.touchpoints, rounds: scale.analyticsRounds };
  return [
    row({
      workload: 'W6',
      name: `funnel, 4 steps, ${WINDOW_HOURS} h window (GraphQL; ${size})`,
      figure: median(rounds.map((r) => r.funnelMs)),
      unit: 'ms',
      baseline: { name: 'B7 hand-written SQL', figure: median(rounds.map((r) => r.b7Ms)) },
      better: 'lower',
      details: { ...common, steps: STEPS, windowHours: WINDOW_HOURS, counts: ours, serverStatementAloneMs: median(rounds.map((r) => r.funnelSqlMs)), roundsMs: rounds.map((r) => ({ server: r.funnelMs, b7: r.b7Ms })) },
    }),
    row({
      workload: 'W6',
      name: `Markov attribution, ${LOOKBACK_DAYS}-day lookback (GraphQL; ${size})`,
      figure: median(rounds.map((r) => r.markovMs)),
      unit: 'ms',
      baseline: { name: 'B8 hand-written SQL + solve', figure: median(rounds.map((r) => r.b8Ms)) },
      better: 'lower',
      details: {
        ...common,
        conversionEvent: CONVERSION_EVENT,
        lookbackDays: LOOKBACK_DAYS,
        channels: channels.length,
        conversionProbability: ms.p,
        attributedConversions: ms.attributed,
        maxRemovalEffectDiff: worst.d,
        b8SqlAloneMs: median(rounds.map((r) => r.b8SqlMs)),
        serverStatementAloneMs: median(rounds.map((r) => r.attributionSqlMs)),
        roundsMs: rounds.map((r) => ({ server: r.markovMs, b8: r.b8Ms, b8Sql: r.b8SqlMs })),
      },
    }),
  ];
}
