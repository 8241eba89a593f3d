/**
 * The daily partition job in the leader process: months ahead, then retention. Every process also
 * makes the months ahead once at start (server.ts), so a new deployment never writes into DEFAULT.
 */
import { startRecurring, type RecurringOptions } from '../../lib/recurring.ts';
import type { Logger } from '../../logger.ts';
import type { PartitionService } from './partition.service.ts';

export function startPartitionMaintainer(partitions: PartitionService, opts: { intervalMs: number; logger: Logger } & RecurringOptions) {
  return startRecurring(
    'partition-maintainer',
    opts.intervalMs,
    opts.logger,
    async () => {
      const { ensured, expired } = await partitions.maintain();
      const created = ensured.created.map((c) => c.name);
      const dropped = expired.dropped.map((d) => d.name);
      return created.length || dropped.length || expired.deletedFromDefault.length ? { created, dropped, deletedFromDefault: expired.deletedFromDefault } : null;
    },
    opts,
  );
}
