/**
 * Retakes the RFM cut points (rfm_cutpoints) every RFM_REFRESH_MS: one full ntile pass, so its cost
 * grows with all orders, but it runs on a timer instead of on every profile read and write.
 *
 * Staleness and convergence. customer.rfmTier and the rfmTier attribute of rules score a person's own
 * current R/F/M against the cut points. That equals the tier rfm(now) gives whenever no order was
 * stored, merged, unmerged or erased since the cut points were taken (and no future-dated order came
 * due). After such a change it can differ by one quintile on R or F for people near a cut: those who
 * were pushed across a cut by others moving, and everyone when the number of scored customers changed
 * (the cut ranks move). A person whose own orders were added is placed exactly as long as the number
 * of scored customers is the same. It converges at the next refresh, at most RFM_REFRESH_MS later;
 * segments using rfmTier are time-dependent, so their members follow within SEGMENT_RECHECK_MS after
 * that. Before the first refresh of a database (no cut points stored) reads take the exact ntile pass.
 * It runs on the leader process only (src/db/leader.ts); should two overlap during a failover, each
 * upserts the same row and the last write wins.
 */
import { startRecurring, type RecurringOptions } from '../../lib/recurring.ts';
import type { Logger } from '../../logger.ts';
import type { RfmService } from './rfm.service.ts';

export function startRfmRefresher(rfm: RfmService, opts: { intervalMs: number; logger: Logger } & RecurringOptions) {
  return startRecurring('rfm-refresher', opts.intervalMs, opts.logger, async () => {
    await rfm.refreshCuts();
    return null;
  }, opts);
}
