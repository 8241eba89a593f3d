/**
 * Runs the alert check on a timer, like the segment scheduler: runs never overlap, a failed run is
 * logged and the next one tries again. Several server processes may all run it: the unique key
 * makes the later insert of the same alert a no-op, so each alert is stored and published once.
 */
import type { Logger } from '../../logger.ts';
import type { AlertService } from './alert.service.ts';

export function startAlertChecker(alerts: AlertService, opts: { intervalMs: number; logger: Logger }) {
  const log = opts.logger.child({ module: 'alert-checker' });
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = async () => {
    try {
      const raised = await alerts.check();
      if (raised.length) log.info({ raised: raised.length }, 'alerts raised');
    } catch (err) {
      if (!stopped) log.error({ err }, 'alert check failed');
    } finally {
      running = null;
    }
  };
  const timer = setInterval(() => {
    if (!running && !stopped) running = run();
  }, opts.intervalMs);
  timer.unref();
  return {
    /** Stops the timer and waits for a check in progress, so the database can close after it. */
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
