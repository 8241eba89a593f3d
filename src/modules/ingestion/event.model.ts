/**
 * The three shapes an event takes on its way through the per-event steps: as it arrives (RawEvent,
 * untrusted), once checked (ValidatedEvent) and once normalised (NormalizedEvent, ready for dedup and
 * identity resolution).
 */
import type { Channel, IdentityType, TouchpointType } from '../../generated/prisma/enums.ts';
import type { EventPayload } from './event.schema.ts';

type JsonObject = Record<string, unknown>;

/**
 * What a well-behaved client sends: the Segment tracking spec plus our own extras. Nothing here is
 * trusted: the validate step takes `unknown` and checks every field; null counts as absent at the top.
 */
export interface RawEvent {
  /** track | page | screen | identify | group | alias, any case (so TouchpointType names work too). */
  type?: string;
  messageId?: string;
  userId?: string | number;
  anonymousId?: string | number;
  /** alias: the id the user had before. */
  previousId?: string | number;
  /** group: the account the user belongs to. */
  groupId?: string | number;
  /** track: the event name. */
  event?: string;
  /** page / screen: the page or screen name. */
  name?: string;
  category?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: RawEventContext;
  /** ISO 8601 or epoch milliseconds (number or numeric string). */
  timestamp?: string | number;
  originalTimestamp?: string | number;
  sentAt?: string | number;
  integrations?: JsonObject;
  // Our extras.
  channel?: Channel | Lowercase<Channel>;
  /** Which system sent the event; (source, messageId) is the dedup key. */
  source?: string;
  identities?: { type: IdentityType; value: string }[];
  revenue?: number | string;
  currency?: string;
  sessionId?: string;
}

export interface RawEventContext extends JsonObject {
  campaign?: { name?: string; source?: string; medium?: string; term?: string; content?: string };
  page?: { url?: string; path?: string; referrer?: string; title?: string; search?: string };
  app?: JsonObject;
  device?: { id?: string } & JsonObject;
  library?: { name?: string; version?: string };
  locale?: string;
  ip?: string;
  userAgent?: string;
  traits?: JsonObject;
  channel?: string;
  miniProgram?: JsonObject;
  sessionId?: string;
}

/** Output of the validate step: the typed payload plus what the door knew when it arrived. */
export interface ValidatedEvent {
  payload: EventPayload;
  /** The door's source, else the payload's, else "": the dedup scope of messageId. */
  source: string;
  /** The payload's own source, else the door's: shown on the touchpoint, never a dedup scope. */
  label: string;
  receivedAt: Date;
  /** The payload exactly as received, for the generated messageId and for quarantine. */
  raw: Record<string, unknown>;
}

export interface EventIdentity {
  type: IdentityType;
  value: string;
}

export interface NormalizedEvent {
  messageId: string;
  /** The dedup scope of messageId. */
  source: string;
  /** What is shown as the touchpoint's source. */
  label: string;
  type: TouchpointType;
  event: string | null;
  channel: Channel;
  /** Free detail of the channel: the campaign source or the search/social site it came from. */
  sourceName: string | null;
  /** The campaign (context.campaign.name or utm_campaign), a dimension of attribution and ROI. */
  campaign: string | null;
  /** Normalised and deduplicated; never empty except for an alias that only has a previousId. */
  identities: EventIdentity[];
  anonymousId: string | null;
  /** alias: kept apart from identities, since it may be a user id or an anonymous id. */
  previousId: string | null;
  groupId: string | null;
  /** identify / group traits; {} for other types. */
  traits: Record<string, unknown>;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  /** The amount as sent (rounded to cents), in `currency`; converted to the base currency when stored. */
  revenue: number | null;
  /** ISO 4217, upper case. */
  currency: string | null;
  occurredAt: Date;
  receivedAt: Date;
  sessionId: string | null;
  raw: unknown;
}
