/**
 * W7 memory, of the bench process (the server and its pipeline; the load comes from other processes
 * except W1's HTTP client), against the RSS right after start-up:
 *
 * 1. Peak RSS, sampled every 100 ms, while W1 pushes its stream through both doors (W1's prepared
 *    bodies included). When W1 did not run in this invocation, W7 runs W1's door phases itself.
 *
 * 2. Steady load for `--steady-minutes` N (default 10; 0 skips it): from empty tables, with 20 live
 *    segments of W4's mix and one more ("mini-program buyers") watched by 200 graphql-ws subscribers
 *    (10 sockets × 20), a separate process (bench/lib/steady-client.ts) drives the server open loop at
 *    a fixed, moderate rate (well under W1's and W3's capacity, so that a backlog does not pass for a
 *    leak) — 4 ingest calls/s of 50 events, alternately recordTouchpoints and /v1/batch (200 events/s,
 *    5% resends through the same door as their original, new people arriving all the time so
 *    customers, merges and membership changes keep coming), and 4 profile reads/s by userId — making
 *    every body on the fly. RSS and
 *    heapUsed are sampled every second; at the end of every minute a full GC is forced (`gc`, from
 *    --expose-gc or obtained at run time) and the heap left after it is recorded: a leak shows as a
 *    growth of that heap from minute 1 to minute N and as a positive least-squares slope (MB/min).
 *    Every subscriber must receive every change the outbox recorded for its segment.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import type { BenchContext } from '../lib/context.ts';
import { BENCH_NOW, generateEvents } from '../lib/events.ts';
import { basicAuth } from '../lib/http.ts';
import { PROFILE_SELECTION } from './w2-profile-read.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { forcedGc, memoryNow, MemorySeries, slope, type MemorySample } from '../lib/rss.ts';
import { BENCH_TAGS, benchSegmentRules, createBenchSegments } from '../lib/segment-rules.ts';
import { resetData } from '../lib/sql.ts';
import { SteadyClient, type SteadyDeliveries, type SteadyLoadResult, type SteadyPlan } from '../lib/steady-client.ts';
import { ingestThroughDoors, type W1Memory } from './w1-ingest.ts';

/** The steady load's rates and shape (the same at every scale: it is about time, not volume). */
const STEADY = {
  batchSize: 50,
  batchesPerSec: 4,
  readsPerSec: 4,
  maxInFlight: 16,
  liveSegments: 20,
  sockets: 10,
  perSocket: 20,
  activePeople: 5_000,
  // Per door stream: both doors see the same people, 4 new ones a second in all, ~50 events each.
  eventsPerNewPerson: 25,
  /** After the load, how long deliveries may stay quiet before the missing ones count as lost. */
  settleIdleMs: 15_000,
};

/** About 1.5–2 people a second make their first mini-program order at this rate: ~300–400 deliveries/s to 200 subscribers. */
const WATCHED_RULE = { event: 'Order Completed', channel: 'MINI_PROGRAM' };

const SUBSCRIPTION = `subscription MembershipChanged($segmentIds: [ID!]) {
  segmentMembershipChanged(segmentIds: $segmentIds) {
    seq change at reason
    segment { id name }
    customer { id email }
  }
}`;

/** W2's profile, found by userId as an app would look its user up. */
const PROFILE_BY_USER_ID = `query ProfileByUserId($value: String!) {
  customerByIdentity(type: USER_ID, value: $value) ${PROFILE_SELECTION}
}`;

const round = (x: number, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
const loadavg = () => os.loadavg().map((l) => round(l, 2));

interface GcPoint {
  minute: number;
  t: number;
  heapUsedMb: number;
  rssMb: number;
  gcMs: number;
}

interface SteadyOutcome {
  minutes: number;
  gcHow: string | null;
  before: MemorySample;
  samples: MemorySample[];
  /** The last sample taken while the load ran (before any forced GC of the last minute). */
  atEnd: MemorySample;
  gcPoints: GcPoint[];
  load: SteadyLoadResult;
  deliveries: SteadyDeliveries;
  changes: { entered: number; left: number };
  loadAverage: { start: number[]; end: number[] };
  heapSpaces: { minute1: Record<string, number> | null; end: Record<string, number> };
}

const heapSpaces = () => Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, round(s.space_used_size / 1024 / 1024)]));

/** The steady-load phase alone; `onMinute` runs right after each minute's forced GC (e.g. to write a heap snapshot). */
export async function steadyLoad(ctx: BenchContext, minutes: number, opts: { onMinute?: (minute: number) => void } = {}): Promise<SteadyOutcome> {
  await resetData(ctx.sql);
  for (const key of BENCH_TAGS) {
    const t = await ctx.server.services.tags.create({ key, name: key });
    if (!t) throw new Error(`W7: could not create tag ${key}`);
  }
  await createBenchSegments((input) => ctx.server.services.segments.create(input), benchSegmentRules(STEADY.liveSegments));
  const watched = await ctx.server.services.segments.create({ name: 'W7 mini-program buyers', rule: WATCHED_RULE });
  const writer = await ctx.server.services.apiKeys.create({ name: 'bench-w7-writer', role: 'WRITER' });
  if (!writer.ok) throw new Error(writer.message);

  const gc = await forcedGc();
  if (!gc) ctx.log('  W7: no way to force a GC here; the heap trend comes from heapUsed samples only');
  const subscribers = STEADY.sockets * STEADY.perSocket;
  const client = await SteadyClient.start({
    protocol: 'graphql-ws',
    wsUrl: ctx.server.wsUrl,
    sockets: STEADY.sockets,
    perSocket: STEADY.perSocket,
    subscription: { query: SUBSCRIPTION, variables: { segmentIds: [watched.id] } },
    connectionParams: ctx.authHeaders,
  });
  try {
    const feed = ctx.server.services.feed;
    const deadline = Date.now() + 60_000;
    while (feed.listenerCount < subscribers) {
      if (Date.now() > deadline) throw new Error(`W7: ${feed.listenerCount} of ${subscribers} subscribers on the feed after 60 s`);
      await sleep(20);
    }
    const [{ seq: seqBefore }] = (await ctx.sql.query<{ seq: string }>(`SELECT coalesce(max(seq), 0)::text AS seq FROM membership_change`)) as [{ seq: string }];

    gc?.gc();
    const before = memoryNow(0);
    const plan: SteadyPlan = {
      seconds: minutes * 60,
      graphqlUrl: `${ctx.baseUrl}/graphql`,
      segmentUrl: `${ctx.baseUrl}/v1/batch`,
      graphqlHeaders: ctx.authHeaders,
      segmentHeaders: basicAuth(writer.value.key),
      batchSize: STEADY.batchSize,
      batchesPerSec: STEADY.batchesPerSec,
      readsPerSec: STEADY.readsPerSec,
      maxInFlight: STEADY.maxInFlight,
      // Events over the two days before the server's frozen clock: inside every rule's window.
      stream: { activePeople: STEADY.activePeople, eventsPerNewPerson: STEADY.eventsPerNewPerson, from: BENCH_NOW.getTime() - 48 * 3_600_000, spanMs: 47 * 3_600_000 },
      profileQuery: PROFILE_BY_USER_ID,
    };
    ctx.log(
      `  W7 steady load for ${minutes} min: ${STEADY.batchesPerSec * STEADY.batchSize} events/s (${STEADY.batchesPerSec} calls/s of ${STEADY.batchSize}, recordTouchpoints and /v1/batch in turn), ` +
        `${STEADY.readsPerSec} profile reads/s, ${subscribers} subscribers on 1 of ${STEADY.liveSegments + 1} live segments; RSS ${round(before.rssMb)} MB, heap ${round(before.heapUsedMb)} MB after GC`,
    );

    const loadStart = loadavg();
    const series = new MemorySeries(1000).start();
    const gcPoints: GcPoint[] = [];
    let minute1Spaces: Record<string, number> | null = null;
    let atEnd: MemorySample | null = null;
    const gcPoint = (minute: number) => {
      if (!gc) return;
      const t0 = performance.now();
      gc.gc();
      const gcMs = performance.now() - t0;
      const m = memoryNow(series.elapsed());
      gcPoints.push({ minute, t: round(m.t), heapUsedMb: round(m.heapUsedMb), rssMb: round(m.rssMb), gcMs: round(gcMs) });
      if (minute === 1) minute1Spaces = heapSpaces();
      opts.onMinute?.(minute);
    };
    client.onProgress = (p) => {
      // The client's minute ticks: the last sample stands for "after N minutes" before the GC can touch it.
      if (p.minute === minutes) atEnd = series.sample();
      gcPoint(p.minute);
      const last = gcPoints.at(-1);
      ctx.log(
        `    minute ${p.minute}: ${p.events} events, ${p.reads} reads, ${p.deliveries} deliveries, ${p.errors} errors, ${p.inFlight} in flight; ` +
          `RSS ${round(series.samples.at(-1)!.rssMb)} MB${last ? `, heap after GC ${last.heapUsedMb} MB (${last.gcMs} ms)` : ''}; load ${loadavg().join(' ')}`,
      );
    };
    let load: SteadyLoadResult;
    try {
      load = await ctx.profiler.phase('W7-steady', () => client.run(plan));
    } finally {
      series.stop();
    }
    atEnd ??= series.samples.at(-1)!;
    if (!gcPoints.some((g) => g.minute === minutes)) gcPoint(minutes);
    const loadEnd = loadavg();

    const [changes] = (await ctx.sql.query<{ entered: number; left: number }>(
      `SELECT count(*) FILTER (WHERE change = 'ENTERED')::int AS entered, count(*) FILTER (WHERE change = 'LEFT')::int AS "left"
         FROM membership_change WHERE segment_id = $1 AND seq > $2::bigint`,
      [watched.id, seqBefore],
    )) as [{ entered: number; left: number }];
    const deliveries = await client.settle(changes.entered + changes.left, STEADY.settleIdleMs);
    return {
      minutes,
      gcHow: gc?.how ?? null,
      before,
      samples: series.samples,
      atEnd,
      gcPoints,
      load,
      deliveries,
      changes,
      loadAverage: { start: loadStart, end: loadEnd },
      heapSpaces: { minute1: minute1Spaces, end: heapSpaces() },
    };
  } finally {
    await client.close().catch(() => client.kill());
    await resetData(ctx.sql);
  }
}

function steadyRows(ctx: BenchContext, s: SteadyOutcome): ResultRow[] {
  const { load, deliveries } = s;
  const n = s.minutes;
  // Minute 1 → N: the first minute is warm-up (caches, JIT, pools filling), and the RSS left over from
  // W1's door phases (the allocator hands freed pages back over tens of seconds) still shows in it.
  const afterMinute1 = s.samples.filter((x) => x.t >= 60);
  const highest = (xs: MemorySample[]) => xs.reduce((a, b) => (b.rssMb > a.rssMb ? b : a));
  const peakOverall = highest(s.samples);
  const peak = afterMinute1.length ? highest(afterMinute1) : peakOverall;
  const perMin = (pts: { x: number; y: number }[]) => slope(pts) * 60;
  const heapUsedSlope = perMin(afterMinute1.map((x) => ({ x: x.t, y: x.heapUsedMb })));
  const rssSlope = perMin(afterMinute1.map((x) => ({ x: x.t, y: x.rssMb })));
  const gcSlope = slope(s.gcPoints.map((g) => ({ x: g.minute, y: g.heapUsedMb })));
  const g1 = s.gcPoints.find((g) => g.minute === 1);
  const gN = s.gcPoints.find((g) => g.minute === n);
  const problems = [
    load.graphql.errors + load.segment.errors + load.reads.errors ? `${load.graphql.errors + load.segment.errors + load.reads.errors} requests failed` : null,
    deliveries.subscribersShort ? `${deliveries.subscribersShort} of ${deliveries.subscribers} subscribers short of the ${deliveries.expectedPerSubscriber} changes (min ${deliveries.minPerSubscriber})` : null,
    deliveries.maxPerSubscriber > deliveries.expectedPerSubscriber ? `a subscriber got ${deliveries.maxPerSubscriber} deliveries for ${deliveries.expectedPerSubscriber} changes` : null,
    deliveries.errors.length ? `subscription errors: ${deliveries.errors.slice(0, 3).join('; ')}` : null,
  ].filter(Boolean);
  if (problems.length) ctx.log(`  WARNING: W7 steady load: ${problems.join('; ')}`);
  const mix = `${round(load.eventsPerSec, 0)} events/s + ${round(load.reads.readsPerSec, 1)} reads/s + ${deliveries.subscribers} subscribers`;
  const details = {
    minutes: n,
    rates: { ...STEADY, watchedRule: WATCHED_RULE },
    gc: s.gcHow,
    loadAverage: s.loadAverage,
    beforeLoad: { rssMb: round(s.before.rssMb), heapUsedMb: round(s.before.heapUsedMb) },
    atEnd: { rssMb: round(s.atEnd.rssMb), heapUsedMb: round(s.atEnd.heapUsedMb), t: round(s.atEnd.t) },
    peak: { rssMb: round(peak.rssMb), t: round(peak.t) },
    peakIncludingMinute1: { rssMb: round(peakOverall.rssMb), t: round(peakOverall.t) },
    heapAfterGcByMinute: s.gcPoints,
    trendsPerMinute: { heapAfterGcMb: round(gcSlope, 2), heapUsedMb: round(heapUsedSlope, 2), rssMb: round(rssSlope, 2) },
    heapSpacesMb: s.heapSpaces,
    load: { ...load, perMinute: load.perMinute },
    deliveries,
    changes: s.changes,
    problems,
    // One sample a second: t (s), rss, heapUsed (MB).
    samples: s.samples.map((x) => [round(x.t), round(x.rssMb), round(x.heapUsedMb)]),
  };
  const note = `steady load over ${n} min: ${mix}; trends minute 1→${n} (least squares, MB/min): heap after forced GC ${round(gcSlope, 2)}, heapUsed ${round(heapUsedSlope, 2)}, RSS ${round(rssSlope, 2)}${problems.length ? `; WARNING: ${problems.join('; ')}` : ''}`;
  const rows: ResultRow[] = [
    row({ workload: 'W7', name: `RSS after ${n} min of steady load (${mix})`, figure: s.atEnd.rssMb, unit: 'MB', baseline: { name: 'idle RSS after start-up', figure: ctx.idleRssMb }, better: 'lower', note, details }),
    row({ workload: 'W7', name: `peak RSS during steady load, minute 1→${n}`, figure: peak.rssMb, unit: 'MB', baseline: { name: 'idle RSS after start-up', figure: ctx.idleRssMb }, better: 'lower' }),
  ];
  if (g1 && gN && n > 1) {
    rows.push(
      row({ workload: 'W7', name: `heap after forced GC at minute ${n} of steady load`, figure: gN.heapUsedMb, unit: 'MB', baseline: { name: 'the same at minute 1', figure: g1.heapUsedMb }, better: 'lower' }),
      row({ workload: 'W7', name: `heap growth under steady load (least squares over the per-minute heap after GC)`, figure: gcSlope, unit: 'MB/min', baseline: null, better: 'lower' }),
    );
  } else {
    rows.push(row({ workload: 'W7', name: `heapUsed trend under steady load (least squares over 1 s samples, minute 1→${n})`, figure: heapUsedSlope, unit: 'MB/min', baseline: null, better: 'lower' }));
  }
  return rows;
}

export async function runW7(ctx: BenchContext): Promise<ResultRow[]> {
  let memory = ctx.shared.get('w1.memory') as W1Memory | undefined;
  if (!memory) {
    ctx.log('  W7: W1 did not run; sending its stream through both doors to sample memory');
    memory = (await ingestThroughDoors(ctx, generateEvents({ events: ctx.scale.ingestEvents, users: ctx.scale.ingestUsers }))).memory;
    await resetData(ctx.sql);
  }
  const rows = [
    row({
      workload: 'W7',
      name: 'peak RSS during W1 (both doors)',
      figure: memory.rss.peakMb,
      unit: 'MB',
      baseline: { name: 'idle RSS after start-up', figure: memory.idleRssMb },
      better: 'lower',
      details: { meanMb: memory.rss.meanMb, samples: memory.rss.samples, events: memory.events, intervalMs: 100 },
    }),
  ];
  const minutes = ctx.args.steadyMinutes;
  if (minutes > 0) rows.push(...steadyRows(ctx, await steadyLoad(ctx, minutes)));
  else ctx.log('  W7: --steady-minutes 0, no steady-load phase');
  return rows;
}
