/**
 * `npm run soak [-- --minutes N] [-- --keep]`: three server processes on one PostgreSQL schema and
 * one Redis, a steady write load spread over them, 500 subscribers spread over them, and the leader
 * process killed with SIGKILL at half time and restarted on its port a few seconds later. Then it
 * checks from the database that nothing was lost or doubled (see README "Soak"), prints a summary,
 * writes it to soak/results/last.txt, and exits 1 if any check failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { outboxBySegment, sameList, slope, storedCounts, withClient } from './checks.ts';
import { killAll, scrape, spawnServer, waitForReady, type Scrape, type ServerProcess } from './cluster.ts';
import { EVENT_NAMES, LoadClient } from './load.ts';
import { SubscriberSocket } from './subscribers.ts';
import { migrateWithKeys } from '../tests/helpers/prepared-database.ts';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, keep: { type: 'boolean', default: false } } });
const MINUTES = Number(args.minutes);
if (!(MINUTES > 0)) throw new Error('--minutes must be a positive number');

const DB_URL = process.env.SOAK_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.SOAK_REDIS_URL || 'redis://127.0.0.1:6379';
const PORTS = [4711, 4712, 4713];
const JOB_MS = 5_000;
const LEADER_MS = 5_000;
const JOBS = ['segment-scheduler', 'alert-checker'];
const EVENTS_PER_SECOND = 50;
const SOCKETS = 10;
const PER_SOCKET = 50;
const DOWN_MS = 5_000;
const SCRAPE_MS = 5_000;
/**
 * Memory is sampled at every scrape and reduced to one point per window: the window's lowest heap in
 * use, i.e. the live set after the window's garbage collections. A single reading lands anywhere in a
 * GC cycle (the last 10-minute run saw one process's RSS swing 299..439 MB), so a slope fitted to
 * single readings measures when the collector ran, not a leak.
 */
const MEMORY_WINDOW_MS = MINUTES >= 5 ? 60_000 : 15_000;
/** Survivors' memory is "flat" below this least-squares slope of the windows' lowest heap in use. */
const HEAP_SLOPE_MAX_MB_PER_MIN = 2;
/** Samples before this are warm-up (JIT, pools, the first replays) and left out of the slope. */
const RSS_WARMUP_MS = MINUTES >= 5 ? 120_000 : 30_000;
const CATCH_UP_MS = 120_000;

const schema = `soak_${Date.now()}`;

/** One point per memory window (x in minutes since t0): the lowest value of `pick` among its scrapes. */
function windowMinima(samples: Scrape[], t0: number, pick: (m: Scrape) => number): { x: number; y: number }[] {
  const lowest = new Map<number, number>();
  for (const m of samples) {
    const w = Math.floor((m.at - t0) / MEMORY_WINDOW_MS);
    lowest.set(w, Math.min(lowest.get(w) ?? Infinity, pick(m) / 2 ** 20));
  }
  return [...lowest].map(([w, y]) => ({ x: ((w + 0.5) * MEMORY_WINDOW_MS) / 60_000, y }));
}
const lines: string[] = [];
const say = (s: string) => {
  lines.push(s);
  console.log(s);
};
const checks: { name: string; ok: boolean; detail: string }[] = [];
const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const started = new Date();
  const u = new URL(DB_URL);
  u.searchParams.set('schema', schema);
  const env: Record<string, string> = {
    DATABASE_URL: u.toString(),
    REDIS_URL,
    SEGMENT_RECHECK_MS: String(JOB_MS),
    ALERT_CHECK_MS: String(JOB_MS),
    LEADER_ELECTION_MS: String(LEADER_MS),
    // The soak's keys send far more than a client would: the rate limit is not what is being tested.
    RATE_LIMIT_PER_MINUTE: '10000000',
  };

  // Schema, migrations and keys, made directly (one process start less), as faults-kill does.
  const keys = await migrateWithKeys({ kind: 'postgres', url: DB_URL, schema }, 'soak', ['WRITER', 'ADMIN']);

  const procs: ServerProcess[] = PORTS.map((p) => spawnServer(p, env));
  for (const p of procs) await waitForReady(p);
  const bases = () => procs.map((p) => p.base);
  say(`soak ${schema}: ${MINUTES} min, ${procs.length} processes on ${PORTS.join(', ')}, ${EVENTS_PER_SECOND} events/s, ${SOCKETS * PER_SOCKET} subscribers`);

  const segments: string[] = [];
  for (const name of EVENT_NAMES) {
    const res = await fetch(`${procs[0]!.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.ADMIN}` },
      body: JSON.stringify({ query: 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', variables: { input: { name, rule: { event: name } } } }),
    });
    const body = (await res.json()) as { data?: { createSegment: { id: string } }; errors?: unknown };
    if (!body.data) throw new Error(`createSegment: ${JSON.stringify(body.errors)}`);
    segments.push(body.data.createSegment.id);
  }

  // Socket s on process s % 3; subscription k of the soak on segment k % 3.
  const sockets = Array.from({ length: SOCKETS }, (_, s) => {
    const port = PORTS[s % PORTS.length]!;
    return {
      proc: s % PORTS.length,
      socket: new SubscriberSocket(`ws://127.0.0.1:${port}/graphql`, keys.ADMIN, Array.from({ length: PER_SOCKET }, (_, k) => segments[(s * PER_SOCKET + k) % segments.length]!)),
    };
  });
  for (const s of sockets) s.socket.connect();

  // Metrics: every SCRAPE_MS from every live process. `incarnations` keeps the first and last scrape of
  // each process run, so the killed run's counts up to its kill are kept.
  type Incarnation = { proc: number; first: Scrape | null; last: Scrape | null; memory: Scrape[] };
  const incarnations: Incarnation[] = procs.map((_, i) => ({ proc: i, first: null, last: null, memory: [] }));
  const current = procs.map((_, i) => incarnations[i]!);
  let doubleLeaderRounds = 0;
  let rounds = 0;
  const t0 = Date.now();
  let down = -1;
  const scrapeRound = async () => {
    const got = await Promise.all(
      procs.map(async (p, i) => {
        if (i === down) return null;
        try {
          const m = await scrape(p.base);
          const inc = current[i]!;
          inc.first ??= m;
          inc.last = m;
          if (m.at - t0 >= RSS_WARMUP_MS) inc.memory.push(m);
          return m;
        } catch {
          return null;
        }
      }),
    );
    rounds++;
    if (got.filter((m) => m?.leader === 1).length > 1) doubleLeaderRounds++;
  };
  await scrapeRound();
  const sampler = setInterval(() => void scrapeRound(), SCRAPE_MS);

  const load = new LoadClient({ bases, writerKey: keys.WRITER, adminKey: keys.ADMIN, eventsPerSecond: EVENTS_PER_SECOND });
  load.start();
  const runMs = MINUTES * 60_000;
  const progress = setInterval(() => {
    const delivered = sockets.reduce((n, s) => n + s.socket.subs.reduce((m, x) => m + x.seqs.length, 0), 0);
    console.log(`  +${Math.round((Date.now() - t0) / 1000)} s: ${load.stats.acknowledged}/${load.stats.requests} requests acked, ${load.stats.retries} retries, ${delivered} deliveries`);
  }, 30_000);

  // Half time: SIGKILL the leader, bring it back on the same port a few seconds later.
  await sleep(runMs / 2);
  const leaders = await Promise.all(procs.map((p) => scrape(p.base).catch(() => null)));
  const victim = Math.max(0, leaders.findIndex((m) => m?.leader === 1));
  const wasLeader = leaders[victim]?.leader === 1;
  const killedRun = current[victim]!;
  const atKill = leaders;
  if (leaders[victim]) killedRun.last = leaders[victim];
  down = victim;
  procs[victim]!.child.kill('SIGKILL');
  const killExit = await procs[victim]!.exited;
  const killedAt = Date.now();
  say(`killed process ${victim} (port ${PORTS[victim]}, ${wasLeader ? 'the leader' : 'not the leader'}) at +${Math.round((killedAt - t0) / 1000)} s: ${killExit.signal}`);
  await sleep(DOWN_MS);
  procs[victim] = spawnServer(PORTS[victim]!, env);
  await waitForReady(procs[victim]!);
  const restarted: Incarnation = { proc: victim, first: null, last: null, memory: [] };
  incarnations.push(restarted);
  current[victim] = restarted;
  down = -1;
  say(`restarted process ${victim} after ${Math.round((Date.now() - killedAt) / 1000)} s`);

  await sleep(Math.max(0, t0 + runMs - Date.now()));
  clearInterval(progress);
  await load.stop(60_000);
  const loadStoppedAt = Date.now();

  // Every subscriber catches up to the outbox's last seq of its segment (bounded).
  const maxSeq = await withClient(DB_URL, schema, async (c) => {
    const { rows } = await c.query<{ segment_id: string; m: string }>('SELECT segment_id, max(seq)::text AS m FROM membership_change GROUP BY segment_id');
    return new Map(rows.map((r) => [r.segment_id, Number(r.m)]));
  });
  const behind = () => sockets.flatMap((s) => s.socket.subs.filter((x) => s.socket.last(x) < (maxSeq.get(x.segmentId) ?? 0)));
  while (behind().length && Date.now() - loadStoppedAt < CATCH_UP_MS) await sleep(500);
  const caughtUpMs = Date.now() - loadStoppedAt;
  clearInterval(sampler);
  await scrapeRound();
  const t1 = Math.max(...incarnations.map((i) => i.last?.at ?? 0));

  // ---- checks
  const { touchpoint, dedup } = await withClient(DB_URL, schema, storedCounts);
  const outbox = await withClient(DB_URL, schema, outboxBySegment);
  const s = load.stats;
  check('load: every request acknowledged', s.acknowledged === s.requests, `${s.acknowledged}/${s.requests} requests (${s.ackedIds.size} events), ${s.retries} retries${s.acknowledged === s.requests ? '' : `; last errors: ${s.lastErrors.join(' | ')}`}`);
  const notOnce = [...s.ackedIds].filter((id) => touchpoint.get(id) !== 1 || dedup.get(id) !== 1);
  const strays = [...touchpoint.keys(), ...dedup.keys()].filter((id) => !s.sentIds.has(id));
  check(
    'events: each acknowledged one stored exactly once',
    notOnce.length === 0 && strays.length === 0 && touchpoint.size === s.ackedIds.size && dedup.size === s.ackedIds.size,
    `${touchpoint.size} touchpoint / ${dedup.size} dedup message ids for ${s.ackedIds.size} acked; not exactly once: ${notOnce.length}${notOnce.length ? ` (e.g. ${notOnce.slice(0, 3).join(', ')})` : ''}; never sent: ${strays.length}`,
  );
  const subs = sockets.flatMap((x) => x.socket.subs);
  const wrong = subs.filter((x) => !sameList(x.seqs, outbox.get(x.segmentId) ?? []));
  const firstWrong = wrong[0] && { got: wrong[0].seqs.slice(0, 5), want: (outbox.get(wrong[0].segmentId) ?? []).slice(0, 5), gotN: wrong[0].seqs.length, wantN: outbox.get(wrong[0].segmentId)?.length, seg: wrong[0].segmentId, keys: [...outbox.keys()] };
  const deliveries = subs.reduce((n, x) => n + x.seqs.length, 0);
  const expectedDeliveries = subs.reduce((n, x) => n + (outbox.get(x.segmentId)?.length ?? 0), 0);
  const changes = [...outbox.values()].reduce((n, l) => n + l.length, 0);
  const regressions = subs.reduce((n, x) => n + x.regressions + x.foreign, 0);
  const errs = sockets.flatMap((x) => x.socket.errors);
  check(
    'subscribers: every change of their segment once, in seq order',
    wrong.length === 0 && regressions === 0 && changes > 0,
    `${subs.length} subscribers, ${changes} changes in the outbox, ${deliveries}/${expectedDeliveries} deliveries, ${wrong.length} subscribers differing from the outbox, ${regressions} out of order/duplicate/foreign, caught up ${Math.round(caughtUpMs / 1000)} s after the load stopped${firstWrong ? `; first differing: ${JSON.stringify(firstWrong)}` : ''}${errs.length ? `; errors: ${errs.slice(0, 3).join(' | ')}` : ''}`,
  );
  const resumed = sockets.filter((x) => x.proc === victim);
  check(
    "subscribers: the killed process's sockets resumed with since",
    resumed.every((x) => x.socket.reconnects >= 1),
    `${resumed.length} sockets (${resumed.length * PER_SOCKET} subscribers) on process ${victim}, reconnects ${resumed.map((x) => x.socket.reconnects).join(', ')}`,
  );

  // Recurring jobs: counted over [first scrape, last scrape] of each process run; the killed run's last
  // scrape is the one taken just before the kill. Each process ticks every JOB_MS and runs the job only
  // while leader and only if its previous run has finished, so with one leader at a time the cluster
  // runs a job at most ceil((t1 - t0) / JOB_MS) + 1 times (+1 per window end): more would mean two
  // processes ran the same interval. Runs longer than JOB_MS skip ticks, so fewer is allowed; what is
  // required is that the job kept running after the failover (a run counted after the kill).
  const windowRuns = (t1 - t0) / JOB_MS;
  for (const job of JOBS) {
    const runs = incarnations.reduce((n, i) => n + (i.last?.runs[job] ?? 0) - (i === restarted ? 0 : (i.first?.runs[job] ?? 0)), 0);
    const afterKill = incarnations.filter((i) => i !== killedRun).reduce((n, i) => n + (i.last?.runs[job] ?? 0) - (i === restarted ? 0 : (atKill[i.proc]?.runs[job] ?? 0)), 0);
    const hi = Math.ceil(windowRuns) + 1;
    check(
      `recurring ${job}: at most once per ${JOB_MS / 1000} s, alive after failover`,
      runs <= hi && afterKill >= 1,
      `${runs} runs in ${((t1 - t0) / 1000).toFixed(0)} s (${windowRuns.toFixed(1)} intervals, at most ${hi}; ${((100 * runs) / windowRuns).toFixed(0)}% of intervals), ${afterKill} after the kill`,
    );
  }
  check('leader: never two at once', doubleLeaderRounds === 0, `${doubleLeaderRounds} of ${rounds} scrape rounds saw two leaders`);

  // Memory: the two processes never killed.
  for (const inc of incarnations.slice(0, PORTS.length).filter((i) => i.proc !== victim)) {
    const heap = windowMinima(inc.memory, t0, (m) => m.heapUsedBytes);
    const rss = windowMinima(inc.memory, t0, (m) => m.rssBytes);
    const k = slope(heap);
    const mb = (ps: { y: number }[]) => `${Math.min(...ps.map((p) => p.y)).toFixed(0)}..${Math.max(...ps.map((p) => p.y)).toFixed(0)} MB`;
    check(
      `memory: process ${inc.proc} flat`,
      heap.length >= 3 && k < HEAP_SLOPE_MAX_MB_PER_MIN,
      `${heap.length} windows of ${MEMORY_WINDOW_MS / 1000} s: lowest heap in use ${mb(heap)}, slope ${k.toFixed(2)} MB/min (max ${HEAP_SLOPE_MAX_MB_PER_MIN}); lowest RSS ${mb(rss)}, slope ${slope(rss).toFixed(2)} MB/min`,
    );
  }

  // Shut down: every live process must stop cleanly on SIGTERM.
  await Promise.all(sockets.map((x) => x.socket.close()));
  const exits = await Promise.all(
    procs.map(async (p) => {
      p.child.kill('SIGTERM');
      return (await p.exited).code;
    }),
  );
  check('shutdown: every process exits 0 on SIGTERM', exits.every((c) => c === 0), `exit codes ${exits.join(', ')}`);

  const failed = checks.filter((c) => !c.ok);
  say('');
  say(`Soak ${started.toISOString()}, ${MINUTES} min (${Math.round((t1 - t0) / 1000)} s measured): ${failed.length ? `FAILED ${failed.length} of ${checks.length}` : `all ${checks.length} checks passed`}`);
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) say(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`);
  const out = path.join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'last.txt'), lines.join('\n') + '\n');
  return failed.length === 0;
}

async function dropSchema() {
  if (args.keep) {
    console.log(`kept schema ${schema}`);
    return;
  }
  const c = new pg.Client({ connectionString: DB_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}

let ok = false;
try {
  ok = await main();
} catch (err) {
  console.error(err);
} finally {
  killAll();
  await dropSchema().catch((err: unknown) => console.error('could not drop the schema', err));
}
process.exit(ok ? 0 : 1);
