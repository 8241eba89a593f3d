/**
 * Optional profiling of measured phases (`--cpu-prof`): a V8 CPU profile of the whole process (server
 * and client share it) written to bench/results/profiles/<phase>.cpuprofile, plus the time Prisma
 * reports per SQL statement shape during the phase, written beside it as <phase>.sql.json.
 * Summarise a profile with `npx tsx bench/tools/cpuprofile-summary.ts <file>`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import type { Database } from '../../src/db/client.ts';

export const PROFILE_DIR = path.resolve(import.meta.dirname, '../results/profiles');

interface StatementTime {
  count: number;
  totalMs: number;
}

export class PhaseProfiler {
  private session: Session | null = null;
  private statements: Map<string, StatementTime> | null = null;

  constructor(
    private readonly enabled: boolean,
    db: Database,
  ) {
    if (!enabled) return;
    // Prisma's log emitter keeps every listener; this one only records while a phase is open.
    db.prisma.$on('query' as never, ((e: { query: string; duration: number }) => {
      if (!this.statements) return;
      const shape = e.query.replace(/\s+/g, ' ').trim().slice(0, 160);
      const s = this.statements.get(shape) ?? { count: 0, totalMs: 0 };
      s.count++;
      s.totalMs += e.duration;
      this.statements.set(shape, s);
    }) as never);
  }

  /** Runs fn; with profiling on, records a CPU profile and statement times for it under `name`. */
  async phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!this.enabled) return fn();
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.setSamplingInterval', { interval: 500 });
    }
    this.statements = new Map();
    await this.session.post('Profiler.start');
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const wallMs = performance.now() - started;
      const { profile } = await this.session.post('Profiler.stop');
      const statements = [...this.statements].map(([sql, s]) => ({ sql, ...s })).sort((a, b) => b.totalMs - a.totalMs);
      this.statements = null;
      await mkdir(PROFILE_DIR, { recursive: true });
      await writeFile(path.join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
      await writeFile(path.join(PROFILE_DIR, `${name}.sql.json`), JSON.stringify({ wallMs, statements }, null, 2));
    }
  }

  close(): void {
    this.session?.disconnect();
    this.session = null;
  }
}
