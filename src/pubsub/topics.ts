/**
 * Every pub/sub topic and the payload it carries. Payloads are plain serialisable objects (dates as
 * ISO strings) because with REDIS_URL they cross processes as JSON.
 */
export const Topic = {
  PING: 'system/ping',
  MEMBERSHIP_CHANGED: 'segment/membership_changed',
} as const;

/** One committed transaction's membership changes, in seq order. */
export interface MembershipChangedPayload {
  changes: {
    seq: string;
    segmentId: string;
    customerId: string;
    change: 'ENTERED' | 'LEFT';
    at: string;
    reason: Record<string, unknown>;
  }[];
}

export interface PingPayload {
  message: string;
  at: string;
}

export interface TopicPayloads {
  [Topic.PING]: PingPayload;
  [Topic.MEMBERSHIP_CHANGED]: MembershipChangedPayload;
}
export type TopicName = keyof TopicPayloads;
