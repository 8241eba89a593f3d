/**
 * `npm run bench`: starts the real server in-process over a fresh database, generates data
 * deterministically, runs each workload next to its baseline in the same run, prints a table and
 * writes bench/results/latest.json (see bench/results/README.md for the fields).
 *
 *   npm run bench                               # small scale on PostgreSQL (DATABASE_URL or the local default)
 *   npm run bench -- --embedded --only W1       # W1 on PGlite in a temp directory
 *   npm run bench -- --scale large              # 1M customers / 10M touchpoints (long)
 *   npm run bench -- --only W7 --steady-minutes 2   # W7 with a short steady-load phase (default 10 min)
 *   npm run bench -- --only W9                  # ingest during time re-checks at 100k customers
 *   npm run bench -- --only W11                 # roi by campaign against hand-written SQL
 *   npm run bench -- --only W12                 # webhook deliveries/s vs a bare HTTP client
 *   npm run bench -- --embedded --only W13      # sentiment accuracy (needs ../shared/datasets) and speed
 *   npm run bench -- --embedded --only W14      # cluster silhouette and propensity AUC (needs ../shared/datasets)
 *
 * The server runs with production settings and an ADMIN API key made at start-up (ctx.apiKey), sent
 * on every GraphQL request and graphql-ws connection; only its per-key rate limit is raised out of
 * the bench's way (bench/lib/context.ts).
 */
import 'reflect-metadata';
import os from 'node:os';
import path from 'node:path';
import { parseBenchArgs, USAGE } from './lib/args.ts';
import { openBench, type BenchContext } from './lib/context.ts';
import { machineInfo } from './lib/machine.ts';
import { formatTable, standing, writeResults, type ResultRow } from './lib/report.ts';
import { runW1 } from './workloads/w1-ingest.ts';
import { runW2 } from './workloads/w2-profile-read.ts';
import { runW3 } from './workloads/w3-fanout.ts';
import { runW4 } from './workloads/w4-segment-load.ts';
import { runW5 } from './workloads/w5-recompute.ts';
import { runW6 } from './workloads/w6-analytics.ts';
import { runW7 } from './workloads/w7-memory.ts';
import { runW8 } from './workloads/w8-history.ts';
import { runW9 } from './workloads/w9-recheck.ts';
import { runW10 } from './workloads/w10-insights.ts';
import { runW11 } from './workloads/w11-roi.ts';
import { runW12 } from './workloads/w12-webhooks.ts';
import { runW13 } from './workloads/w13-sentiment.ts';
import { runW14 } from './workloads/w14-learned.ts';

interface Workload {
  id: string;
  title: string;
  /** Absent until the feature it measures has landed; listed so the table says what is missing. */
  run?: (ctx: BenchContext) => Promise<ResultRow[]>;
  pending?: string;
}

/**
 * Every workload of issue 8, in run order. A new one is a file in bench/workloads/ exporting
 * `run<Id>(ctx): Promise<ResultRow[]>` (its baseline measured inside it) and a `run` entry here.
 */
const WORKLOADS: Workload[] = [
  { id: 'W1', title: 'ingest (recordTouchpoints, /v1/batch) vs B1 COPY, B3 Prisma createMany', run: runW1 },
  { id: 'W2', title: 'profile read at 64 clients vs B4 hand-written pg handler', run: runW2 },
  { id: 'W3', title: 'live fan-out to 1,000 graphql-ws subscribers vs B5 bare ws broadcast', run: runW3 },
  { id: 'W4', title: 'W1 ingest with 100 live segments vs the same ingest with none', run: runW4 },
  { id: 'W5', title: 'full recompute of 20 segments vs B6 hand-written SQL', run: runW5 },
  { id: 'W6', title: '4-step funnel and Markov attribution vs B7, B8 hand-written SQL', run: runW6 },
  { id: 'W10', title: 'daily-active-customers trend by channel over 90 days (trends) vs B11 hand-written SQL', run: runW10 },
  { id: 'W8', title: 'rfmTier, long-history ingest and churn check vs B9 full ranking, a new customer, B10 full login scan', run: runW8 },
  { id: 'W9', title: 'ingest p50/p99 while time-dependent segments are re-checked vs no re-check, and vs the old re-check (100k customers at small scale)', run: runW9 },
  { id: 'W11', title: 'roi by campaign (LAST_TOUCH) vs B12 hand-written SQL', run: runW11 },
  { id: 'W12', title: 'webhook deliveries/s to a local receiver vs a bare HTTP client posting the same bodies', run: runW12 },
  { id: 'W13', title: 'sentiment: held-out accuracy pt/zh vs the majority class, texts/s on one core vs a lexicon lookup', run: runW13 },
  { id: 'W14', title: 'learned insights: silhouette of a demo clustering vs spend tiers, held-out propensity AUC vs a page-count score', run: runW14 },
  // Last: it reads what W1 sampled, or runs W1's door phases itself; then --steady-minutes of steady load.
  { id: 'W7', title: 'peak RSS during W1, RSS and heap growth over minutes of steady load, vs idle', run: runW7 },
];

const RESULTS_FILE = path.resolve(import.meta.dirname, 'results/latest.json');

async function main(): Promise<void> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const unknown = (args.only ?? []).filter((id) => !WORKLOADS.some((w) => w.id === id));
  if (unknown.length) {
    console.error(`unknown workload(s): ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
    process.exit(2);
  }
  const selected = WORKLOADS.filter((w) => !args.only || args.only.includes(w.id));
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const startedAt = new Date();
  log(`bench: scale ${args.scale.name}, ${args.embedded ? 'embedded PGlite' : 'PostgreSQL'}, workloads ${selected.map((w) => w.id).join(',')}`);
  if (args.cpuProf) log('--cpu-prof: profiles go to bench/results/profiles/; the profiler slows the server, so these figures are not comparable');

  const bench = await openBench(args, log);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: cleaning up (again to exit at once)');
    void bench.close().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const rows: ResultRow[] = [];
  const skipped: { id: string; title: string; reason: string }[] = [];
  const failed: { id: string; error: string }[] = [];
  let machine;
  try {
    machine = await machineInfo(bench.ctx.sql);
    for (const w of selected) {
      if (!w.run) {
        skipped.push({ id: w.id, title: w.title, reason: w.pending ?? 'not built' });
        continue;
      }
      log(`${w.id}: ${w.title}`);
      const t0 = performance.now();
      try {
        rows.push(...(await w.run(bench.ctx)));
      } catch (err) {
        log(`${w.id} failed: ${(err as Error).stack ?? err}`);
        failed.push({ id: w.id, error: (err as Error).message });
      }
      log(`${w.id}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await bench.close();
  }

  console.log(`\n${formatTable(rows)}\n`);
  for (const r of rows.filter((r) => r.note)) console.log(`note (${r.workload}): ${r.note}`);
  for (const s of skipped) console.log(`skipped ${s.id} (${s.title}): ${s.reason}`);
  for (const f of failed) console.log(`FAILED ${f.id}: ${f.error}`);
  const worst = rows.filter((r) => standing(r) !== null).sort((a, b) => standing(a)! - standing(b)!)[0];
  if (worst) console.log(`worst standing: ${worst.workload} ${worst.name} vs ${worst.baseline!.name} (ratio ${worst.ratio!.toFixed(2)}, ${worst.better} is better)`);

  await writeResults(RESULTS_FILE, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    scale: args.scale,
    options: { embedded: args.embedded, only: args.only, cpuProf: args.cpuProf, steadyMinutes: args.steadyMinutes },
    machine: machine && { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    results: rows,
    skipped,
    failed,
  });
  console.log(`written ${path.relative(process.cwd(), RESULTS_FILE)}`);
  process.exit(failed.length ? 1 : 0);
}

await main();
