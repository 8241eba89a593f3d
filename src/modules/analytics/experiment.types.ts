/** GraphQL shapes of A/B experiment results. */
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One variant: people whose first exposure was to it, and how many converted afterwards.' })
export class ExperimentVariant {
  @Field(() => String) variant!: string;
  @Field(() => Boolean) isControl!: boolean;
  @Field(() => Int, { description: 'People whose first exposure in scope was to this variant.' }) exposures!: number;
  @Field(() => Int, { description: 'Of those, people with a conversion event in scope at or after their first exposure.' }) conversions!: number;
  @Field(() => Float, { description: 'conversions / exposures.' }) rate!: number;
  @Field(() => Int, { description: 'Of those, people later exposed to another variant too (they still count here only).' }) crossovers!: number;
  @Field(() => Float, { nullable: true, description: 'rate − control rate; null for the control.' }) lift!: number | null;
  @Field(() => Float, { nullable: true, description: 'Two-proportion z statistic against the control (pooled standard error); null for the control or when undefined.' })
  z!: number | null;
  @Field(() => Float, { nullable: true, description: 'Two-sided p-value of z.' }) pValue!: number | null;
}

@ObjectType()
export class ExperimentResult {
  @Field(() => String) experiment!: string;
  @Field(() => String) conversionEvent!: string;
  @Field(() => String, { nullable: true, description: 'null when no variant was exposed in scope.' }) control!: string | null;
  @Field(() => [ExperimentVariant], { description: 'Control first, then the others by name.' }) variants!: ExperimentVariant[];
}
