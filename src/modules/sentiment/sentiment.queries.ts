/** The sentiment module's public data API for other modules (ingestion, the segment rule compiler). */
import { sentimentAverageSql, sentimentRepository } from './sentiment.repository.ts';

export const sentimentQueries = {
  /** Ingestion adds the touchpoints it stored to the customers' aggregates, before the change hooks run. */
  addTouchpoints: sentimentRepository.addTouchpoints,
  /** Segment rules (incremental facts) read the merged-set averages. */
  ofCustomers: sentimentRepository.ofCustomers,
  /** The compiled rule's `sentimentAverage` attribute. */
  averageSql: sentimentAverageSql,
};
