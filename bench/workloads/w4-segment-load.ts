/**
 * W4 segment load: W1's GraphQL ingest (the same generated stream, recordTouchpoints batches, the same
 * calls in flight) with `liveSegments` live segments — a realistic mix of rules (bench/lib/segment-rules.ts)
 * that the incremental evaluator re-evaluates, inside each batch's transaction, for every customer the
 * batch touches — against the same ingest with no segment at all. Every phase starts from empty tables
 * (fresh customers and messageIds), the segments are created through the segment service before the
 * stream starts, and the segment scheduler runs as in production (time-dependent segments re-checked
 * every SEGMENT_RECHECK_MS). Both phases are warmed up first, then measured in the order
 * none, live, live, none; each figure is the mean of its two runs.
 */
import type { BenchContext } from '../lib/context.ts';
import { generateEvents } from '../lib/events.ts';
import { graphqlIngestBodies, ingestGraphql, type IngestCounts } from '../lib/ingest.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { BENCH_TAGS, benchSegmentRules, createBenchSegments } from '../lib/segment-rules.ts';
import { resetData } from '../lib/sql.ts';

const WARMUP_EVENTS = 5_000;
const ORDER = ['none', 'live', 'live', 'none'] as const;
type Mode = (typeof ORDER)[number];

interface PhaseRun {
  mode: Mode;
  seconds: number;
  eventsPerSec: number;
  counts: IngestCounts;
  membershipChanges: number;
  members: number;
}

export async function runW4(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  const events = generateEvents({ events: scale.ingestEvents, users: scale.ingestUsers });
  const bodies = graphqlIngestBodies(events, scale.batchSize);
  const warm = graphqlIngestBodies(events.slice(0, WARMUP_EVENTS), scale.batchSize);
  const rules = benchSegmentRules(scale.liveSegments);
  const families = rules.reduce<Record<string, number>>((m, r) => ({ ...m, [r.family]: (m[r.family] ?? 0) + 1 }), {});

  const prepare = async (mode: Mode) => {
    await resetData(ctx.sql);
    if (mode === 'none') return;
    for (const key of BENCH_TAGS) {
      const t = await ctx.server.services.tags.create({ key, name: key });
      if (!t) throw new Error(`W4: could not create tag ${key}`);
    }
    await createBenchSegments((input) => ctx.server.services.segments.create(input), rules);
  };
  const outbox = async () => {
    const [r] = await ctx.sql.query<{ changes: number; members: number }>(
      `SELECT (SELECT count(*) FROM membership_change)::int AS changes, (SELECT count(*) FROM segment_membership)::int AS members`,
    );
    return r!;
  };

  for (const mode of ['none', 'live'] as const) {
    ctx.log(`  W4 warm-up (${mode === 'live' ? `${rules.length} live segments` : 'no segment'}): ${WARMUP_EVENTS} events`);
    await prepare(mode);
    await ingestGraphql(ctx, warm);
  }

  const runs: PhaseRun[] = [];
  for (const [i, mode] of ORDER.entries()) {
    await prepare(mode);
    const label = mode === 'live' ? `${rules.length} live segments` : 'no segment';
    ctx.log(`  W4 ${label}: ${events.length} events in ${bodies.length} calls, ${scale.concurrency} in flight`);
    const r = await ctx.profiler.phase(`W4-${mode}-${i}`, () => ingestGraphql(ctx, bodies));
    const o = await outbox();
    runs.push({ mode, seconds: r.seconds, eventsPerSec: events.length / r.seconds, counts: r.counts, membershipChanges: o.changes, members: o.members });
    ctx.log(`    ${(events.length / r.seconds).toFixed(0)} events/s (${o.changes} membership changes, ${o.members} memberships)`);
    if (r.counts.accepted + r.counts.duplicates !== events.length) ctx.log(`  warning: answered ${JSON.stringify(r.counts)} for ${events.length} events`);
  }
  await resetData(ctx.sql);

  const mean = (mode: Mode) => {
    const rs = runs.filter((r) => r.mode === mode);
    return rs.reduce((n, r) => n + r.eventsPerSec, 0) / rs.length;
  };
  const live = mean('live');
  const none = mean('none');
  return [
    row({
      workload: 'W4',
      name: `recordTouchpoints with ${rules.length} live segments (${scale.batchSize}/call)`,
      figure: live,
      unit: 'events/s',
      baseline: { name: 'same ingest, no segment', figure: none },
      better: 'higher',
      details: {
        events: events.length,
        batchSize: scale.batchSize,
        concurrency: scale.concurrency,
        segments: rules.length,
        families,
        schedulerIntervalMs: ctx.config.segmentRecheckMs,
        runs,
      },
    }),
  ];
}
