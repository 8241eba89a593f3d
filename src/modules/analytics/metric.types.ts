/** GraphQL inputs and results of `metrics` and `metricTrend` (definitions: docs/analytics.md, "Standard metrics"). */
import { Field, Float, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { TrendInterval } from './trend.types.ts';

export enum MetricKind {
  CONVERSION_RATE = 'CONVERSION_RATE',
  REPURCHASE_RATE = 'REPURCHASE_RATE',
  CHURN_RATE = 'CHURN_RATE',
  AVERAGE_ORDER_VALUE = 'AVERAGE_ORDER_VALUE',
  REVENUE_PER_CUSTOMER = 'REVENUE_PER_CUSTOMER',
  SESSIONS = 'SESSIONS',
  BOUNCE_RATE = 'BOUNCE_RATE',
  AVERAGE_SESSION_SECONDS = 'AVERAGE_SESSION_SECONDS',
  NPS = 'NPS',
  CSAT = 'CSAT',
}
registerEnumType(MetricKind, {
  name: 'MetricKind',
  description:
    'A standard metric over a period (the scope, or a bucket). CONVERSION_RATE: people with conversionEvent / active people. REPURCHASE_RATE: people with 2+ orders / people with an order. CHURN_RATE: people active in the previous period of equal length who are not active in this one / people active in the previous period. AVERAGE_ORDER_VALUE: order revenue / orders with a revenue. REVENUE_PER_CUSTOMER: order revenue / people with an order. SESSIONS: sessions starting in the period (cut as journeys cut them). BOUNCE_RATE: sessions with exactly one page or screen view / sessions with at least one. AVERAGE_SESSION_SECONDS: mean of (last − first touchpoint) over sessions. NPS: % promoters (9–10) − % detractors (0–6), −100..100, over each person\'s latest 0–10 answer. CSAT: share of each person\'s latest 1–5 answer that is 4 or 5.',
});

@InputType({ description: 'Which events and properties the metrics read; every field has a default.' })
export class MetricSettingsInput {
  @Field(() => String, { nullable: true, description: 'CONVERSION_RATE: the conversion event (default "Order Completed").' }) conversionEvent?: string | null;
  @Field(() => String, { nullable: true, description: 'REPURCHASE_RATE, AVERAGE_ORDER_VALUE, REVENUE_PER_CUSTOMER: the order event (default "Order Completed"); its revenue column is the order value.' })
  orderEvent?: string | null;
  @Field(() => String, { nullable: true, description: 'NPS: the survey event (default "Survey Responded").' }) npsEvent?: string | null;
  @Field(() => String, { nullable: true, description: 'NPS: the property holding the 0–10 score (default "score").' }) npsScoreProperty?: string | null;
  @Field(() => String, { nullable: true, description: 'CSAT: the survey event (default "Survey Responded").' }) csatEvent?: string | null;
  @Field(() => String, { nullable: true, description: 'CSAT: the property holding the 1–5 score (default "score").' }) csatScoreProperty?: string | null;
}

@ObjectType({ description: 'A metric over one period: value = numerator / denominator (× 100 for NPS; SESSIONS: the count).' })
export class MetricValue {
  @Field(() => MetricKind) metric!: MetricKind;
  @Field(() => Float, { nullable: true, description: 'null when the denominator is 0 (SESSIONS: never null).' }) value!: number | null;
  @Field(() => Float, { description: 'What is counted or summed: converted people, repeat buyers, churned people, revenue, sessions, bounced sessions, session seconds, promoters − detractors, satisfied answers.' })
  numerator!: number;
  @Field(() => Float, { nullable: true, description: 'What it is divided by (null for SESSIONS).' }) denominator!: number | null;
}

@ObjectType()
export class MetricsResult {
  @Field(() => Date) from!: Date;
  @Field(() => Date) to!: Date;
  @Field(() => [MetricValue], { description: 'One per metric asked for, in the order asked.' }) values!: MetricValue[];
}

@ObjectType()
export class MetricPoint {
  @Field(() => Date, { description: 'The bucket start.' }) at!: Date;
  @Field(() => Float, { nullable: true }) value!: number | null;
  @Field(() => Float) numerator!: number;
  @Field(() => Float, { nullable: true }) denominator!: number | null;
}

@ObjectType()
export class MetricTrendResult {
  @Field(() => MetricKind) metric!: MetricKind;
  @Field(() => TrendInterval) interval!: TrendInterval;
  @Field(() => String) timezone!: string;
  @Field(() => [MetricPoint], { description: 'Every bucket of the range, in order (aligned as in trends).' }) points!: MetricPoint[];
  @Field(() => MetricValue, { description: 'The metric over the whole scope (as `metrics` answers it).' }) total!: MetricValue;
}
