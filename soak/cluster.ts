/**
 * The soak's server processes: the real CLI (`node bin/cdp.js serve`) as children on fixed ports, so a
 * killed process can come back on the same address. Mirrors tests/helpers/cli-process.ts, which is
 * tied to vitest's afterAll and so cannot be imported here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

export interface ServerProcess {
  port: number;
  base: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const live = new Set<ChildProcess>();
/** Kills every server still running (the soak failed or was interrupted). */
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}

export function spawnServer(port: number, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [path.join(root, 'bin/cdp.js'), 'serve'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  // Only the tail is kept: a 10-minute run must not grow the soak's own memory without bound.
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return { port, base: `http://127.0.0.1:${port}`, child, exited, output: () => out };
}

export async function waitForReady(p: ServerProcess, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (/ready at http:\/\/\S+\/graphql/.test(p.output())) return;
    if (p.child.exitCode !== null) throw new Error(`server on ${p.port} exited early:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${p.port} did not start:\n${p.output()}`);
}

export interface Scrape {
  at: number;
  leader: number;
  runs: Record<string, number>;
  rssBytes: number;
  heapUsedBytes: number;
}

/** Leader gauge, recurring-job run counts and RSS of one process, from its /metrics (open on loopback). */
export async function scrape(base: string): Promise<Scrape> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const runs: Record<string, number> = {};
  for (const m of text.matchAll(/^cdp_recurring_runs_total\{job="([^"]+)"\} (\d+)$/gm)) runs[m[1]!] = Number(m[2]);
  return {
    at: Date.now(),
    leader: Number(/^cdp_leader (\d+)$/m.exec(text)?.[1] ?? NaN),
    runs,
    rssBytes: Number(/^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text)?.[1] ?? NaN),
    heapUsedBytes: Number(/^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text)?.[1] ?? NaN),
  };
}
