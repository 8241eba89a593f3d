/**
 * W7 memory: the peak resident set size of the bench process (server, pipeline and the HTTP client
 * sending prepared bodies) sampled every 100 ms while W1 pushes its stream through both doors, next to
 * the RSS right after start-up. When W1 did not run in this invocation, W7 runs W1's door phases itself.
 * (The "after 10 minutes of steady load" part waits for W3's subscribers.)
 */
import type { BenchContext } from '../lib/context.ts';
import { generateEvents } from '../lib/events.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { resetData } from '../lib/sql.ts';
import { ingestThroughDoors, type W1Memory } from './w1-ingest.ts';

export async function runW7(ctx: BenchContext): Promise<ResultRow[]> {
  let memory = ctx.shared.get('w1.memory') as W1Memory | undefined;
  if (!memory) {
    ctx.log('  W7: W1 did not run; sending its stream through both doors to sample memory');
    memory = (await ingestThroughDoors(ctx, generateEvents({ events: ctx.scale.ingestEvents, users: ctx.scale.ingestUsers }))).memory;
    await resetData(ctx.sql);
  }
  return [
    row({
      workload: 'W7',
      name: 'peak RSS during W1 (both doors)',
      figure: memory.rss.peakMb,
      unit: 'MB',
      baseline: { name: 'idle RSS after start-up', figure: memory.idleRssMb },
      better: 'lower',
      details: { meanMb: memory.rss.meanMb, samples: memory.rss.samples, events: memory.events, intervalMs: 100 },
    }),
  ];
}
