/**
 * Every pub/sub topic and the payload it carries. Payloads are plain serialisable objects (dates as
 * ISO strings) because with REDIS_URL they cross processes as JSON.
 */
export const Topic = {
  PING: 'system/ping',
  MEMBERSHIP_CHANGED: 'segment/membership_changed',
  ALERT_RAISED: 'alerts/raised',
} as const;

/** The alerts one check raised (new ones only: a key already stored is never published again). */
export interface AlertRaisedPayload {
  alerts: {
    id: string;
    kind: 'CHURN_RISK' | 'ANOMALY' | 'WEBHOOK_FAILING';
    key: string;
    customerId: string | null;
    channel: string | null;
    details: Record<string, unknown>;
    raisedAt: string;
  }[];
}

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
  [Topic.ALERT_RAISED]: AlertRaisedPayload;
}
export type TopicName = keyof TopicPayloads;
