/** Accounts (B2B): what Segment `group` calls say about the companies customers belong to. */
import type { Db } from '../../db/client.ts';
import type { AfterCommit } from '../../lib/change-hooks.ts';

export type Traits = Record<string, unknown>;

export interface AccountRecord {
  id: string;
  groupId: string;
  traits: Traits;
  createdAt: Date;
  updatedAt: Date;
}

/** One accepted `group` call, after identity resolution: the customer it was stored under. */
export interface GroupCall {
  groupId: string;
  traits: Traits;
  /** The event time (after clock-skew correction). */
  occurredAt: Date;
  customerId: string;
}

/** What the ingestion pipeline needs from the accounts module (implemented by AccountService). */
export interface GroupCallSink {
  /** In the ingesting transaction: upserts the accounts, merges their traits, links the customers. */
  applyGroupCalls(tx: Db, calls: GroupCall[]): Promise<AfterCommit>;
}

/** Longest group id kept (trimmed); a longer one is quarantined as `invalid_group_id`. */
export const MAX_GROUP_ID_LENGTH = 256;
/** Most bytes the traits of one group call may serialise to (as CRM traits); beyond: `traits_too_large`. */
export const MAX_GROUP_TRAITS_BYTES = 16 * 1024;
