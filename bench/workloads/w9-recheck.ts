/**
 * W9 ingest while segments that move with time are re-checked. 100,000 customers (at small scale) with
 * touchpoints dated so that windows expire as the server's clock moves, and three time-dependent
 * segments with tens of thousands of members each. A stream of small recordTouchpoints batches through
 * GraphQL, open loop at a fixed rate (bench/lib/open-loop.ts), each event a Login by a lapsed customer
 * (it enters "Login within 7 days" and leaves "Last seen over 30 days ago": every batch writes
 * membership changes, so every batch takes the outbox lock). Three phases of the same stream:
 *   (a) no re-check: the baseline;
 *   (b) the time re-check (SegmentService.recheckTimeDependent, what the leader runs every
 *       SEGMENT_RECHECK_MS) back to back, the clock stepped forward before each so each has members to
 *       move: it finds them outside any lock, then re-evaluates them in chunks under the outbox lock;
 *   (c) reference, the re-check as it was before (834ee9c): a full recompute of each time-dependent
 *       segment (SegmentService.recompute, the compiled rule over every customer inside one transaction
 *       that took the outbox lock first), back to back, the clock stepped the same way.
 * Figures: ingest p50/p99 of (b) and (c) against (a), measured in the same run, and the re-check's
 * duration against the old one's. Before anything is timed, every segment's size must equal what the
 * generator implies (computed here from the same formula), or W9 fails; after (b), a full recompute at
 * the final clock must find nothing left to change.
 *
 * The data is written by INSERT … SELECT over generate_series in the database (nothing shipped from
 * Node); the clock is restored and the data emptied at the end.
 */
import type { BenchContext } from '../lib/context.ts';
import { startOpenLoop, type OpenLoopStats } from '../lib/open-loop.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { resetData } from '../lib/sql.ts';
import { median, timed } from '../lib/timing.ts';

const DAY_S = 86_400;
const HOUR_MS = 3_600_000;
/** Active customers (odd g) last logged in within this many days; lapsed ones (even g) were last seen LAPSED_FROM + up to LAPSED_SPAN days ago. */
const ACTIVE_SPAN_DAYS = 10;
const LAPSED_FROM_DAYS = 24;
const LAPSED_SPAN_DAYS = 36;
/**
 * The clock moves STEP before each re-check; a phase runs rounds back to back for at least PHASE_SEC, at
 * most MAX_ROUNDS: 2 × 36 × 2 h = 6 days at most in all, inside the 7-day window and inside both data
 * spans, so each round has about the same members to move (~420 leave "Login within 7 days", ~115
 * enter "Last seen over 30 days ago", and "Lapsing" follows both: ~1,070 changes, ~535 customers).
 */
const STEP_MS = 2 * HOUR_MS;
const MAX_ROUNDS = 36;
const PHASE_SEC = 40;
const WARMUP_SEC = 5;
const BATCHES_PER_SEC = 5;
const EVENTS_PER_BATCH = 3;
const MAX_IN_FLIGHT = 200;

const SEGMENTS = [
  { name: 'Login within 7 days', rule: { event: 'Login', withinDays: 7 } },
  { name: 'Last seen over 30 days ago', rule: { lastSeen: { olderThanDays: 30 } } },
  { name: 'Lapsing: seen within 30 days, no Login within 7', rule: { and: [{ lastSeen: { newerThanDays: 30 } }, { not: { event: 'Login', withinDays: 7 } }] } },
];

const RECORD = `mutation W9($input: [TouchpointInput!]!) { recordTouchpoints(input: $input) { accepted duplicates quarantined dropped } }`;

/**
 * Seconds before the clock's start of customer g's last touchpoint: a Login for odd g (active), a page
 * view for even g (lapsed). A golden-ratio sequence spreads each group evenly over its span; integer
 * arithmetic, so SQL and this reference agree to the second.
 */
const MIX = 2_654_435_761n;
const TWO32 = 4_294_967_296n;
function lastOffsetS(g: number): number {
  const mixed = (BigInt(g) * MIX) % TWO32;
  if (g % 2 === 1) return Number((mixed * BigInt(ACTIVE_SPAN_DAYS * DAY_S)) / TWO32);
  return LAPSED_FROM_DAYS * DAY_S + Number((mixed * BigInt(LAPSED_SPAN_DAYS * DAY_S)) / TWO32);
}
const LAST_OFFSET_SQL = `CASE WHEN g % 2 = 1 THEN (g::bigint * ${MIX} % ${TWO32}) * ${ACTIVE_SPAN_DAYS * DAY_S} / ${TWO32}
  ELSE ${LAPSED_FROM_DAYS * DAY_S} + (g::bigint * ${MIX} % ${TWO32}) * ${LAPSED_SPAN_DAYS * DAY_S} / ${TWO32} END`;
/** Touchpoints of customer g: 2 to 5, 36 h apart, the last one LAST_OFFSET before the clock. */
const touchpointsOf = (g: number) => 2 + (g % 4);

/** Members each segment must have at clock t0 by construction (the rules applied to the generator's formula). */
function expectedSizes(customers: number): number[] {
  const sizes = [0, 0, 0];
  for (let g = 1; g <= customers; g++) {
    const last = lastOffsetS(g);
    const login = g % 2 === 1 && last <= 7 * DAY_S;
    if (login) sizes[0]!++;
    if (last > 30 * DAY_S) sizes[1]!++;
    if (last <= 30 * DAY_S && !login) sizes[2]!++;
  }
  return sizes;
}

async function loadData(ctx: BenchContext, customers: number, t0: Date): Promise<{ touchpoints: number; seconds: number }> {
  const started = performance.now();
  const sql = ctx.sql;
  const at = t0.toISOString();
  await sql.query(
    `INSERT INTO customer (id, source, external_id, email, name, country, created_at, updated_at, touchpoint_count, first_seen_at, last_seen_at)
     SELECT md5('w9-c-' || g)::uuid, 'bench', 'w9-' || g, 'w9-' || g || '@example.com', 'W9 ' || g, (ARRAY['CN','US','GB','DE','JP'])[1 + g % 5],
            $2::timestamptz - interval '400 days', $2::timestamptz - interval '400 days', 2 + g % 4,
            $2::timestamptz - make_interval(secs => ${LAST_OFFSET_SQL}) - (1 + g % 4) * interval '36 hours',
            $2::timestamptz - make_interval(secs => ${LAST_OFFSET_SQL})
     FROM generate_series(1, $1::int) g`,
    [customers, at],
  );
  await sql.query(
    `INSERT INTO identity (id, type, value, customer_id, source)
     SELECT md5('w9-i-' || g)::uuid, 'USER_ID', 'w9-u-' || g, md5('w9-c-' || g)::uuid, 'bench' FROM generate_series(1, $1::int) g`,
    [customers],
  );
  // j = 0 is the customer's last touchpoint: a Login in the app for the active half, a page view for the lapsed.
  await sql.query(
    `INSERT INTO touchpoint (id, source, message_id, customer_id, type, event, channel, occurred_at)
     SELECT md5('w9-t-' || g || '-' || j)::uuid, 'bench', 'w9-h-' || g || '-' || j, md5('w9-c-' || g)::uuid, 'TRACK',
            CASE WHEN g % 2 = 1 AND j = 0 THEN 'Login' ELSE 'Page Viewed' END,
            (CASE WHEN g % 2 = 1 AND j = 0 THEN 'APP' ELSE 'WEB' END)::"Channel",
            $2::timestamptz - make_interval(secs => ${LAST_OFFSET_SQL}) - j * interval '36 hours'
     FROM generate_series(1, $1::int) g CROSS JOIN LATERAL generate_series(0, 1 + g % 4) j`,
    [customers, at],
  );
  for (const t of ['customer', 'identity', 'touchpoint']) await sql.query(`VACUUM (ANALYZE) ${t}`);
  let touchpoints = 0;
  for (let g = 1; g <= customers; g++) touchpoints += touchpointsOf(g);
  return { touchpoints, seconds: (performance.now() - started) / 1000 };
}

interface Round {
  clock: string;
  ms: number;
  changes: number;
}

export async function runW9(ctx: BenchContext): Promise<ResultRow[]> {
  const customers = ctx.scale.recheckCustomers;
  const t0 = ctx.now;
  const services = ctx.server.services;
  await resetData(ctx.sql);
  try {
    const data = await loadData(ctx, customers, t0);
    ctx.log(`  W9 data set: ${customers} customers, ${data.touchpoints} touchpoints in ${data.seconds.toFixed(1)} s`);

    const created: { id: string; name: string; createMs: number; size: number }[] = [];
    for (const s of SEGMENTS) {
      const { ms, value } = await timed(() => services.segments.create({ name: s.name, rule: s.rule }));
      created.push({ id: value.id, name: s.name, createMs: ms, size: await services.segments.size(value.id) });
    }
    const expected = expectedSizes(customers);
    const wrong = created.filter((s, i) => s.size !== expected[i]);
    if (wrong.length) throw new Error(`W9: segment sizes differ from the generator's: ${created.map((s, i) => `"${s.name}" ${s.size} (expected ${expected[i]})`).join(', ')}`);
    ctx.log(`  W9 segments: ${created.map((s) => `"${s.name}" ${s.size}`).join(', ')} (as generated)`);
    // At the creation clock nothing is out of date: this is the finding part alone.
    const idle = await timed(() => services.segments.recheckTimeDependent());
    if (idle.value !== 0) throw new Error(`W9: a re-check right after creation changed ${idle.value} memberships`);

    // Lapsed customers (even g), longest gone first: each Login moves them into "Login within 7 days" and
    // out of "Last seen over 30 days ago" (nothing else touches them during the run).
    const lapsed = Array.from({ length: Math.floor(customers / 2) }, (_, k) => 2 * (k + 1))
      .map((g) => [g, lastOffsetS(g)] as const)
      .sort((x, y) => y[1] - x[1])
      .map(([g]) => g);
    let clock = t0.getTime();
    const setClock = (ms: number) => {
      clock = ms;
      ctx.setClock(new Date(ms));
    };
    const send = async (i: number) => {
      const occurredAt = new Date(clock).toISOString();
      const input = Array.from({ length: EVENTS_PER_BATCH }, (_, k) => {
        const g = lapsed[(i * EVENTS_PER_BATCH + k) % lapsed.length]!;
        return { messageId: `w9-${i}-${k}`, event: 'Login', channel: 'APP', userId: `w9-u-${g}`, occurredAt };
      });
      const res = await fetch(`${ctx.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...ctx.authHeaders }, body: JSON.stringify({ query: RECORD, variables: { input } }) });
      const body = (await res.json()) as { data?: { recordTouchpoints?: { accepted: number } }; errors?: unknown[] };
      if (!res.ok || body.errors?.length || body.data?.recordTouchpoints?.accepted !== EVENTS_PER_BATCH) throw new Error(`status ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    };
    let nextIndex = 0;
    const changesByKind = async () =>
      Object.fromEntries((await ctx.sql.query<{ kind: string; n: number }>(`SELECT reason->>'kind' AS kind, count(*)::int AS n FROM membership_change GROUP BY 1`)).map((r) => [r.kind, r.n]));
    const phase = async (label: string, during: () => Promise<void>) => {
      const before = await changesByKind();
      const loop = startOpenLoop({ intervalMs: 1000 / BATCHES_PER_SEC, maxInFlight: MAX_IN_FLIGHT, firstIndex: nextIndex, send });
      await ctx.profiler.phase(`W9-${label.replace(/\W+/g, '-')}`, during);
      const stats = await loop.stop();
      nextIndex += stats.sent;
      const after = await changesByKind();
      const changes = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]).filter(([, n]) => n !== 0));
      if (stats.errors) ctx.log(`  warning: W9 ${label}: ${stats.errors} of ${stats.sent} batches failed: ${stats.firstErrors[0]}`);
      ctx.log(`  W9 ${label}: ${stats.ok} batches in ${stats.seconds.toFixed(1)} s, p50 ${stats.latencyMs.p50.toFixed(0)} ms, p99 ${stats.latencyMs.p99.toFixed(0)} ms, max ${stats.latencyMs.max.toFixed(0)} ms; membership changes ${JSON.stringify(changes)}`);
      return { stats, changes };
    };
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

    await phase('warm-up', () => sleep(WARMUP_SEC * 1000));
    const a = await phase('no re-check', () => sleep(PHASE_SEC * 1000));

    const rechecks: Round[] = [];
    const b = await phase('re-checks back to back', async () => {
      const started = performance.now();
      for (let r = 0; r < MAX_ROUNDS && performance.now() - started < PHASE_SEC * 1000; r++) {
        setClock(clock + STEP_MS);
        const { ms, value } = await timed(() => services.segments.recheckTimeDependent());
        rechecks.push({ clock: new Date(clock).toISOString(), ms, changes: value });
      }
    });
    // Everything the clock moved must have been applied: a full recompute at the final clock finds nothing.
    let leftOver = 0;
    for (const s of created) {
      const c = await services.segments.recompute(s.id, 'bench-check');
      leftOver += c.entered + c.left;
    }
    if (leftOver) ctx.log(`  warning: W9 a full recompute after the re-checks changed ${leftOver} memberships`);

    const recomputes: (Round & { perSegmentMs: number[] })[] = [];
    const c = await phase('old re-check back to back', async () => {
      const phaseStarted = performance.now();
      for (let r = 0; r < MAX_ROUNDS && performance.now() - phaseStarted < PHASE_SEC * 1000; r++) {
        setClock(clock + STEP_MS);
        const perSegmentMs: number[] = [];
        let changes = 0;
        const started = performance.now();
        for (const s of created) {
          const { ms, value } = await timed(() => services.segments.recompute(s.id, 'schedule'));
          perSegmentMs.push(ms);
          changes += value.entered + value.left;
        }
        recomputes.push({ clock: new Date(clock).toISOString(), ms: performance.now() - started, changes, perSegmentMs });
      }
    });

    const recheckMs = median(rechecks.map((r) => r.ms));
    const oldMs = median(recomputes.map((r) => r.ms));
    const base = `${customers.toLocaleString('en-US')} customers, ${SEGMENTS.length} time-dependent segments`;
    const load = `${BATCHES_PER_SEC} batches/s of ${EVENTS_PER_BATCH}`;
    const phaseDetails = (p: { stats: OpenLoopStats; changes: Record<string, number> }) => {
      const { samples, ...rest } = p.stats;
      return { ...rest, membershipChanges: p.changes, samples: samples.map(([t, ms]) => [Math.round(t * 10) / 10, Math.round(ms)]) };
    };
    const details = {
      customers,
      touchpoints: data.touchpoints,
      loadSeconds: data.seconds,
      segments: created.map((s) => ({ name: s.name, rule: SEGMENTS.find((x) => x.name === s.name)!.rule, membersAtStart: s.size, createMs: s.createMs })),
      clockStepHours: STEP_MS / HOUR_MS,
      phaseSeconds: PHASE_SEC,
      maxRounds: MAX_ROUNDS,
      load: { batchesPerSec: BATCHES_PER_SEC, eventsPerBatch: EVENTS_PER_BATCH, maxInFlight: MAX_IN_FLIGHT, latency: 'from when each batch was due (open loop) to its answer' },
      idleRecheckMs: idle.ms,
      rechecks,
      changesLeftForFullRecomputeAfterRechecks: leftOver,
      oldRechecks: recomputes,
      phases: { noRecheck: phaseDetails(a), rechecks: phaseDetails(b), oldRechecks: phaseDetails(c) },
    };
    return [
      row({ workload: 'W9', name: `ingest p99 during back-to-back time re-checks (${base}; ${load})`, figure: b.stats.latencyMs.p99, unit: 'ms', baseline: { name: 'same ingest, no re-check', figure: a.stats.latencyMs.p99 }, better: 'lower', details }),
      row({ workload: 'W9', name: 'ingest p50 during back-to-back time re-checks', figure: b.stats.latencyMs.p50, unit: 'ms', baseline: { name: 'same ingest, no re-check', figure: a.stats.latencyMs.p50 }, better: 'lower' }),
      row({ workload: 'W9', name: 'reference: ingest p99 during the old re-check (full recompute under the outbox lock)', figure: c.stats.latencyMs.p99, unit: 'ms', baseline: { name: 'same ingest, no re-check', figure: a.stats.latencyMs.p99 }, better: 'lower' }),
      row({ workload: 'W9', name: 'reference: ingest p50 during the old re-check', figure: c.stats.latencyMs.p50, unit: 'ms', baseline: { name: 'same ingest, no re-check', figure: a.stats.latencyMs.p50 }, better: 'lower' }),
      row({
        workload: 'W9',
        name: `time re-check of ${SEGMENTS.length} segments, median of ${rechecks.length} (clock +${STEP_MS / HOUR_MS} h each, ~${Math.round(median(rechecks.map((r) => r.changes)))} changes)`,
        figure: recheckMs,
        unit: 'ms',
        baseline: { name: `old re-check (full recompute of each), median of ${recomputes.length}`, figure: oldMs },
        better: 'lower',
      }),
    ];
  } finally {
    ctx.setClock(null);
    await resetData(ctx.sql);
  }
}
