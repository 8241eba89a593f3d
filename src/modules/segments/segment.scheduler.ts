/**
 * Time windows expire without any write ("no login for 7 days" becomes true on day 8 by itself), so
 * segments whose rules depend on time are re-checked on a timer. Runs never overlap; a failed run is
 * logged and the next one tries again. Several server processes may all run it: the outbox lock
 * serialises them and the later run finds nothing left to change.
 */
import type { Logger } from '../../logger.ts';
import type { SegmentService } from './segment.service.ts';

export function startSegmentScheduler(segments: SegmentService, opts: { intervalMs: number; logger: Logger }) {
  const log = opts.logger.child({ module: 'segment-scheduler' });
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = async () => {
    try {
      const changes = await segments.recheckTimeDependent();
      if (changes) log.info({ changes }, 'time-dependent segments re-checked');
    } catch (err) {
      if (!stopped) log.error({ err }, 'segment re-check failed');
    } finally {
      running = null;
    }
  };
  const timer = setInterval(() => {
    if (!running && !stopped) running = run();
  }, opts.intervalMs);
  timer.unref();
  return {
    /** Stops the timer and waits for a run in progress, so the database can close after it. */
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
