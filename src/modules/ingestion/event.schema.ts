/**
 * The zod schema of an event payload, and the quarantine reason for each field it checks. Keys are in
 * the order problems are reported (zod reports issues in shape order). Top-level fields are parsed into
 * their typed form; objects that are stored as they came (properties, context) are only checked, never
 * rewritten.
 */
import { z } from 'zod';
import { Channel, IdentityType, TouchpointType } from '../../generated/prisma/enums.ts';
import { parseAmount } from './event-money.ts';
import { parseEventTime } from './event-time.ts';

export const MAX_MESSAGE_ID_LENGTH = 256;
export const MAX_EVENT_NAME_LENGTH = 200;
export const MAX_SOURCE_LENGTH = 256;
export const MAX_EXPLICIT_IDENTITIES = 50;

const CHANNELS = Object.values(Channel) as [Channel, ...Channel[]];

/** Our channel names, any case ("web", "Mini_Program"). */
export function parseChannel(value: unknown): Channel | null {
  if (typeof value !== 'string') return null;
  const name = value.trim().toUpperCase();
  return (CHANNELS as string[]).includes(name) ? (name as Channel) : null;
}

const jsonObject = z.record(z.string(), z.unknown());
const eventTime = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const date = parseEventTime(v);
  if (!date) ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 date-time or epoch milliseconds' });
  return date ?? z.NEVER;
});
const amount = z.union([z.number(), z.string()]).refine((v) => parseAmount(v) !== null, {
  message: 'expected a finite number or numeric string',
});
/**
 * Segment clients sometimes send numeric ids; they are ids all the same, but only while a double holds
 * them exactly: past 2^53 − 1 two ids become one (9007199254740993 reads as …992) and 1e21 prints as
 * "1e+21", so those are refused with their own reason rather than stored as someone else's id.
 */
const id = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'string') return v;
  if (Number.isSafeInteger(v)) return String(v);
  ctx.addIssue({ code: 'custom', message: 'a numeric id must be a whole number from -(2^53 - 1) to 2^53 - 1 (send larger ids as strings)', params: { reason: 'unsafe_numeric_id' } });
  return z.NEVER;
});
const channel = z.string().refine((v) => parseChannel(v) !== null, { message: `expected one of ${CHANNELS.join(', ')}` });
const eventName = z.string().trim().max(MAX_EVENT_NAME_LENGTH);

export const eventPayloadSchema = z.object({
  type: z.string().trim().toUpperCase().pipe(z.enum(Object.values(TouchpointType) as [TouchpointType, ...TouchpointType[]])),
  messageId: z.string().trim().min(1).max(MAX_MESSAGE_ID_LENGTH).optional(),
  event: eventName.optional(),
  name: eventName.optional(),
  // page / screen: kept in properties.category; lenient, as it never mattered before it was kept.
  category: z.unknown().optional(),
  userId: id.optional(),
  anonymousId: id.optional(),
  previousId: id.optional(),
  groupId: id.optional(),
  identities: z
    .array(z.object({ type: z.enum(Object.values(IdentityType) as [IdentityType, ...IdentityType[]]), value: z.string() }))
    .max(MAX_EXPLICIT_IDENTITIES)
    .optional(),
  properties: z.looseObject({ revenue: amount.nullish(), total: amount.nullish() }).optional(),
  traits: jsonObject.optional(),
  context: z.looseObject({ channel: channel.nullish() }).optional(),
  integrations: jsonObject.optional(),
  timestamp: eventTime.optional(),
  originalTimestamp: eventTime.optional(),
  sentAt: eventTime.optional(),
  channel: channel.transform((v) => parseChannel(v)!).optional(),
  revenue: amount.transform((v) => parseAmount(v)!).optional(),
  // Lenient: a bad currency or session id is dropped by the normalise step rather than quarantined.
  currency: z.unknown().optional(),
  sessionId: z.unknown().optional(),
  source: z.string().trim().max(MAX_SOURCE_LENGTH).optional(),
});

export type EventPayload = z.output<typeof eventPayloadSchema>;

export type SchemaReason =
  | 'invalid_type'
  | 'invalid_message_id'
  | 'invalid_event_name'
  | 'invalid_identity'
  | 'invalid_properties'
  | 'invalid_timestamp'
  | 'invalid_channel'
  | 'invalid_revenue'
  | 'invalid_source'
  | 'unsafe_numeric_id';

/** Looked up by the issue's first two path segments, then its first. */
const REASON_BY_FIELD: Record<string, SchemaReason> = {
  type: 'invalid_type',
  messageId: 'invalid_message_id',
  event: 'invalid_event_name',
  name: 'invalid_event_name',
  userId: 'invalid_identity',
  anonymousId: 'invalid_identity',
  previousId: 'invalid_identity',
  groupId: 'invalid_identity',
  identities: 'invalid_identity',
  properties: 'invalid_properties',
  'properties.revenue': 'invalid_revenue',
  'properties.total': 'invalid_revenue',
  traits: 'invalid_properties',
  context: 'invalid_properties',
  'context.channel': 'invalid_channel',
  integrations: 'invalid_properties',
  timestamp: 'invalid_timestamp',
  originalTimestamp: 'invalid_timestamp',
  sentAt: 'invalid_timestamp',
  channel: 'invalid_channel',
  revenue: 'invalid_revenue',
  source: 'invalid_source',
};

/** A check that names its own reason (params.reason) wins over the field's. */
export function reasonForIssue(issue: { path: readonly PropertyKey[]; code?: string; params?: Record<string, unknown> }): SchemaReason {
  const own = issue.code === 'custom' ? issue.params?.reason : undefined;
  if (own === 'unsafe_numeric_id') return own;
  const field = issue.path.map(String);
  return REASON_BY_FIELD[field.slice(0, 2).join('.')] ?? REASON_BY_FIELD[field[0] ?? ''] ?? 'invalid_properties';
}
