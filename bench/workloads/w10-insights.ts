/**
 * W10 insights over the read data set of W2/W5/W6 (bulk-loaded customers and touchpoints over 60 days
 * from EVENT_EPOCH, on every channel): the daily-active-customers trend by channel over 90 days through
 * the GraphQL `trends` query (math DAU, interval DAY, breakdown CHANNEL), against B11: one hand-written
 * SQL statement for the same numbers (bench/baselines/b11-dau-channel-sql.ts).
 *
 * Before anything is timed, B11's per-channel daily counts and totals must equal the server's (and the
 * server's empty days must be zeros), or the workload fails. Then `analyticsRounds` rounds, alternating
 * which side goes first; each figure is the median round. Each round also times the server's statement
 * alone (the repository through Prisma: no GraphQL, validation or bucket plan).
 */
import { trendRepository } from '../../src/modules/analytics/trend.repository.ts';
import { TrendInterval, TrendMath } from '../../src/modules/analytics/trend.types.ts';
import { B11_DAU_CHANNEL_SQL, b11Params } from '../baselines/b11-dau-channel-sql.ts';
import type { BenchContext } from '../lib/context.ts';
import { loadReadDataset } from '../lib/dataset.ts';
import { EVENT_EPOCH } from '../lib/events.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { median, timed } from '../lib/timing.ts';

const DAYS = 90;
const FROM = new Date(EVENT_EPOCH);
const TO = new Date(EVENT_EPOCH + DAYS * 86_400_000);

const TRENDS_QUERY = `query W10Dau($scope: AnalyticsScopeInput!) {
  trends(scope: $scope, interval: DAY, series: [{ math: DAU }], breakdown: [{ by: CHANNEL }]) {
    series { breakdownValue other total points { value } }
  }
}`;

interface TrendsAnswer {
  data?: { trends: { series: { breakdownValue: string[] | null; other: boolean; total: number; points: { value: number }[] }[] } };
  errors?: unknown[];
}

/** channel → [total, day 0, day 1, ...] */
type Answer = Map<string, number[]>;

const same = (a: Answer, b: Answer) => a.size === b.size && [...a].every(([k, v]) => b.has(k) && b.get(k)!.length === v.length && v.every((x, i) => x === b.get(k)![i]));

export async function runW10(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  const data = await loadReadDataset(ctx, { customers: scale.readCustomers, touchpointsPerCustomer: scale.readTouchpointsPerCustomer });
  ctx.log(`  W10 data set: ${data.customers} customers, ${data.touchpoints} touchpoints (loaded in ${data.seconds.toFixed(1)} s)`);
  const scope = { from: FROM.toISOString(), to: TO.toISOString() };

  const server = async (): Promise<Answer> => {
    const res = await fetch(`${ctx.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...ctx.authHeaders }, body: JSON.stringify({ query: TRENDS_QUERY, variables: { scope } }) });
    const body = (await res.json()) as TrendsAnswer;
    if (!res.ok || body.errors) throw new Error(`W10: GraphQL ${res.status}: ${JSON.stringify(body).slice(0, 1000)}`);
    return new Map(body.data!.trends.series.map((s) => [s.other ? 'Other' : s.breakdownValue![0]!, [s.total, ...s.points.map((p) => p.value)]]));
  };
  const b11 = async (): Promise<Answer> => {
    const rows = await ctx.sql.query<{ channel: string; day: number | null; people: number }>(B11_DAU_CHANNEL_SQL, b11Params({ from: FROM, to: TO }));
    const out: Answer = new Map();
    for (const r of rows) {
      if (!out.has(r.channel)) out.set(r.channel, Array.from({ length: DAYS + 1 }, () => 0));
      out.get(r.channel)![r.day === null ? 0 : r.day + 1] = r.people;
    }
    return out;
  };

  const ours = await server();
  const theirs = await b11();
  if (!same(ours, theirs)) throw new Error(`W10: B11 and the server disagree:\nserver ${JSON.stringify([...ours])}\nB11    ${JSON.stringify([...theirs])}`);
  if (ours.size < 2) throw new Error(`W10: only ${ours.size} channel(s) in the answer; the data set does not exercise the breakdown`);
  ctx.log(`  W10 DAU by channel over ${DAYS} days: ${ours.size} channels, totals ${[...ours].map(([k, v]) => `${k} ${v[0]}`).join(', ')}; B11 agrees`);

  const plan = await trendRepository.bucketPlan(ctx.db.prisma, TrendInterval.DAY, 'UTC', FROM, TO, 1000);
  const statementAlone = () =>
    trendRepository.series(ctx.db.prisma, {
      scope: { from: FROM, to: TO, segmentId: null },
      readFrom: FROM,
      grid: { interval: TrendInterval.DAY, timezone: 'UTC', anchor: plan.anchor, thresholds: plan.fine.slice(1) },
      series: { event: null, type: null, channel: null, where: [], math: TrendMath.DAU, property: null },
      window: null,
      dims: [{ by: 'CHANNEL' }],
      limit: 25,
      keep: null,
      now: new Date(),
    });

  await server();
  await b11();
  const rounds: { serverMs: number; b11Ms: number; statementMs: number }[] = [];
  for (let i = 0; i < scale.analyticsRounds; i++) {
    const first = i % 2 === 0;
    const a = first ? await timed(() => ctx.profiler.phase(`W10-trends-${i}`, server)) : null;
    const b = await timed(() => ctx.profiler.phase(`W10-B11-${i}`, b11));
    const s = a ?? (await timed(() => ctx.profiler.phase(`W10-trends-${i}`, server)));
    if (!same(s.value, ours) || !same(b.value, ours)) throw new Error(`W10: answers changed in round ${i + 1}`);
    const st = await timed(statementAlone);
    rounds.push({ serverMs: s.ms, b11Ms: b.ms, statementMs: st.ms });
  }
  return [
    row({
      workload: 'W10',
      name: `DAU trend by channel, ${DAYS} days by DAY (GraphQL; ${data.customers} customers, ${data.touchpoints} touchpoints)`,
      figure: median(rounds.map((r) => r.serverMs)),
      unit: 'ms',
      baseline: { name: 'B11 hand-written SQL', figure: median(rounds.map((r) => r.b11Ms)) },
      better: 'lower',
      details: {
        customers: data.customers,
        touchpoints: data.touchpoints,
        rounds: scale.analyticsRounds,
        channels: ours.size,
        totals: Object.fromEntries([...ours].map(([k, v]) => [k, v[0]])),
        serverStatementAloneMs: median(rounds.map((r) => r.statementMs)),
        roundsMs: rounds.map((r) => ({ server: r.serverMs, b11: r.b11Ms, statement: r.statementMs })),
      },
    }),
  ];
}
