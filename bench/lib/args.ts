/** `npm run bench -- [--scale small|large] [--embedded] [--only W1,W2] [--steady-minutes N]`. */
import { parseArgs } from 'node:util';
import { SCALES, type Scale } from './scale.ts';

export interface BenchArgs {
  scale: Scale;
  embedded: boolean;
  only: string[] | null;
  /** Keep the PostgreSQL schema (or PGlite directory) after the run, to look at the data. */
  keep: boolean;
  /** Write a CPU profile and SQL timings of each measured phase to bench/results/profiles/. */
  cpuProf: boolean;
  /** W7: minutes of steady load after W1's door phases (0 skips that phase). */
  steadyMinutes: number;
  databaseUrl: string;
}

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test';

export const USAGE = `usage: npm run bench -- [--scale small|large] [--embedded] [--only W1,W2,W7] [--keep] [--cpu-prof]
                          [--steady-minutes N] [--subscribers N]

  --scale     small (default; a few minutes on 2 cores) or large (1M customers / 10M touchpoints)
  --embedded  run on the embedded PGlite in a temporary directory instead of PostgreSQL
  --only      comma-separated workload ids (default: every workload that is built)
  --keep      keep the run's schema / data directory afterwards (to inspect the data)
  --cpu-prof  write a CPU profile + SQL timings per measured phase to bench/results/profiles/
              (profiling slows the server: do not report figures from such a run)
  --steady-minutes  W7: minutes of steady load (ingest through both doors, profile reads, live
              subscribers) sampled for memory growth; default 10, 0 skips that phase
  --subscribers  W3: live subscribers instead of the scale's 1,000 (50 a socket), e.g. 10000 for the
              issue's 10,000-subscriber variant

PostgreSQL comes from DATABASE_URL (default ${DEFAULT_DATABASE_URL}); the run works in its own schema
bench_<timestamp>, dropped at the end.`;

export function parseBenchArgs(argv: string[], env: Record<string, string | undefined>): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: 'small' },
      embedded: { type: 'boolean', default: false },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      'steady-minutes': { type: 'string', default: '10' },
      subscribers: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  let scale = SCALES[values.scale as keyof typeof SCALES];
  if (!scale) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}; got "${values.scale}"`);
  if (values.subscribers !== undefined) {
    const n = Number(values.subscribers);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--subscribers must be a whole number ≥ 1; got "${values.subscribers}"`);
    // 50 subscriptions a socket, as at the scales' 1,000 on 20.
    scale = { ...scale, fanoutSubscribers: n, fanoutSockets: Math.max(1, Math.ceil(n / 50)) };
  }
  const only = values.only
    ? values.only
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean)
    : null;
  const steadyMinutes = Number(values['steady-minutes']);
  if (!Number.isInteger(steadyMinutes) || steadyMinutes < 0) throw new Error(`--steady-minutes must be a whole number of minutes ≥ 0; got "${values['steady-minutes']}"`);
  return { scale, steadyMinutes, embedded: values.embedded ?? false, only, keep: values.keep ?? false, cpuProf: values['cpu-prof'] ?? false, databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL };
}
