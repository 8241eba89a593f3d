/**
 * W1 ingest: events/s through the two doors of the pipeline — GraphQL `recordTouchpoints` and the
 * Segment-compatible `/v1/batch` — in batches over HTTP, against
 *   B1: PostgreSQL COPY FROM STDIN of the same rows straight into the touchpoint table (PostgreSQL only);
 *   B3: Prisma `touchpoint.createMany` of the same rows, in the same batches and concurrency.
 * Both baselines get their customers created beforehand (untimed) and do no validation, dedup or
 * identity resolution: they are the floor the pipeline's extra work is measured against. Every phase
 * starts from empty tables, runs once unmeasured (warm-up), then measured, and every phase writes the
 * same number of events (resends included).
 * The process RSS is sampled during the two door phases for W7.
 */
import { randomUUID } from 'node:crypto';
import type { BenchContext } from '../lib/context.ts';
import { customersFor, generateEvents, toSegmentEvent, toTouchpointRow, TOUCHPOINT_COLUMNS, type BenchEvent } from '../lib/events.ts';
import { basicAuth, chunk, postAll } from '../lib/http.ts';
import { checkGraphqlIngest, graphqlIngestBodies, sumCounts, type GraphqlIngestAnswer, type IngestCounts } from '../lib/ingest.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { RssSampler, type RssSummary } from '../lib/rss.ts';
import { copyText, insertRows, resetData, tableBytes } from '../lib/sql.ts';

type Counts = IngestCounts;
type GraphqlAnswer = GraphqlIngestAnswer;
type SegmentAnswer = Counts & { success?: boolean };

export interface W1Memory {
  rss: RssSummary;
  idleRssMb: number;
  events: number;
}

/** Bytes on disk after the last door's ingest, with indexes and TOAST. */
interface W1Storage {
  touchpointBytes: number;
  dedupBytes: number;
  touchpoints: number;
}

export interface W1DoorResult {
  door: string;
  seconds: number;
  eventsPerSec: number;
  counts: Counts;
  stored: Record<string, number>;
}

/** Events each phase first sends unmeasured (all of them at the small scale). */
const WARMUP_EVENTS = 20_000;

const sum = sumCounts;

async function storedCounts(ctx: BenchContext): Promise<Record<string, number>> {
  const [r] = await ctx.sql.query<Record<string, number>>(`
    SELECT (SELECT count(*) FROM touchpoint)::int AS touchpoints,
           (SELECT count(*) FROM customer WHERE merged_into_id IS NULL)::int AS "liveCustomers",
           (SELECT count(*) FROM customer)::int AS customers,
           (SELECT count(*) FROM identity)::int AS identities,
           (SELECT count(*) FROM merge_event)::int AS merges`);
  return r!;
}

function buildBodies(events: BenchEvent[], batchSize: number) {
  const batches = chunk(events, batchSize);
  return {
    graphql: graphqlIngestBodies(events, batchSize),
    // sentAt is the client's "now": the latest event time of the batch (resends carry older ones).
    segment: batches.map((b) => JSON.stringify({ batch: b.map(toSegmentEvent), sentAt: b.reduce((m, e) => (e.occurredAt > m ? e.occurredAt : m), b[0]!.occurredAt) })),
  };
}

/** Sends the stream through both doors (each from empty tables), sampling RSS throughout. */
export async function ingestThroughDoors(ctx: BenchContext, events: BenchEvent[]): Promise<{ doors: W1DoorResult[]; memory: W1Memory; storage: W1Storage | null }> {
  const { scale } = ctx;
  const bodies = buildBodies(events, scale.batchSize);
  const maxSegmentBody = Math.max(...bodies.segment.map((b) => Buffer.byteLength(b)));
  if (maxSegmentBody > 500 * 1024) throw new Error(`a /v1/batch body is ${maxSegmentBody} bytes, over the door's 500 KB limit`);
  const created = await ctx.server.services.apiKeys.create({ name: 'bench', role: 'WRITER' });
  if (!created.ok) throw new Error(created.message);
  const auth = basicAuth(created.value.key);
  const graphqlUrl = `${ctx.baseUrl}/graphql`;
  const segmentUrl = `${ctx.baseUrl}/v1/batch`;
  const checkGraphql = checkGraphqlIngest;
  const checkSegment = (status: number, b: SegmentAnswer) => (status !== 200 || !b.success ? `status ${status}` : null);

  // Warm-up: the first pass over fresh tables runs far slower (cold JIT, planner statistics from
  // tiny tables) than any later one, so each door first takes the stream (up to WARMUP_EVENTS of it)
  // unmeasured; a long-running server is the case worth measuring.
  const warm = buildBodies(events.slice(0, WARMUP_EVENTS), scale.batchSize);
  await resetData(ctx.sql);
  await postAll<GraphqlAnswer>(graphqlUrl, warm.graphql, { concurrency: scale.concurrency, headers: ctx.authHeaders, check: checkGraphql });
  await resetData(ctx.sql);
  await postAll<SegmentAnswer>(segmentUrl, warm.segment, { concurrency: scale.concurrency, headers: auth, check: checkSegment });

  const doors: W1DoorResult[] = [];
  let storage: W1Storage | null = null;
  const sampler = new RssSampler(100).start();
  let rss: RssSummary;
  try {
    await resetData(ctx.sql);
    ctx.log(`  W1 recordTouchpoints: ${events.length} events in ${bodies.graphql.length} calls, ${scale.concurrency} in flight`);
    const g = await ctx.profiler.phase('W1-graphql', () => postAll<GraphqlAnswer>(graphqlUrl, bodies.graphql, { concurrency: scale.concurrency, headers: ctx.authHeaders, check: checkGraphql }));
    doors.push({ door: 'graphql', seconds: g.seconds, eventsPerSec: events.length / g.seconds, counts: sum(g.bodies.map((b) => b.data!.recordTouchpoints)), stored: await storedCounts(ctx) });

    await resetData(ctx.sql);
    ctx.log(`  W1 /v1/batch: ${events.length} events in ${bodies.segment.length} calls, ${scale.concurrency} in flight`);
    const s = await ctx.profiler.phase('W1-segment', () => postAll<SegmentAnswer>(segmentUrl, bodies.segment, { concurrency: scale.concurrency, headers: auth, check: checkSegment }));
    doors.push({ door: 'segment', seconds: s.seconds, eventsPerSec: events.length / s.seconds, counts: sum(s.bodies), stored: await storedCounts(ctx) });
    storage = { touchpointBytes: await tableBytes(ctx.sql, 'touchpoint'), dedupBytes: await tableBytes(ctx.sql, 'touchpoint_dedup'), touchpoints: doors.at(-1)!.stored.touchpoints! };
  } finally {
    rss = sampler.stop();
  }
  for (const d of doors) {
    const bad = d.counts.accepted + d.counts.duplicates !== events.length || d.counts.quarantined > 0 || d.counts.dropped > 0;
    if (bad) ctx.log(`  warning: ${d.door} door answered ${JSON.stringify(d.counts)} for ${events.length} events`);
  }
  const memory: W1Memory = { rss, idleRssMb: ctx.idleRssMb, events: events.length };
  ctx.shared.set('w1.memory', memory);
  return { doors, memory, storage };
}

async function precreateCustomers(ctx: BenchContext, customers: Map<number, string>): Promise<void> {
  await insertRows(
    ctx.sql,
    'customer',
    [...customers].map(([person, id]) => ({ id, source: 'bench', external_id: `user-${person}` })),
  );
}

export async function runW1(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  const events = generateEvents({ events: scale.ingestEvents, users: scale.ingestUsers });
  const resent = events.filter((e) => e.resend).length;
  ctx.log(`  W1 stream: ${events.length} events (${resent} resends) over ${new Set(events.map((e) => e.person)).size} people`);
  const { doors, storage } = await ingestThroughDoors(ctx, events);

  // The same rows, as the pipeline would store them, for the baselines.
  const customers = customersFor(events);
  const rows = events.map((e) => toTouchpointRow(e, randomUUID(), customers.get(e.person)!, 'bench'));

  const warmRows = rows.slice(0, WARMUP_EVENTS);
  let b1: { seconds: number; eventsPerSec: number } | null = null;
  if (ctx.sql.copy) {
    const copy = ctx.sql.copy;
    const text = copyText(rows);
    ctx.log(`  B1 COPY: ${rows.length} rows in one COPY FROM STDIN (${(text.length / 1024 / 1024).toFixed(1)} MB)`);
    await resetData(ctx.sql);
    await precreateCustomers(ctx, customers);
    await copy('touchpoint', [...TOUCHPOINT_COLUMNS], copyText(warmRows));
    await resetData(ctx.sql);
    await precreateCustomers(ctx, customers);
    const started = performance.now();
    const n = await ctx.profiler.phase('W1-B1-copy', () => copy('touchpoint', [...TOUCHPOINT_COLUMNS], text));
    const seconds = (performance.now() - started) / 1000;
    if (n !== rows.length) throw new Error(`COPY stored ${n} of ${rows.length} rows`);
    b1 = { seconds, eventsPerSec: rows.length / seconds };
  }

  const toData = (r: unknown[]) => {
    const [id, source, messageId, customerId, anonymousId, type, event, channel, sourceName, properties, context, revenue, currency, occurredAt, sessionId] = r as [
      string, string, string, string, string | null, BenchEvent['type'], string | null, BenchEvent['storedChannel'], string | null,
      object, object, number | null, string | null, string, string,
    ];
    return { id, source, messageId, customerId, anonymousId, type, event, channel, sourceName, properties, context, revenue, currency, occurredAt: new Date(occurredAt), sessionId };
  };
  const createMany = async (batches: ReturnType<typeof toData>[][]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: scale.concurrency }, async () => {
        while (next < batches.length) await ctx.db.prisma.touchpoint.createMany({ data: batches[next++]! });
      }),
    );
  };
  const batches = chunk(rows.map(toData), scale.batchSize);
  ctx.log(`  B3 Prisma createMany: ${rows.length} rows in ${batches.length} calls, ${scale.concurrency} in flight`);
  await resetData(ctx.sql);
  await precreateCustomers(ctx, customers);
  await createMany(chunk(warmRows.map(toData), scale.batchSize));
  await resetData(ctx.sql);
  await precreateCustomers(ctx, customers);
  const started = performance.now();
  await ctx.profiler.phase('W1-B3-createMany', () => createMany(batches));
  const b3Seconds = (performance.now() - started) / 1000;
  const b3 = { seconds: b3Seconds, eventsPerSec: rows.length / b3Seconds };
  await resetData(ctx.sql);

  const out: ResultRow[] = [];
  const names: Record<string, string> = { graphql: `recordTouchpoints (GraphQL, ${scale.batchSize}/call)`, segment: `/v1/batch (Segment, ${scale.batchSize}/call)` };
  for (const d of doors) {
    const details = { events: events.length, resent, seconds: d.seconds, concurrency: scale.concurrency, answered: d.counts, stored: d.stored };
    if (b1) out.push(row({ workload: 'W1', name: names[d.door]!, figure: d.eventsPerSec, unit: 'events/s', baseline: { name: 'B1 COPY', figure: b1.eventsPerSec }, better: 'higher', details: { ...details, baselineSeconds: b1.seconds } }));
    out.push(row({ workload: 'W1', name: names[d.door]!, figure: d.eventsPerSec, unit: 'events/s', baseline: { name: 'B3 Prisma createMany', figure: b3.eventsPerSec }, better: 'higher', details: { ...details, baselineSeconds: b3.seconds } }));
  }
  if (storage) {
    // Against the events' own size as COPY text: what a touchpoint costs at rest beyond its content.
    const rawPerRow = Buffer.byteLength(copyText(rows)) / rows.length;
    const perRow = (storage.touchpointBytes + storage.dedupBytes) / storage.touchpoints;
    out.push(row({ workload: 'W1', name: 'stored bytes per touchpoint (touchpoint + dedup rows, indexes, TOAST; after /v1/batch)', figure: perRow, unit: 'bytes', baseline: { name: 'the row as COPY text', figure: rawPerRow }, better: 'lower', details: { ...storage, perMillionMb: (perRow * 1e6) / 1024 / 1024 } }));
  }
  if (!b1) out[0]!.note = 'B1 (COPY) skipped: PGlite has no COPY FROM STDIN over a client protocol here';
  return out;
}
