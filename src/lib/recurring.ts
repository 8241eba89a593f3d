/**
 * A task on a timer: runs never overlap, a failed run is logged and the next one tries again, and
 * stop() waits for a run in progress so the database can close after it.
 */
import type { Logger } from '../logger.ts';

export interface Recurring {
  stop(): Promise<void>;
}

/** `task` returns a summary to log at info level, or null when there is nothing worth saying. */
export function startRecurring(name: string, intervalMs: number, logger: Logger, task: () => Promise<Record<string, unknown> | null>): Recurring {
  const log = logger.child({ module: name });
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = async () => {
    try {
      const summary = await task();
      if (summary) log.info(summary, `${name} run`);
    } catch (err) {
      if (!stopped) log.error({ err }, `${name} run failed`);
    } finally {
      running = null;
    }
  };
  const timer = setInterval(() => {
    if (!running && !stopped) running = run();
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
