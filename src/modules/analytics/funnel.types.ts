/** GraphQL inputs and results of `funnel` (semantics: funnel.repository.ts). */
import { Field, Float, InputType, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { MaskPii } from '../../graphql/pii.middleware.ts';
import { Channel, JSONScalar, TouchpointType } from '../../graphql/scalars.ts';

export enum PropertyOp {
  EQ = 'EQ',
  NEQ = 'NEQ',
  GT = 'GT',
  GTE = 'GTE',
  LT = 'LT',
  LTE = 'LTE',
  IN = 'IN',
  CONTAINS = 'CONTAINS',
  EXISTS = 'EXISTS',
}
registerEnumType(PropertyOp, {
  name: 'PropertyOp',
  description:
    'How a touchpoint property compares with a value. The value\'s JSON type decides how: a number compares numerically (a JSON number or a numeric string), a string as text, a boolean as a boolean. A missing property (or JSON null, or another type) never matches, NEQ included. CONTAINS: case-insensitive substring of a string property, or an element of an array property. IN: a list of values. EXISTS: present and not null (no value).',
});

export enum FunnelBreakdownKind {
  CHANNEL = 'CHANNEL',
  TRAIT = 'TRAIT',
}
registerEnumType(FunnelBreakdownKind, { name: 'FunnelBreakdownKind' });

@InputType({ description: 'A condition on a touchpoint property; prop "revenue" reads the revenue column.' })
export class PropertyFilterInput {
  @Field(() => String) prop!: string;
  @Field(() => PropertyOp) op!: PropertyOp;
  @Field(() => JSONScalar, { nullable: true, description: 'A string, number or boolean; a list of them for IN; absent for EXISTS.' })
  value?: unknown;
}

@InputType({ description: 'One funnel step: touchpoints with this event name and/or touchpoint type (at least one), and optionally this channel and these property conditions.' })
export class FunnelStepInput {
  @Field(() => String, { nullable: true, description: 'Event name; "Page Viewed" and "Screen Viewed" are how page and screen calls are stored.' }) event?: string | null;
  @Field(() => TouchpointType, { nullable: true, description: 'Touchpoint type, e.g. PAGE for every page view whatever its name.' }) type?: TouchpointType | null;
  @Field(() => Channel, { nullable: true }) channel?: Channel | null;
  @Field(() => [PropertyFilterInput], { nullable: true, description: 'All must hold (at most 20).' }) where?: PropertyFilterInput[] | null;
}

@InputType({ description: 'Deprecated form of `breakdown`: CHANNEL is [{ by: CHANNEL }], TRAIT is [{ by: TRAIT, key: traitKey }].' })
export class FunnelBreakdownInput {
  @Field(() => FunnelBreakdownKind) by!: FunnelBreakdownKind;
  @Field(() => String, { nullable: true, description: 'The trait key, for TRAIT.' }) traitKey?: string | null;
}

@ObjectType()
export class FunnelStep {
  @Field(() => Int, { description: '1-based.' }) index!: number;
  @Field(() => String, { nullable: true, description: 'The step\'s event name; null for a step that selects by type alone.' }) event!: string | null;
  @Field(() => TouchpointType, { nullable: true, description: 'The step\'s touchpoint type, when it names one.' }) type!: TouchpointType | null;
  @Field(() => Int, { description: 'People who reached this step (and every step before it).' }) count!: number;
  @Field(() => Float, { nullable: true, description: 'count / count of the previous step (1 for step 1); null when that is 0.' })
  conversionFromPrevious!: number | null;
  @Field(() => Float, { nullable: true, description: 'count / count of step 1; null when that is 0.' }) conversionFromFirst!: number | null;
  @Field(() => Int, { description: 'count of the previous step − count (0 for step 1).' }) dropOff!: number;
  @Field(() => Float, { nullable: true, description: 'dropOff / count of the previous step; null for step 1 or when that is 0.' }) dropOffRate!: number | null;
  @Field(() => Float, {
    nullable: true,
    description:
      'Median seconds from the previous step to this one, over the people who reached this step, each on their best attempt (the one reaching furthest, the earliest step-1 on ties); null for step 1 or when nobody reached it.',
  })
  medianSecondsFromPrevious!: number | null;
}

@ObjectType({ description: 'The step where the funnel loses the largest share of the people who reached the step before it.' })
export class FunnelDropOff {
  @Field(() => Int, { description: 'The 1-based index of the step people failed to reach (2 or more).' }) step!: number;
  @Field(() => String, { nullable: true, description: 'The step\'s event name; null for a step that selects by type alone.' }) event!: string | null;
  @Field(() => Int, { description: 'count of the previous step − count of this one.' }) dropOff!: number;
  @Field(() => Float, { description: 'dropOff / count of the previous step: the largest of the funnel (the earliest step on ties).' }) dropOffRate!: number;
}

@ObjectType()
export class FunnelGroup {
  @Field(() => String, {
    nullable: true,
    description: 'With one breakdown dimension: its value (as breakdownValue[0]); null with several. Email-shaped values are masked for READER keys.',
  })
  @UseMiddleware(MaskPii('json'))
  value!: string | null;
  @Field(() => [String], {
    nullable: 'items',
    description: 'The group\'s value, one entry per breakdown dimension, in their order (null: missing, "None"). Email-shaped values are masked for READER keys.',
  })
  @UseMiddleware(MaskPii('json'))
  breakdownValue!: (string | null)[];
  @Field(() => [FunnelStep]) steps!: FunnelStep[];
  @Field(() => FunnelDropOff, { nullable: true, description: 'The group\'s step with the largest drop-off rate; null for one step or when no rate is defined.' })
  largestDropOff!: FunnelDropOff | null;
}

@ObjectType()
export class FunnelResult {
  @Field(() => Float) windowHours!: number;
  @Field(() => [FunnelStep]) steps!: FunnelStep[];
  @Field(() => FunnelDropOff, { nullable: true, description: 'The step with the largest drop-off rate (the earliest on ties); null for one step or when no rate is defined.' })
  largestDropOff!: FunnelDropOff | null;
  @Field(() => [FunnelGroup], { nullable: true, description: 'With a breakdown: the groups by step-1 count, largest first, then by value (at most 100).' })
  breakdown!: FunnelGroup[] | null;
  @Field(() => Boolean, { description: 'True when there were more than 100 groups and only the largest are listed.' }) breakdownTruncated!: boolean;
}
