/**
 * Every pub/sub topic and the payload it carries. Payloads are plain serialisable objects (dates as
 * ISO strings) because with REDIS_URL they cross processes as JSON.
 */
export const Topic = {
  PING: 'system/ping',
  MEMBERSHIP_CHANGED: 'segment/membership_changed',
  ALERT_RAISED: 'alerts/raised',
  TOUCHPOINT_RECEIVED: 'touchpoints/received',
} as const;

/** The alerts one check (or one ingested batch, for NEGATIVE_FEEDBACK) raised: new ones only, a key already stored is never published again. */
export interface AlertRaisedPayload {
  alerts: {
    id: string;
    kind: 'CHURN_RISK' | 'ANOMALY' | 'WEBHOOK_FAILING' | 'NEGATIVE_FEEDBACK';
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

/** One ingested batch, after its commit: what was stored and what was quarantined (no payloads: they may hold personal data). */
export interface TouchpointReceivedPayload {
  events: {
    quarantined: boolean;
    touchpointId: string | null;
    messageId: string | null;
    type: string | null;
    event: string | null;
    channel: string | null;
    source: string;
    customerId: string | null;
    reason: string | null;
    occurredAt: string | null;
    receivedAt: string;
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
  [Topic.TOUCHPOINT_RECEIVED]: TouchpointReceivedPayload;
}
export type TopicName = keyof TopicPayloads;
