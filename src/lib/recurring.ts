/**
 * A task on a timer: runs never overlap, a failed run is logged and the next one tries again, and
 * stop() waits for a run in progress so the database can close after it. With `when`, a tick runs
 * the task only while it answers true (only the leader process runs recurring jobs); a run already
 * started when leadership is lost finishes (every job is safe to run twice).
 */
import type { Logger } from '../logger.ts';

export interface Recurring {
  stop(): Promise<void>;
}

/** `task` returns a summary to log at info level, or null when there is nothing worth saying. */
export interface RecurringOptions {
  /** Run a tick's task only while this is true. */
  when?: () => boolean;
  /** Called at the start of each run (metrics). */
  onRun?: (name: string) => void;
}

export function startRecurring(
  name: string,
  intervalMs: number,
  logger: Logger,
  task: () => Promise<Record<string, unknown> | null>,
  opts: RecurringOptions = {},
): Recurring {
  const log = logger.child({ module: name });
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = async () => {
    opts.onRun?.(name);
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
    if (!running && !stopped && (opts.when?.() ?? true)) running = run();
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
