/**
 * Runs the alert check on a timer, in the leader process only (src/db/leader.ts). Should two overlap
 * during a failover, the unique key makes the later insert of the same alert a no-op, so each alert
 * is stored and published once.
 */
import { startRecurring, type RecurringOptions } from '../../lib/recurring.ts';
import type { Logger } from '../../logger.ts';
import type { AlertService } from './alert.service.ts';

export function startAlertChecker(alerts: AlertService, opts: { intervalMs: number; logger: Logger } & RecurringOptions) {
  return startRecurring('alert-checker', opts.intervalMs, opts.logger, async () => {
    const raised = await alerts.check();
    return raised.length ? { raised: raised.length } : null;
  }, opts);
}
