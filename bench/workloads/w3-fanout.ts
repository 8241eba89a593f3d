/**
 * W3 live fan-out: 1,000 graphql-ws subscribers (20 sockets × 50 multiplexed subscriptions, as the
 * fan-out test opens them) on one segment whose rule every write satisfies, then a stream of writes —
 * recordTouchpoints calls of one event each, every one making a new customer ENTER — timed per
 * delivered event from the write's commit to each subscriber's receipt. What is measured is receipt −
 * `at`: `at` is the change's time as the subscription delivers it, the server's clock read inside the
 * write's transaction when it re-evaluates the segments (then the membership/outbox insert and the
 * COMMIT follow); the receipt is Date.now() in the subscriber process when the frame has been parsed.
 * Same machine, same wall clock, ms resolution on both ends. So the figure is an upper bound of
 * commit → receipt that includes the commit itself (and the insert before it), never a negative
 * number. For this the server's clock, frozen at BENCH_NOW for the other workloads, runs on the wall
 * clock during W3's own phases (ctx.withWallClock; the segment's rule has no time window).
 * (Until the API keys, latency was taken from the arrival of the write's answer; the answer now also
 * waits for the audit-log INSERT after the commit, so that went negative. It is kept as
 * `fromAnswerMs` in the details, with `fromSendMs`.)
 *
 * Two phases: latency (writes sent open loop, one every `fanoutIntervalMs`, so that a slow delivery
 * does not slow the writer) → p50/p99; throughput (the same number of writes with `concurrency` in
 * flight, as W1 sends) → deliveries/s from the first write sent to the last delivery received.
 *
 * Against B5 (bench/baselines/b5-ws-broadcast.ts): a bare `ws` server that answers a POST and
 * broadcasts, over the same number of sockets and subscriptions, the very payload JSON W3's
 * subscribers received, wrapped in the same graphql-ws `next` frames; same phases, same writer. Its
 * `at` is B5's own clock read when it handles the write, before it answers and broadcasts, and its
 * subscribers compute receipt − at the same way.
 * Subscribers and writer run in a separate process (bench/lib/fanout-client.ts); every subscriber must
 * receive every event exactly once, or the workload fails.
 */
import type { BenchContext } from '../lib/context.ts';
import { startB5Broadcast } from '../baselines/b5-ws-broadcast.ts';
import { BENCH_NOW } from '../lib/events.ts';
import { FanoutClient, type FanoutPhase, type FanoutPhaseResult, type FanoutSpec } from '../lib/fanout-client.ts';
import { RECORD_TOUCHPOINTS } from '../lib/ingest.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { settledMemory } from '../lib/rss.ts';
import { resetData } from '../lib/sql.ts';

export const FANOUT_EVENT = 'Bench Fan-out';

/** The subscription of tests/documents/segments.graphql (MembershipChanged). */
const SUBSCRIPTION = `subscription MembershipChanged($segmentIds: [ID!], $since: String) {
  segmentMembershipChanged(segmentIds: $segmentIds, since: $since) {
    seq change at reason
    segment { id name }
    customer { id email }
  }
}`;

const WARMUP_WRITES = 20;
/** A phase ends this long after the last delivery once every write is answered, if some never arrive. */
const IDLE_MS = 10_000;

interface PhasePlan {
  name: string;
  keys: string[];
  intervalMs?: number;
  concurrency?: number;
  measured: boolean;
}

/** `what` is read when the wait fails, so it can say how far it got. */
async function waitUntil(check: () => boolean, what: string | (() => string), timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`W3: timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Duplicates, strays and subscription errors fail the workload. Deliveries that never arrive are a
 * finding, not a bench failure: the figures stand for what was delivered, and the loss is logged and
 * carried in the rows' note and details.
 */
function lossOf(who: string, r: FanoutPhaseResult): string | null {
  if (r.duplicates || r.strays || r.errors.length) {
    throw new Error(`${who} ${r.name}: ${r.duplicates} duplicates, ${r.strays} strays, errors ${JSON.stringify(r.errors.slice(0, 3))}`);
  }
  if (r.deliveries === r.expected) return null;
  return `${who} ${r.name}: ${r.expected - r.deliveries} of ${r.expected} deliveries never arrived (${r.incomplete.length} of ${r.writes} writes incomplete, ${r.subscribersShort} of ${r.subscribers} subscribers short)`;
}

const summary = (r: FanoutPhaseResult) => {
  const { payloads: _payloads, seqs: _seqs, ...rest } = r;
  return rest;
};

async function runPhases(
  ctx: BenchContext,
  label: string,
  spec: FanoutSpec,
  ready: () => Promise<void>,
  plans: PhasePlan[],
  phaseOf: (plan: PhasePlan) => Omit<FanoutPhase, 'name' | 'intervalMs' | 'concurrency' | 'idleMs' | 'keys'>,
  losses: string[],
  held?: (mb: { heapMb: number; rssMb: number }) => void,
): Promise<Map<string, FanoutPhaseResult>> {
  const before = held ? await settledMemory() : null;
  const client = await FanoutClient.start(spec);
  try {
    await ready();
    if (held && before) {
      const after = await settledMemory();
      held({ heapMb: after.heapMb - before.heapMb, rssMb: after.rssMb - before.rssMb });
    }
    const results = new Map<string, FanoutPhaseResult>();
    for (const plan of plans) {
      const phase: FanoutPhase = { name: plan.name, keys: plan.keys, intervalMs: plan.intervalMs, concurrency: plan.concurrency, idleMs: IDLE_MS, ...phaseOf(plan) };
      const how = plan.intervalMs !== undefined ? `one every ${plan.intervalMs} ms` : `${plan.concurrency} in flight`;
      ctx.log(`  ${label} ${plan.name}: ${plan.keys.length} writes (${how}) to ${spec.sockets * spec.perSocket} subscribers on ${spec.sockets} sockets`);
      const r = plan.measured ? await ctx.profiler.phase(`W3-${label}-${plan.name}`, () => client.run(phase)) : await client.run(phase);
      const loss = lossOf(label, r);
      if (r.oddAnswers.length) ctx.log(`  WARNING: ${label} ${plan.name}: writes answered otherwise than expected: ${JSON.stringify(r.oddAnswers.slice(0, 5))}`);
      if (loss) {
        ctx.log(`  WARNING: ${loss}; incomplete writes: ${JSON.stringify(r.incomplete.slice(0, 5))}`);
        losses.push(loss);
      }
      results.set(plan.name, r);
    }
    return results;
  } finally {
    await client.close().catch(() => client.kill());
  }
}

export async function runW3(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  const sockets = scale.fanoutSockets;
  const perSocket = Math.ceil(scale.fanoutSubscribers / sockets);
  const subscribers = sockets * perSocket;
  // A minute per 1,000 subscribers to get subscribed, at least a minute.
  const subscribeWaitMs = Math.max(60_000, subscribers * 60);
  await resetData(ctx.sql);
  const segment = await ctx.server.services.segments.create({ name: 'W3 fan-out', rule: { event: FANOUT_EVENT } });

  const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `fan-${prefix}-${i}`);
  const plans: PhasePlan[] = [
    { name: 'warmup', keys: keys('warm', WARMUP_WRITES), concurrency: 1, measured: false },
    { name: 'latency', keys: keys('lat', scale.fanoutWrites), intervalMs: scale.fanoutIntervalMs, measured: true },
    { name: 'throughput', keys: keys('thr', scale.fanoutWrites), concurrency: scale.concurrency, measured: true },
  ];
  // One event per write from a new person: each write makes exactly one customer ENTER the segment.
  const occurredAt = new Date(BENCH_NOW.getTime() - 3_600_000).toISOString();
  const writeBody = (key: string) =>
    JSON.stringify({ query: RECORD_TOUCHPOINTS, variables: { input: [{ messageId: key, type: 'TRACK', event: FANOUT_EVENT, userId: key, channel: 'SOCIAL', occurredAt, properties: { post: key } }] } });

  const feed = ctx.server.services.feed;
  const losses: string[] = [];
  // What the subscribers cost the server at rest (heap after GC, RSS), measured in this process, which
  // holds both the server and B5.
  const held: Record<'w3' | 'b5', { heapMb: number; rssMb: number } | null> = { w3: null, b5: null };
  const w3 = await ctx.withWallClock(() => runPhases(
    ctx,
    'graphql-ws',
    { protocol: 'graphql-ws', wsUrl: ctx.server.wsUrl, sockets, perSocket, subscription: { query: SUBSCRIPTION, variables: { segmentIds: [segment.id] } }, connectionParams: ctx.authHeaders },
    () => waitUntil(() => feed.listenerCount === subscribers, () => `${subscribers} listeners on the membership feed (have ${feed.listenerCount})`, subscribeWaitMs),
    plans,
    (plan) => ({ writeUrl: `${ctx.baseUrl}/graphql`, writeHeaders: ctx.authHeaders, bodies: plan.keys.map(writeBody), expectAnswer: '"accepted":1' }),
    losses,
    (mb) => (held.w3 = mb),
  ));
  // For a loss: the seq each incomplete write's change got in the outbox, next to the seqs delivered around it.
  const lost: Record<string, unknown>[] = [];
  for (const p of plans) {
    const r = w3.get(p.name)!;
    for (const inc of r.incomplete) {
      const k = p.keys.indexOf(inc.key);
      const [o] = await ctx.sql.query<{ seq: string }>(`SELECT seq::text AS seq FROM membership_change WHERE reason -> 'trigger' ->> 'messageId' = $1`, [inc.key]);
      lost.push({ phase: p.name, ...inc, seq: o?.seq ?? null, deliveredSeqsAround: r.seqs.slice(Math.max(0, k - 3), k + 4) });
    }
  }
  if (lost.length) ctx.log(`  lost writes with their outbox seq: ${JSON.stringify(lost.slice(0, 5))}`);
  const [{ n: changes }] = (await ctx.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM membership_change WHERE change = 'ENTERED'`)) as [{ n: number }];
  const writes = plans.reduce((n, p) => n + p.keys.length, 0);
  if (changes !== writes) throw new Error(`W3: ${writes} writes made ${changes} ENTERED changes, expected one each`);
  await waitUntil(() => feed.listenerCount === 0, 'subscribers to leave the feed', 10_000).catch(() => ctx.log(`  warning: ${feed.listenerCount} listeners still on the feed`));

  const b5 = await startB5Broadcast();
  let base: Map<string, FanoutPhaseResult>;
  try {
    // The same payload JSON per write key as W3's subscribers received (for a write nobody received,
    // another write's payload with this write's key in it).
    const payloadsOf = (p: PhasePlan) => {
      const got = w3.get(p.name)!.payloads;
      const donor = got.findIndex(Boolean);
      return p.keys.map((k, i) => [k, got[i] || got[donor]!.replaceAll(JSON.stringify(p.keys[donor]), JSON.stringify(k))] as [string, string]);
    };
    b5.setPayloads(new Map(plans.flatMap(payloadsOf)));
    base = await runPhases(
      ctx,
      'B5',
      { protocol: 'plain-ws', wsUrl: b5.wsUrl, sockets, perSocket },
      () => waitUntil(() => b5.subscriptions() === subscribers, () => `${subscribers} B5 subscriptions (have ${b5.subscriptions()})`, subscribeWaitMs),
      plans,
      (plan) => ({ writeUrl: b5.writeUrl, writeHeaders: ctx.authHeaders, bodies: plan.keys.map((key) => JSON.stringify({ key })) }),
      losses,
      (mb) => (held.b5 = mb),
    );
  } finally {
    await b5.close();
  }

  const lat = w3.get('latency')!;
  const lat5 = base.get('latency')!;
  const thr = w3.get('throughput')!;
  const thr5 = base.get('throughput')!;
  // receipt − at is only meaningful if every delivery carried a real `at` from this run.
  for (const [who, r] of [['graphql-ws', lat], ['B5', lat5]] as const) {
    if (r.noAt) throw new Error(`W3: ${who} latency: ${r.noAt} deliveries without a readable "at"`);
    if (!(r.latencyMs.min > -5 && r.latencyMs.max < 600_000)) throw new Error(`W3: ${who} receipt − at out of range (${JSON.stringify(r.latencyMs)}): is the clock frozen?`);
  }
  const payloadBytes = Buffer.byteLength(lat.payloads[0]!);
  const details = {
    subscribers,
    sockets,
    writes: scale.fanoutWrites,
    intervalMs: scale.fanoutIntervalMs,
    concurrency: scale.concurrency,
    payloadBytes,
    w3: { latency: summary(lat), throughput: summary(thr) },
    b5: { latency: summary(lat5), throughput: summary(thr5) },
    losses,
    lost,
    heldMemoryMb: held,
  };
  const name = `${subscribers} graphql-ws subscribers`;
  const note =
    'latency = receipt (subscriber\'s Date.now()) − the change\'s `at` (server clock read inside the write\'s transaction, before the outbox insert and COMMIT; B5: its own clock when it handles the write), same machine: an upper bound of commit → receipt that includes the commit' +
    (losses.length ? `; WARNING, deliveries lost: ${losses.join('; ')}` : '');
  return [
    row({ workload: 'W3', name: `fan-out p50 commit→receipt, upper bound: receipt − at (${name}, 1 write/${scale.fanoutIntervalMs} ms)`, figure: lat.latencyMs.p50, unit: 'ms', baseline: { name: 'B5 bare ws broadcast', figure: lat5.latencyMs.p50 }, better: 'lower', note, details }),
    row({ workload: 'W3', name: `fan-out p99 commit→receipt, upper bound: receipt − at (${name}, 1 write/${scale.fanoutIntervalMs} ms)`, figure: lat.latencyMs.p99, unit: 'ms', baseline: { name: 'B5 bare ws broadcast', figure: lat5.latencyMs.p99 }, better: 'lower' }),
    row({ workload: 'W3', name: `fan-out deliveries/s (${name}, ${scale.concurrency} writes in flight)`, figure: thr.deliveriesPerSec, unit: 'deliveries/s', baseline: { name: 'B5 bare ws broadcast', figure: thr5.deliveriesPerSec }, better: 'higher' }),
    ...(held.w3 && held.b5
      ? [row({ workload: 'W3', name: `server heap held per 1,000 subscribers, after GC (${name} on ${sockets} sockets)`, figure: (held.w3.heapMb * 1000) / subscribers, unit: 'MB', baseline: { name: 'B5 bare ws', figure: (held.b5.heapMb * 1000) / subscribers }, better: 'lower', details: { heldMemoryMb: held } })]
      : []),
  ];
}
