/**
 * One bench run's environment: the real server started in-process (as tests/helpers/server.ts does) over
 * a fresh database — its own PostgreSQL schema `bench_<timestamp>`, dropped at the end, or PGlite in a
 * temporary directory — plus the bench's own SQL access for loading data and for the baselines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config/env.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { BenchArgs } from './args.ts';
import { BENCH_NOW } from './events.ts';
import { PhaseProfiler } from './profiler.ts';
import { openBenchSql, type BenchSql } from './sql.ts';
import type { Scale } from './scale.ts';

export interface BenchContext {
  args: BenchArgs;
  scale: Scale;
  config: Config;
  db: Database;
  server: RunningServer;
  /** http://127.0.0.1:port (the server's root; GraphQL at /graphql, Segment door at /v1). */
  baseUrl: string;
  /** An ADMIN API key made at start-up, and the header that carries it on every GraphQL request. */
  apiKey: string;
  authHeaders: { authorization: string };
  sql: BenchSql;
  /** PostgreSQL connection of the run (null on PGlite). */
  pg: { url: string; schema: string } | null;
  /** Resident set size right after start-up, before any load. */
  idleRssMb: number;
  /** The server's clock (segments and tags), frozen at BENCH_NOW so rule windows select the same people every run. */
  now: Date;
  /**
   * Runs `fn` with the server's clock on the wall clock (new Date()) instead of BENCH_NOW, then freezes it
   * again. W3 uses it so that each membership change's `at` (the clock read inside the write's
   * transaction) is a real instant; its rule has no time window, so membership is the same either way.
   */
  withWallClock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Moves the frozen clock to `at` (null: back to BENCH_NOW). W9 steps it forward between time re-checks
   * so that windows expire and each re-check has members to move, as days passing would.
   */
  setClock(at: Date | null): void;
  /** What one workload leaves for another (e.g. W1's memory samples for W7). */
  shared: Map<string, unknown>;
  /** Wraps each measured phase; records a CPU profile of it with --cpu-prof, else just runs it. */
  profiler: PhaseProfiler;
  log(message: string): void;
}

export interface OpenedBench {
  ctx: BenchContext;
  close(): Promise<void>;
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\..*$/, '');
}

export async function openBench(args: BenchArgs, log: (m: string) => void): Promise<OpenedBench> {
  let database: Config['database'];
  let tempDir: string | null = null;
  let pgConn: { url: string; schema: string } | null = null;
  if (args.embedded) {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-'));
    database = { kind: 'pglite', dataDir: tempDir };
  } else {
    const url = new URL(args.databaseUrl);
    url.searchParams.delete('schema');
    pgConn = { url: url.toString(), schema: `bench_${timestamp()}` };
    database = { kind: 'postgres', ...pgConn };
  }
  // Production settings (masked errors, no introspection, the default query limits) and no logs: the
  // bench prints its own table. The per-key rate limit alone is raised out of reach: the bench drives
  // one key far past any production budget on purpose, and measures the pipeline, not the limiter
  // (keys are still verified on every request and each request still spends a point).
  const defaults = loadConfig({});
  const config: Config = {
    ...defaults,
    port: 0,
    host: '127.0.0.1',
    database,
    redisUrl: undefined,
    logLevel: 'silent',
    nodeEnv: 'production',
    production: true,
    security: { ...defaults.security, rateLimitPerMinute: 1e9 },
    // The time re-check runs only where a workload runs it (W9): left on its 20 s timer it would land at
    // a random moment inside other workloads' measured phases.
    segmentRecheckMs: 3_600_000,
    // Likewise the alert check (churn, anomalies) and the RFM refresh: on their timers (1 and 5 min)
    // they would land inside measured phases, and at --scale large each reads the whole touchpoint set.
    // W8 measures them.
    rfmRefreshMs: 3_600_000,
    alerts: { ...defaults.alerts, checkMs: 3_600_000 },
    // W12 delivers webhooks to a receiver on the loopback, which a deployment refuses by default.
    webhooks: { ...defaults.webhooks, allowedHosts: ['127.0.0.1'] },
  };

  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${(err as Error).message}`);
      }
    }
    cleanups.length = 0;
  };
  try {
    if (args.keep) log(`--keep: the ${tempDir ? `directory ${tempDir}` : `schema ${pgConn!.schema}`} is kept`);
    else if (tempDir) cleanups.push(() => rm(tempDir!, { recursive: true, force: true }));
    else if (pgConn) cleanups.push(() => dropSchema(pgConn!));
    log(`database: ${database.kind === 'postgres' ? `PostgreSQL schema ${pgConn!.schema}` : `PGlite in ${tempDir}`}`);
    const db = await openDatabase(config.database);
    cleanups.push(() => db.close());
    await migrate(db);
    const sql = await openBenchSql(db, pgConn);
    cleanups.push(() => sql.close());
    let wallClock = false;
    let frozenAt = BENCH_NOW.getTime();
    const server = await startServer({ config, db, logger: createLogger(config), clock: () => (wallClock ? new Date() : new Date(frozenAt)) });
    const setClock = (at: Date | null) => {
      frozenAt = (at ?? BENCH_NOW).getTime();
    };
    const withWallClock = async <T,>(fn: () => Promise<T>): Promise<T> => {
      wallClock = true;
      try {
        return await fn();
      } finally {
        wallClock = false;
      }
    };
    cleanups.push(() => server.stop());
    const baseUrl = `http://127.0.0.1:${server.port}`;
    log(`server: ${baseUrl}/graphql`);
    // GraphQL (HTTP and graphql-ws) needs a key; ADMIN may do everything the workloads ask.
    const made = await server.services.apiKeys.create({ name: 'bench', role: 'ADMIN' });
    if (!made.ok) throw new Error(`bench API key: ${made.message}`);
    const apiKey = made.value.key;
    const idleRssMb = process.memoryUsage().rss / 1024 / 1024;
    const profiler = new PhaseProfiler(args.cpuProf, db);
    cleanups.push(async () => profiler.close());
    const ctx: BenchContext = { args, scale: args.scale, config, db, server, baseUrl, apiKey, authHeaders: { authorization: `Bearer ${apiKey}` }, sql, pg: pgConn, idleRssMb, now: new Date(BENCH_NOW), withWallClock, setClock, shared: new Map(), profiler, log };
    return { ctx, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function dropSchema(conn: { url: string; schema: string }): Promise<void> {
  const client = new pg.Client({ connectionString: conn.url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${conn.schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
