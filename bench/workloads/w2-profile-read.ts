/**
 * W2 profile read: one profile query (customer by id with identities, tags, segments, stats and the
 * first 20 steps of the journey) at 64 concurrent clients for a fixed time, over a bulk-loaded data
 * set; requests/s, p50 and p99, and the SQL statements one request costs. Against B4: a hand-written
 * node-postgres handler on another port returning the same JSON, under the same load from the same
 * separate load-generator process. Before measuring, both answers are checked equal for a few ids.
 */
import { isDeepStrictEqual } from 'node:util';
import { startB4Handler } from '../baselines/b4-pg-profile-handler.ts';
import type { BenchContext } from '../lib/context.ts';
import { loadReadDataset } from '../lib/dataset.ts';
import { runLoad, type LoadResult } from '../lib/load-client.ts';
import { row, type ResultRow } from '../lib/report.ts';

/** The profile W2 reads (and W7's steady load reads by user id): customer, identities, tags, segments, last 20 touchpoints. */
export const PROFILE_SELECTION = `{
    id email phone name country city traits
    identities { type value }
    tags { key name }
    segments { id name }
    stats { touchpointCount orderCount lifetimeValue firstSeenAt lastSeenAt channels }
    journey(first: 20) {
      pageInfo { hasNextPage }
      edges { node { session stage channelSwitch touchpoint { id type event channel occurredAt revenue currency } } }
    }
  }`;

export const PROFILE_QUERY = `query Profile($id: ID!) {
  customer(id: $id) ${PROFILE_SELECTION}
}`;

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return res.json();
}

export async function runW2(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  ctx.log(`  W2 data set: ${scale.readCustomers} customers, ~${scale.readCustomers * scale.readTouchpointsPerCustomer} touchpoints (bulk load)`);
  const data = await loadReadDataset(ctx, { customers: scale.readCustomers, touchpointsPerCustomer: scale.readTouchpointsPerCustomer });
  ctx.log(`  W2 data set loaded in ${data.seconds.toFixed(1)} s (${data.touchpoints} touchpoints)`);
  const bodies = data.sampleIds.map((id) => JSON.stringify({ query: PROFILE_QUERY, variables: { id } }));

  const b4 = await startB4Handler({
    // A named statement: planned once per connection, as a hand-tuned handler would do.
    query: ctx.sql.pool ? async (text, values) => (await ctx.sql.pool!.query<{ customer: string }>({ name: 'b4-profile', text, values })).rows : (text, params) => ctx.sql.query<{ customer: string }>(text, params),
    sessionGapMinutes: ctx.config.sessionTimeoutMinutes,
    stageMap: ctx.config.stageMap,
  });
  const graphqlUrl = `${ctx.baseUrl}/graphql`;
  try {
    // Same answer from both, or the comparison means nothing.
    for (const body of bodies.slice(0, 10)) {
      const [ours, theirs] = await Promise.all([post(graphqlUrl, body, ctx.authHeaders), post(b4.url, body)]);
      if (!isDeepStrictEqual(ours, theirs) || !(ours as { data?: { customer?: unknown } }).data?.customer) {
        throw new Error(`W2 and B4 answer differently for ${body.slice(-60)}:\nGraphQL: ${JSON.stringify(ours).slice(0, 2000)}\nB4:      ${JSON.stringify(theirs).slice(0, 2000)}`);
      }
    }

    // SQL statements per request, counted on Prisma's query events over a few sequential requests.
    const statements: string[] = [];
    const off = ctx.db.onQuery((sql) => statements.push(sql));
    const counted = 5;
    try {
      for (const body of bodies.slice(10, 10 + counted)) await post(graphqlUrl, body, ctx.authHeaders);
    } finally {
      off();
    }
    const perRequest = statements.length / counted;

    // B4 gets the same header (and ignores it), so both sides send the same bytes.
    const load = (url: string, durationSec: number) => runLoad({ url, bodies, connections: scale.readConnections, durationSec, headers: ctx.authHeaders });
    const problems = (r: LoadResult) => r.non2xx + r.errors + r.timeouts + r.errorBodies;
    ctx.log(`  W2 GraphQL: warm-up ${scale.readWarmupSec} s, then ${scale.readConnections} connections for ${scale.readDurationSec} s`);
    await load(graphqlUrl, scale.readWarmupSec);
    const ours = await ctx.profiler.phase('W2-graphql', () => load(graphqlUrl, scale.readDurationSec));
    ctx.log(`  B4 hand-written pg handler: warm-up ${scale.readWarmupSec} s, then ${scale.readConnections} connections for ${scale.readDurationSec} s`);
    await load(b4.url, scale.readWarmupSec);
    const base = await ctx.profiler.phase('W2-B4', () => load(b4.url, scale.readDurationSec));
    for (const [name, r] of [['W2', ours], ['B4', base]] as const) if (problems(r)) ctx.log(`  warning: ${name} had ${JSON.stringify(r)}`);

    const details = { customers: data.customers, touchpoints: data.touchpoints, connections: scale.readConnections, durationSec: scale.readDurationSec, w2: ours, b4: base };
    return [
      row({ workload: 'W2', name: 'profile read throughput', figure: ours.requestsPerSec, unit: 'req/s', baseline: { name: 'B4 pg handler', figure: base.requestsPerSec }, better: 'higher', details }),
      row({ workload: 'W2', name: 'profile read p50 latency', figure: ours.latencyMs.p50, unit: 'ms', baseline: { name: 'B4 pg handler', figure: base.latencyMs.p50 }, better: 'lower' }),
      row({ workload: 'W2', name: 'profile read p99 latency', figure: ours.latencyMs.p99, unit: 'ms', baseline: { name: 'B4 pg handler', figure: base.latencyMs.p99 }, better: 'lower' }),
      row({
        workload: 'W2',
        name: 'SQL statements per profile request',
        figure: perRequest,
        unit: 'statements',
        baseline: { name: 'B4 pg handler', figure: 1 },
        better: 'lower',
        details: { sample: [...new Set(statements.map((s) => s.replace(/\s+/g, ' ').slice(0, 120)))] },
      }),
    ];
  } finally {
    await b4.close();
  }
}
