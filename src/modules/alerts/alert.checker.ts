/**
 * Runs the alert check on a timer. Several server processes may all run it: the unique key makes the
 * later insert of the same alert a no-op, so each alert is stored and published once.
 */
import { startRecurring } from '../../lib/recurring.ts';
import type { Logger } from '../../logger.ts';
import type { AlertService } from './alert.service.ts';

export function startAlertChecker(alerts: AlertService, opts: { intervalMs: number; logger: Logger }) {
  return startRecurring('alert-checker', opts.intervalMs, opts.logger, async () => {
    const raised = await alerts.check();
    return raised.length ? { raised: raised.length } : null;
  });
}
