/** Samples process.memoryUsage() on a timer: the peak RSS (W1, W7), or every sample (W7 steady load). */
export interface RssSummary {
  peakMb: number;
  meanMb: number;
  samples: number;
}

const MB = 1024 * 1024;

export function rssNowMb(): number {
  return process.memoryUsage().rss / MB;
}

export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private peak = 0;
  private sum = 0;
  private count = 0;

  constructor(private readonly intervalMs = 100) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): RssSummary {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return { peakMb: this.peak / MB, meanMb: this.count ? this.sum / this.count / MB : 0, samples: this.count };
  }

  private sample(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
    this.sum += rss;
    this.count++;
  }
}

/** One reading of the process's memory, `t` seconds after the series started. */
export interface MemorySample {
  t: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

export function memoryNow(t: number): MemorySample {
  const m = process.memoryUsage();
  return { t, rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, heapTotalMb: m.heapTotal / MB, externalMb: m.external / MB };
}

/** Samples the whole memoryUsage() on a timer and keeps every sample (W7's steady phase: one a second). */
export class MemorySeries {
  private timer: NodeJS.Timeout | null = null;
  private started = 0;
  readonly samples: MemorySample[] = [];

  constructor(private readonly intervalMs = 1000) {}

  start(): this {
    this.started = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  /** Seconds since start. */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  sample(): MemorySample {
    const s = memoryNow(this.elapsed());
    this.samples.push(s);
    return s;
  }

  stop(): MemorySample[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.samples;
  }
}

/** Least-squares slope of y over x (per unit of x); NaN with fewer than two distinct x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/**
 * A full, forced garbage collection: `gc` when the process runs with --expose-gc, else the same
 * function obtained at run time (v8.setFlagsFromString + a fresh vm context, as jest's leak detector
 * does); null if neither works. `how` says which.
 */
export async function forcedGc(): Promise<{ gc: () => void; how: string } | null> {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return { gc: g, how: '--expose-gc' };
  try {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? { gc: fn as () => void, how: 'v8.setFlagsFromString(--expose-gc)' } : null;
  } catch {
    return null;
  }
}

/** Heap after a forced GC, and RSS, in MB: what the process holds at rest. */
export async function settledMemory(): Promise<{ heapMb: number; rssMb: number; gc: string | null }> {
  const gc = await forcedGc();
  gc?.gc();
  const m = memoryNow(0);
  return { heapMb: m.heapUsedMb, rssMb: m.rssMb, gc: gc?.how ?? null };
}
