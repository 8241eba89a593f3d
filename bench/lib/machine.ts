/** What the numbers were measured on, written beside them. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { BenchSql } from './sql.ts';

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export async function machineInfo(sql: BenchSql) {
  const [{ version }] = (await sql.query<{ version: string }>('SELECT version() AS version')) as [{ version: string }];
  const [{ server_version }] = (await sql.query<{ server_version: string }>('SHOW server_version')) as [{ server_version: string }];
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    /** 1/5/15-minute load averages when the run started: other work on the machine skews every figure. */
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    database: { kind: sql.kind, serverVersion: server_version, version },
    git: { commit: git(['rev-parse', 'HEAD']), dirty: (git(['status', '--porcelain']) ?? '') !== '' },
  };
}
