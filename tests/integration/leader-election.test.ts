/**
 * Recurring jobs (segment re-check, alert checker, outbox pruning) run in one process per database:
 * the one holding a session-level advisory lock on its own connection. Two real server processes
 * (`node bin/cdp.js serve`) over one PostgreSQL schema: only the leader's job counters move; SIGKILL
 * it and the other takes over. On the embedded database the one process is always the leader.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../../src/config/env.ts';
import { spawnCli, waitForReady } from '../helpers/cli-process.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer } from '../helpers/server.ts';

const INTERVAL_MS = 300;
const JOBS = ['alert-checker', 'outbox-pruner', 'partition-maintainer', 'rfm-refresher', 'segment-scheduler'];
/** Every recurring job ran at least once in this process. */
const ranEvery = (runs: Record<string, number>) => JOBS.every((j) => (runs[j] ?? 0) >= 1);

function serve(env: Record<string, string>) {
  return spawnCli(['serve'], {
    LOG_LEVEL: 'info',
    SEGMENT_RECHECK_MS: String(INTERVAL_MS),
    ALERT_CHECK_MS: String(INTERVAL_MS),
    OUTBOX_PRUNE_MS: String(INTERVAL_MS),
    RFM_REFRESH_MS: String(INTERVAL_MS),
    PARTITION_MAINTAIN_MS: String(INTERVAL_MS),
    LEADER_ELECTION_MS: String(INTERVAL_MS),
    ...env,
  });
}

/** Leader gauge and per-job run counts of one process, from its /metrics. */
async function scrape(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const leader = Number(/^cdp_leader (\d+)$/m.exec(text)?.[1] ?? NaN);
  const runs: Record<string, number> = {};
  for (const m of text.matchAll(/^cdp_recurring_runs_total\{job="([^"]+)"\} (\d+)$/gm)) runs[m[1]!] = Number(m[2]);
  return { leader, runs };
}

const total = (runs: Record<string, number>) => Object.values(runs).reduce((a, b) => a + b, 0);

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: last ${JSON.stringify(last)}`);
}

describe.runIf(dbKinds.includes('postgres'))('leader election over PostgreSQL', () => {
  it('only the leader runs recurring jobs; when it is killed the other takes over', { timeout: 150_000 }, async () => {
    const url = testEnv().databaseUrl!;
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const u = new URL(url);
    u.searchParams.set('schema', schema);
    try {
      const a = serve({ DATABASE_URL: u.toString() });
      const baseA = await waitForReady(a);
      const b = serve({ DATABASE_URL: u.toString() });
      const baseB = await waitForReady(b);

      // One of them leads; it runs every job, the other runs none.
      const [first, second] = await until(
        () => Promise.all([scrape(baseA), scrape(baseB)]),
        ([x, y]) => x.leader + y.leader === 1 && ranEvery(x.leader ? x.runs : y.runs),
        30_000,
        'no single leader running jobs',
      );
      const leaderIsA = first.leader === 1;
      const [leader, follower, followerBase] = leaderIsA ? [a, b, baseB] : [b, a, baseA];
      const leaderRuns = leaderIsA ? first.runs : second.runs;
      expect(Object.keys(leaderRuns).sort()).toEqual(JOBS);
      // Several intervals later, the follower still has run nothing.
      await new Promise((r) => setTimeout(r, 5 * INTERVAL_MS));
      expect(total((await scrape(followerBase)).runs)).toBe(0);
      expect((await scrape(followerBase)).leader).toBe(0);

      leader.child.kill('SIGKILL');
      expect((await leader.exited).signal).toBe('SIGKILL');
      const after = await until(() => scrape(followerBase), (m) => m.leader === 1 && ranEvery(m.runs), 30_000, 'the follower never took over');
      expect(Object.keys(after.runs).sort()).toEqual(JOBS);
      expect(follower.output()).toMatch(/"msg":"became leader/);
      follower.child.kill('SIGTERM');
      await follower.exited;
    } finally {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  });
});

describe('leader election on PGlite', () => {
  it('the one process on the data directory is always the leader', { timeout: 60_000 }, async () => {
    const t = await startTestServer('pglite');
    try {
      const m = await scrape(t.baseUrl);
      expect(m.leader).toBe(1);
    } finally {
      await t.stop();
    }
  });
});
