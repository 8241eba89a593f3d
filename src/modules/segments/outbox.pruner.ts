/**
 * Keeps the membership outbox to OUTBOX_RETENTION_DAYS, on a timer in the leader process. A `since`
 * older than what is kept then answers SINCE_EXPIRED instead of replaying with a silent gap.
 */
import { startRecurring, type RecurringOptions } from '../../lib/recurring.ts';
import type { Logger } from '../../logger.ts';
import type { SegmentService } from './segment.service.ts';

export function startOutboxPruner(segments: SegmentService, opts: { intervalMs: number; logger: Logger } & RecurringOptions) {
  return startRecurring(
    'outbox-pruner',
    opts.intervalMs,
    opts.logger,
    async () => {
      const { horizon, deleted } = await segments.pruneOutbox();
      return deleted ? { deleted, prunedThroughSeq: String(horizon) } : null;
    },
    opts,
  );
}
