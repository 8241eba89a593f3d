/**
 * The real CLI in its own process: start-up on a fresh embedded database, the data-directory lock,
 * and a clean exit on SIGTERM. The served process is bin/cdp.js, the entry point users run; the
 * short-lived ones are the run's CLI bundle (tests/helpers/cli-build.ts), which starts faster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listMigrations } from '../../src/db/migrate.ts';
import { cliArgs } from '../helpers/cli-process.ts';
import { pgliteSnapshot } from '../helpers/databases.ts';
import { migrateWithKeys } from '../helpers/prepared-database.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dataRoot = mkdtempSync(path.join(tmpdir(), 'cdp-proc-'));
afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

function cdp(args: string[], env: Record<string, string>, entry: 'bundle' | 'bin' = 'bundle') {
  const child = spawn(process.execPath, cliArgs(args, entry), {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

async function waitForUrl(p: { output: () => string; child: ChildProcess }, ms = 150_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const m = /ready at (http:\/\/\S+\/graphql)/.exec(p.output());
    if (m) return m[1]!;
    if (p.child.exitCode !== null) throw new Error(`server exited early:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start:\n${p.output()}`);
}

describe('cdp serve as a process', () => {
  // Each test starts CLI processes (seconds each, tens of seconds on a busy machine).
  it('serves, refuses a second process on the same data dir, and exits 0 on SIGTERM', { timeout: 300_000 }, async () => {
    const dataDir = path.join(dataRoot, 'a');
    const made = cdp(['keys', 'create', '--name', 'proc-test', '--role', 'READER'], { CDP_DATA_DIR: dataDir });
    expect(await made.exited).toBe(0);
    const key = /^\s+(cdp_\S+)$/m.exec(made.output())![1]!;
    // As operators run it: outside NODE_ENV=test Apollo used to add a signal handler of its own that
    // turned one SIGTERM into two (exit 1).
    const server = cdp(['serve'], { CDP_DATA_DIR: dataDir, NODE_ENV: 'production' }, 'bin');
    try {
      const url = await waitForUrl(server);
      const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ version }"}' });
      expect(anonymous.status).toBe(401);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: '{"query":"{ customers { totalCount } }"}',
      });
      expect(await res.json()).toEqual({ data: { customers: { totalCount: 0 } } });

      const second = cdp(['migrate'], { CDP_DATA_DIR: dataDir });
      expect(await second.exited).not.toBe(0);
      expect(second.output()).toMatch(new RegExp(`in use by process ${server.child.pid}`));

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
    // The lock went with the process: the directory opens again.
    const again = cdp(['migrate'], { CDP_DATA_DIR: dataDir });
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain(`up to date (${(await listMigrations()).length} migrations)`);
  });

  it('takes over the lock of a process that died without releasing it', { timeout: 300_000 }, async () => {
    const dataDir = path.join(dataRoot, 'b');
    // A migrated database to start on: this test is about the lock, the first one about a fresh start.
    await migrateWithKeys({ kind: 'pglite', dataDir }, 'proc-lock', [], { pgliteSnapshot: await pgliteSnapshot() });
    const server = cdp(['serve'], { CDP_DATA_DIR: dataDir });
    await waitForUrl(server);
    server.child.kill('SIGKILL');
    await server.exited;
    const next = cdp(['migrate'], { CDP_DATA_DIR: dataDir });
    expect(await next.exited).toBe(0);
  });
});
