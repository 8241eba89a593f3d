/**
 * Every pub/sub topic and the payload it carries. Payloads are plain serialisable objects (dates as
 * ISO strings) because with REDIS_URL they cross processes as JSON.
 */
export const Topic = {
  PING: 'system/ping',
} as const;

export interface PingPayload {
  message: string;
  at: string;
}

export interface TopicPayloads {
  [Topic.PING]: PingPayload;
}
export type TopicName = keyof TopicPayloads;
