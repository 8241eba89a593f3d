/**
 * Time windows expire without any write ("no login for 7 days" becomes true on day 8 by itself), so
 * segments whose rules depend on time are re-checked on a timer, by the leader process only
 * (src/db/leader.ts). Should two overlap during a failover, the outbox lock serialises them and the
 * later run finds nothing left to change.
 */
import { startRecurring, type RecurringOptions } from '../../lib/recurring.ts';
import type { Logger } from '../../logger.ts';
import type { SegmentService } from './segment.service.ts';

export function startSegmentScheduler(segments: SegmentService, opts: { intervalMs: number; logger: Logger } & RecurringOptions) {
  return startRecurring('segment-scheduler', opts.intervalMs, opts.logger, async () => {
    // A repair a data migration asked for runs once, before the first re-check after it.
    const changes = (await segments.repairPending()) + (await segments.recheckTimeDependent());
    return changes ? { changes } : null;
  }, opts);
}
