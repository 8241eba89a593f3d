/** GraphQL inputs and results of `trends` (definitions: docs/analytics.md, "Trends"). */
import { Field, Float, InputType, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { MaskPii } from '../../graphql/pii.middleware.ts';
import { Channel, TouchpointType } from '../../graphql/scalars.ts';
import { PropertyFilterInput } from './funnel.types.ts';

export enum TrendInterval {
  HOUR = 'HOUR',
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(TrendInterval, { name: 'TrendInterval', description: 'Bucket length, aligned in the query\'s time zone (weeks start on Monday).' });

export enum TrendMath {
  TOTAL = 'TOTAL',
  UNIQUE_CUSTOMERS = 'UNIQUE_CUSTOMERS',
  DAU = 'DAU',
  WAU = 'WAU',
  MAU = 'MAU',
  SUM = 'SUM',
  AVG = 'AVG',
  MIN = 'MIN',
  MAX = 'MAX',
  MEDIAN = 'MEDIAN',
  P90 = 'P90',
  P95 = 'P95',
  P99 = 'P99',
  PER_CUSTOMER_AVG = 'PER_CUSTOMER_AVG',
}
registerEnumType(TrendMath, {
  name: 'TrendMath',
  description:
    'TOTAL: touchpoints. UNIQUE_CUSTOMERS: distinct people. DAU/WAU/MAU: distinct people with a touchpoint in the 1/7/30 days ending at the bucket\'s end (plain UNIQUE_CUSTOMERS when the interval is as long as the window or longer). SUM, AVG, MIN, MAX, MEDIAN, P90, P95, P99: of `property` as a number (touchpoints without a numeric value are left out; percentiles interpolate). PER_CUSTOMER_AVG: touchpoints per person, averaged over the people active in the bucket.',
});

@InputType({ description: 'One series: the touchpoints it counts and how.' })
export class TrendSeriesInput {
  @Field(() => String, { nullable: true, description: 'The event name; absent for any touchpoint.' }) event?: string | null;
  @Field(() => TouchpointType, { nullable: true, description: 'Only touchpoints of this type.' }) type?: TouchpointType | null;
  @Field(() => Channel, { nullable: true }) channel?: Channel | null;
  @Field(() => [PropertyFilterInput], { nullable: true, description: 'All must hold (at most 20); as funnel step filters.' }) where?: PropertyFilterInput[] | null;
  @Field(() => TrendMath, { defaultValue: TrendMath.TOTAL }) math!: TrendMath;
  @Field(() => String, { nullable: true, description: 'The property SUM..P99 read ("revenue": the revenue column); only for those.' }) property?: string | null;
  @Field(() => String, { nullable: true, description: 'Shown as the series label; default the event name, or "All events".' }) label?: string | null;
}

@ObjectType()
export class TrendPoint {
  @Field(() => Date, { description: 'The bucket start.' }) at!: Date;
  @Field(() => Float, { nullable: true, description: 'Counts are 0 in an empty bucket; averages, extremes and percentiles are null.' }) value!: number | null;
}

@ObjectType({ description: 'One series, or one breakdown value of a series.' })
export class TrendSeries {
  @Field(() => Int, { description: 'The position of the series in the input (0-based).' }) seriesIndex!: number;
  @Field(() => String) label!: string;
  @Field(() => TrendMath) math!: TrendMath;
  @Field(() => [String], {
    nullable: 'itemsAndList',
    description:
      'The breakdown value, one entry per dimension (null: the value is missing, "None"). Null for the row of the values beyond breakdownLimit (other: true) and without breakdown. Email-shaped values are masked for READER keys.',
  })
  @UseMiddleware(MaskPii('json'))
  breakdownValue!: (string | null)[] | null;
  @Field(() => Boolean, { description: 'The row of every breakdown value beyond breakdownLimit ("Other").' }) other!: boolean;
  @Field(() => Float, {
    nullable: true,
    description: 'Over the whole range: the sum of the points for TOTAL and SUM; distinct people for UNIQUE_CUSTOMERS, DAU, WAU, MAU; the statistic over every value for the others.',
  })
  total!: number | null;
  @Field(() => [TrendPoint], { description: 'Every bucket of the range, in order.' }) points!: TrendPoint[];
}

@ObjectType()
export class TrendsResult {
  @Field(() => TrendInterval) interval!: TrendInterval;
  @Field(() => String) timezone!: string;
  @Field(() => [TrendSeries]) series!: TrendSeries[];
  @Field(() => [TrendSeries], { nullable: true, description: 'With compare: the same rows over the range shifted back by its own length.' })
  previous!: TrendSeries[] | null;
  @Field(() => Date, { nullable: true, description: 'With compare: the start of the previous range (its end is scope.from).' }) previousFrom!: Date | null;
}
