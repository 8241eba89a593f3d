/** What one call into the ingestion pipeline answers, whichever door the events came through. */
export type IngestStatus = 'ACCEPTED' | 'DUPLICATE' | 'QUARANTINED' | 'DROPPED';

export interface IngestResult {
  index: number;
  status: IngestStatus;
  touchpointId: string | null;
  customerId: string | null;
  /** snake_case reason code for QUARANTINED / DROPPED. */
  reason: string | null;
  message: string | null;
}

/** accepted + duplicates + quarantined + dropped always equals the number of events sent. */
export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  quarantined: number;
  dropped: number;
  results: IngestResult[];
}

export interface IngestOptions {
  /** The system that sent the batch (a write key's name, "graphql", ...); scopes messageId dedup. */
  source?: string;
  receivedAt?: Date;
  /**
   * Per event, when it was first received; wins over receivedAt. Reprocessing passes the original
   * receipt, since clock-skew correction (and an event sent without a time) is measured from it.
   */
  receivedAts?: readonly Date[];
}

export const MAX_EVENTS_PER_CALL = 1000;
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;

/**
 * The messageId dedup scope of everything one API key sends, through either door. Bound to the key
 * (its id: names are not unique), never to a client-chosen field, so no key can pre-claim another
 * system's message ids.
 */
export const dedupScopeOfKey = (keyId: string): string => `writekey:${keyId}`;
