/**
 * The ingestion module's public data API on quarantined (failed) events: what the touchpoints service
 * needs to list and reprocess them. Inserting failures stays inside ingestion.
 */
import { failedEventRepository } from './failed-event.repository.ts';

export const failedEventQueries = {
  /** failedEvents(): one keyset page of those not reprocessed yet, newest first, optionally of one reason. */
  page: failedEventRepository.page,
  /** failedEvents(): totalCount. */
  count: failedEventRepository.count,
  /** reprocessFailedEvents: the rows asked for. */
  byIds: failedEventRepository.byIds,
  /** reprocessFailedEvents: a row that fails again keeps its new reason. */
  updateReason: failedEventRepository.updateReason,
  /** reprocessFailedEvents: rows that went through are not offered again. */
  markReprocessed: failedEventRepository.markReprocessed,
};
