/**
 * The real CLI as a child process, for tests that kill or restart servers: the run's bundle of
 * src/cli/index.ts (tests/helpers/cli-build.ts), which is what `node bin/cdp.js ...` runs under tsx.
 * Children still running when the test file ends are killed (tests/setup-file.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** `node` arguments that run the CLI: the bundle, or with `entry: 'bin'` the bin/cdp.js users run. */
export function cliArgs(args: string[], entry: 'bundle' | 'bin' = 'bundle'): string[] {
  return [entry === 'bin' ? path.join(root, 'bin/cdp.js') : inject('cliBundle'), ...args];
}
const children = new Set<ChildProcess>();

/** Kills every child still running; tests/setup-file.ts calls it after each test file. */
export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
}

export interface CliProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
}

/**
 * Runs the CLI on a loopback ephemeral port: embedded database, no Redis, warn-level logs unless `env`
 * says otherwise; the bundle unless `entry` is 'bin'.
 */
export function spawnCli(args: string[], env: Record<string, string>, entry: 'bundle' | 'bin' = 'bundle'): CliProcess {
  const child = spawn(process.execPath, cliArgs(args, entry), {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited, output: () => out };
}

/** The base URL (`http://host:port`) a served CLI prints once ready; fails if it exits or takes longer than `ms`. */
export async function waitForReady(p: CliProcess, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const m = /ready at (http:\/\/\S+)\/graphql/.exec(p.output());
    if (m) return m[1]!;
    if (p.child.exitCode !== null) throw new Error(`server exited early:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start:\n${p.output()}`);
}
