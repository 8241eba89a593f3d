/** GraphQL shapes of `retention` (semantics: retention.repository.ts). */
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum CohortPeriod {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(CohortPeriod, { name: 'CohortPeriod', description: 'Calendar periods in UTC, as date_trunc cuts them (weeks start on Monday).' });

@ObjectType()
export class RetentionCohort {
  @Field(() => Date, { description: 'Start of the cohort period (UTC).' }) start!: Date;
  @Field(() => Int, { description: 'People whose first start event in the range falls in this period.' }) size!: number;
  @Field(() => [Int], {
    nullable: 'items',
    description: 'retained[k]: people of the cohort with a return event k periods after the cohort period (k = 0: the same period); null for a period starting at or after `to`.',
  })
  retained!: (number | null)[];
  @Field(() => [Float], { nullable: 'items', description: 'retained[k] / size.' }) rates!: (number | null)[];
}

@ObjectType()
export class RetentionResult {
  @Field(() => CohortPeriod) cohortPeriod!: CohortPeriod;
  @Field(() => Int) periods!: number;
  @Field(() => [RetentionCohort], { description: 'Oldest first; only periods with at least one person.' }) cohorts!: RetentionCohort[];
}
