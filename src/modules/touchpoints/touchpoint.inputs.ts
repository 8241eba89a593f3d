import { Field, Float, InputType } from 'type-graphql';
import { Channel, JSONObjectScalar, TouchpointType } from '../../graphql/scalars.ts';
import { IdentityInput } from '../customers/customer.inputs.ts';

@InputType({ description: 'One touchpoint, as a CRM, back office or server-side integration reports it.' })
export class TouchpointInput {
  @Field(() => String, { description: 'Unique per API key (the same scope as /v1): a resend with the same key and messageId is counted as a duplicate, never stored twice.' })
  messageId!: string;
  @Field(() => TouchpointType, { defaultValue: 'TRACK' }) type!: TouchpointType;
  @Field(() => String, { nullable: true, description: 'Event name, e.g. "Order Completed" (required for TRACK).' }) event?: string | null;
  @Field(() => Channel, { nullable: true, description: 'Inferred from campaign/referrer/context when absent.' }) channel?: Channel | null;
  @Field(() => String, { nullable: true, description: 'Accepted for compatibility; no longer scopes messageId (the sending key does).' }) source?: string | null;
  @Field(() => String, { nullable: true }) userId?: string | null;
  @Field(() => String, { nullable: true }) anonymousId?: string | null;
  @Field(() => [IdentityInput], { nullable: true, description: 'Any other ids the touchpoint carries (email, phone, WeChat openid, ...).' })
  identities?: IdentityInput[] | null;
  @Field(() => String, { nullable: true, description: 'For GROUP: the account the person belongs to (required there).' }) groupId?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true, description: 'For IDENTIFY: profile traits (email, phone, name, ... and free ones); for GROUP: account traits.' })
  traits?: Record<string, unknown> | null;
  @Field(() => JSONObjectScalar, { nullable: true }) properties?: Record<string, unknown> | null;
  @Field(() => Float, { nullable: true }) revenue?: number | null;
  @Field(() => String, { nullable: true, description: 'ISO 4217, e.g. "CNY".' }) currency?: string | null;
  @Field(() => String, { nullable: true, description: 'When it happened: ISO 8601, or epoch milliseconds. Default: when received.' })
  occurredAt?: string | null;
  @Field(() => String, { nullable: true, description: 'When the client sent it (ISO 8601 or epoch ms); corrects client clock skew.' })
  sentAt?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true, description: 'Segment-style context: campaign (utm), page, app, device, locale, ...' })
  context?: Record<string, unknown> | null;
  @Field(() => String, { nullable: true }) sessionId?: string | null;
}

/** The GraphQL door speaks the same raw shape as the Segment door, so one pipeline serves both. */
export function toRawEvent(t: TouchpointInput): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...t, type: t.type.toLowerCase(), timestamp: t.occurredAt ?? undefined };
  delete raw.occurredAt;
  for (const [k, v] of Object.entries(raw)) if (v === null || v === undefined) delete raw[k];
  return raw;
}

@InputType({ description: 'What touchpointReceived streams; every list empty or absent means all.' })
export class LiveTouchpointFilter {
  @Field(() => [String], { nullable: true, description: 'Event names (a quarantined event matches on the name it was sent with).' }) events?: string[] | null;
  @Field(() => [Channel], { nullable: true, description: 'Channels; quarantined events have none, so a channel filter leaves them out.' }) channels?: Channel[] | null;
  @Field(() => [String], { nullable: true, description: 'Touchpoint sources.' }) sources?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: 'true: quarantined only; false: stored only; absent: both.' }) quarantined?: boolean | null;
}
