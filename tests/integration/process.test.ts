/**
 * The real CLI in its own process: start-up on a fresh embedded database, the data-directory lock,
 * and a clean exit on SIGTERM. The served process is bin/cdp.js, the entry point users run; the
 * short-lived ones are the run's CLI bundle (tests/helpers/cli-build.ts), which starts faster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listMigrations } from '../../src/db/migrate.ts';
import { spawnCli, waitForReady, type CliProcess } from '../helpers/cli-process.ts';
import { pgliteSnapshot } from '../helpers/databases.ts';
import { migrateWithKeys } from '../helpers/prepared-database.ts';

const dataRoot = mkdtempSync(path.join(tmpdir(), 'cdp-proc-'));
afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

// The process tests run with Redis as configured (spawnCli's default is none).
const cdp = (args: string[], env: Record<string, string>, entry: 'bundle' | 'bin' = 'bundle') => spawnCli(args, { REDIS_URL: process.env.REDIS_URL ?? '', ...env }, entry);
const exitCode = async (p: CliProcess) => (await p.exited).code;

describe('cdp serve as a process', () => {
  // Each test starts CLI processes (seconds each, tens of seconds on a busy machine).
  it('serves, refuses a second process on the same data dir, and exits 0 on SIGTERM', { timeout: 300_000 }, async () => {
    const dataDir = path.join(dataRoot, 'a');
    const made = cdp(['keys', 'create', '--name', 'proc-test', '--role', 'READER'], { CDP_DATA_DIR: dataDir });
    expect(await exitCode(made)).toBe(0);
    const key = /^\s+(cdp_\S+)$/m.exec(made.output())![1]!;
    // As operators run it: outside NODE_ENV=test Apollo used to add a signal handler of its own that
    // turned one SIGTERM into two (exit 1).
    const server = cdp(['serve'], { CDP_DATA_DIR: dataDir, NODE_ENV: 'production' }, 'bin');
    try {
      const url = `${await waitForReady(server, 150_000)}/graphql`;
      const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ version }"}' });
      expect(anonymous.status).toBe(401);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: '{"query":"{ customers { totalCount } }"}',
      });
      expect(await res.json()).toEqual({ data: { customers: { totalCount: 0 } } });

      const second = cdp(['migrate'], { CDP_DATA_DIR: dataDir });
      expect(await exitCode(second)).not.toBe(0);
      expect(second.output()).toMatch(new RegExp(`in use by process ${server.child.pid}`));

      server.child.kill('SIGTERM');
      expect(await exitCode(server)).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
    // The lock went with the process: the directory opens again.
    const again = cdp(['migrate'], { CDP_DATA_DIR: dataDir });
    expect(await exitCode(again)).toBe(0);
    expect(again.output()).toContain(`up to date (${(await listMigrations()).length} migrations)`);
  });

  it('takes over the lock of a process that died without releasing it', { timeout: 300_000 }, async () => {
    const dataDir = path.join(dataRoot, 'b');
    // A migrated database to start on: this test is about the lock, the first one about a fresh start.
    await migrateWithKeys({ kind: 'pglite', dataDir }, 'proc-lock', [], { pgliteSnapshot: await pgliteSnapshot() });
    const server = cdp(['serve'], { CDP_DATA_DIR: dataDir });
    await waitForReady(server, 150_000);
    server.child.kill('SIGKILL');
    await exitCode(server);
    const next = cdp(['migrate'], { CDP_DATA_DIR: dataDir });
    expect(await exitCode(next)).toBe(0);
  });
});
