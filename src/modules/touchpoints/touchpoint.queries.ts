/**
 * The touchpoints module's public data API: the writes other modules make on touchpoints and the
 * customer stats derived from them, inside their own transactions. Everything else stays behind
 * touchpointRepository, which only this module imports.
 */
import { channelCountsSql } from './channel-counts.sql.ts';
import { journeyPageSql, journeyRowOf } from './journey.sql.ts';
import { startsSessionSql } from './session.sql.ts';
import { dedupKey, touchpointRepository } from './touchpoint.repository.ts';

export type { JourneyQuery, JourneyRow } from './journey.sql.ts';
export type { ChannelCount } from './touchpoint.model.ts';

export const touchpointQueries = {
  /** Ingestion answers DUPLICATE from the dedup table before doing any other work. */
  existingMessageIds: touchpointRepository.existingMessageIds,
  /** Ingestion and the demo seed store accepted events. */
  insertMany: touchpointRepository.insertMany,
  /** Ingestion and the demo seed add appended touchpoints to the customers' stats. */
  addToStats: touchpointRepository.addToStats,
  /** Merges, unmerges and ingestion after a re-merge recompute stats over the changed merged sets. */
  refreshStats: touchpointRepository.refreshStats,
  /** Ingestion keys its duplicate check the way existingMessageIds answers. */
  dedupKey,
  /** Analytics cuts sessions exactly as journeys do (session.sql.ts). */
  startsSessionSql,
  /** The customers' profile loader reads channel counts and journey pages with the profile's other parts, in one statement. */
  channelCountsSql,
  journeyPageSql,
  journeyRowOf,
};
