/** GraphQL shapes of the event dictionary `events` (semantics: events.repository.ts, docs/analytics.md). */
import { Field, Int, ObjectType, registerEnumType, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import type { Context } from '../../graphql/context.ts';
import { Channel, JSONScalar, TouchpointType } from '../../graphql/scalars.ts';
import { seesPiiMasked } from '../auth/access.ts';
import { maskValueUnderKey } from '../privacy/pii-mask.ts';

export enum JsonType {
  STRING = 'STRING',
  NUMBER = 'NUMBER',
  BOOLEAN = 'BOOLEAN',
  OBJECT = 'OBJECT',
  ARRAY = 'ARRAY',
  NULL = 'NULL',
}
registerEnumType(JsonType, { name: 'JsonType', description: 'The JSON type of a value, as jsonb_typeof names it.' });

/** Example strings are cut to this many characters (after masking, so a cut never unmasks an email). */
export const MAX_EXAMPLE_CHARS = 100;

/**
 * Example values of one key: masked for READER keys as the same value would be inside a touchpoint's
 * properties (by the key's last segment: `traits.email` masks as `email`), then long strings cut.
 */
const ExampleValues: MiddlewareFn<Context> = async ({ root, context }, next) => {
  const values = (await next()) as unknown[];
  const key = String((root as { key?: unknown }).key ?? '');
  const leaf = key.slice(key.lastIndexOf('.') + 1);
  return values.map((v) => {
    const shown = seesPiiMasked(context.auth?.role) ? maskValueUnderKey(leaf, v) : v;
    return typeof shown === 'string' && shown.length > MAX_EXAMPLE_CHARS ? `${shown.slice(0, MAX_EXAMPLE_CHARS)}…` : shown;
  });
};

@ObjectType({ description: 'A key seen in the sampled touchpoints of an event.' })
export class EventKey {
  @Field(() => String, { description: 'The key; for context, nested one level as "device.type".' }) key!: string;
  @Field(() => Int, { description: 'Sampled touchpoints that carry the key.' }) seen!: number;
  @Field(() => [JsonType], { description: 'Every JSON type the key held in the sample.' }) types!: JsonType[];
  @Field(() => [JSONScalar], {
    description: `Up to 3 distinct string, number or boolean values from the sample, most recent first; strings over ${MAX_EXAMPLE_CHARS} characters cut. Masked for READER keys like properties.`,
  })
  @UseMiddleware(ExampleValues)
  examples!: unknown[];
}

@ObjectType()
export class EventChannelCount {
  @Field(() => Channel) channel!: Channel;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class EventTypeCount {
  @Field(() => TouchpointType) type!: TouchpointType;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'One event name in scope. count, customers, firstSeen, lastSeen, channels and types are exact; properties and contextKeys come from the sample.' })
export class EventSummary {
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Touchpoints with this name in scope.' }) count!: number;
  @Field(() => Int, { description: 'Distinct people (live customers, merged profiles counted once) with such a touchpoint in scope.' }) customers!: number;
  @Field(() => Date) firstSeen!: Date;
  @Field(() => Date) lastSeen!: Date;
  @Field(() => [EventChannelCount], { description: 'Touchpoints per channel, most first.' }) channels!: EventChannelCount[];
  @Field(() => [EventTypeCount], { description: 'Touchpoints per touchpoint type, most first (page calls are PAGE).' }) types!: EventTypeCount[];
  @Field(() => Int, { description: 'Touchpoints the keys were read from: the latest in scope, at most sampleSize.' }) sampled!: number;
  @Field(() => [EventKey], { description: 'Top-level keys of properties, by key.' }) properties!: EventKey[];
  @Field(() => [EventKey], { description: 'Keys of context: top-level ones, and one level into objects ("device.type"), by key.' }) contextKeys!: EventKey[];
}

@ObjectType()
export class EventDictionary {
  @Field(() => Int, { description: 'Event names in scope (matching search), all of them.' }) totalCount!: number;
  @Field(() => Int, { description: 'The most touchpoints of one name whose keys are read.' }) sampleSize!: number;
  @Field(() => [EventSummary], { description: 'Most touchpoints first, then by name; at most `first`.' }) events!: EventSummary[];
}
