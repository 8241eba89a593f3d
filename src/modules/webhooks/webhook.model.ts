/** Plain shapes of webhook destinations and their items, shared by the repository, service and worker. */

export const WEBHOOK_EVENT_KINDS = ['SEGMENT_CHANGES', 'ALERTS', 'TOUCHPOINTS'] as const;
export type WebhookEventKindValue = (typeof WEBHOOK_EVENT_KINDS)[number];

/** What a destination is told to send, as stored. */
export interface DestinationWrite {
  name: string;
  url: string;
  events: WebhookEventKindValue[];
  /** Empty: every segment. */
  segmentIds: string[];
  /** Empty: every alert kind. */
  alertKinds: string[];
  /** Touchpoint filter; empty lists match everything. */
  eventNames: string[];
  channels: string[];
  maskPii: boolean;
}

export interface WebhookDestinationRecord extends DestinationWrite {
  id: string;
  secret: string;
  status: 'ACTIVE' | 'PAUSED';
  pausedReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  segmentCursor: bigint;
  consecutiveDead: number;
  delivered: number;
  retried: number;
  failed: number;
  deadLettered: number;
  latencyMsSum: number;
  latencyMsMax: number;
  requests: number;
  lastDeliveredAt: Date | null;
  lastError: string | null;
}

export interface SegmentChangeRow {
  seq: string;
  segmentId: string;
  segmentName: string | null;
  customerId: string;
  change: 'ENTERED' | 'LEFT';
  at: Date;
  reason: Record<string, unknown>;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  externalId: string | null;
  customerSource: string | null;
  country: string | null;
  city: string | null;
}

export interface DeadLetterRecord {
  id: string;
  kind: string;
  itemKey: string;
  refId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deadAt: Date | null;
}

/** One item of a request body. `id` is the idempotency key: receivers drop an id they have already processed. */
export interface WebhookItem {
  id: string;
  type: string;
  occurredAt: string;
  data: unknown;
}
