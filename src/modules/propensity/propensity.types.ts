/** GraphQL shapes of propensity models: the training input, a stored model, a customer's scores. */
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PropensityKind } from '../../generated/prisma/enums.ts';
import { JSONObjectScalar } from '../../graphql/scalars.ts';

registerEnumType(PropensityKind, {
  name: 'PropensityKind',
  description: 'CONVERSION: will the customer do the conversion event; CHURN: will they have no touchpoint in the next horizonDays (docs/propensity.md).',
});
export { PropensityKind };

@InputType()
export class TrainPropensityInput {
  @Field(() => PropensityKind) kind!: PropensityKind;
  @Field(() => String, { nullable: true, description: 'CONVERSION: the event that counts as converting (default "Order Completed").' }) conversionEvent?: string | null;
  @Field(() => Date, { nullable: true, description: 'CONVERSION: customers first seen before it train the model, the later ones evaluate it (default: the time 80 % of customers were first seen by).' })
  splitAt?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Behaviour up to this instant is used (default now).' }) asOf?: Date | null;
  @Field(() => Int, { nullable: true, description: 'CHURN: days without a touchpoint that count as churned (default 30, at most 365).' }) horizonDays?: number | null;
  @Field(() => [String], { nullable: true, description: 'Numeric touchpoint properties whose per-customer mean becomes a feature (at most 10), e.g. "pageValue".' })
  numericProperties?: string[] | null;
  @Field(() => Float, { nullable: true, description: 'L2 penalty on the weights (default 0.001).' }) l2?: number | null;
}

@ObjectType()
export class PropensityWeight {
  @Field(() => String) feature!: string;
  @Field(() => Float, { description: 'On the standardised feature: the change in log-odds per standard deviation.' }) weight!: number;
}

@ObjectType({ description: 'A trained propensity model; the latest of each kind scores the customers.' })
export class PropensityModel {
  @Field(() => ID) id!: string;
  @Field(() => PropensityKind) kind!: PropensityKind;
  @Field(() => Float, { nullable: true, description: 'ROC AUC on the evaluation examples (the later period); null when they lack a class.' }) auc!: number | null;
  @Field(() => Int) trainCount!: number;
  @Field(() => Int) trainPositives!: number;
  @Field(() => Int) evalCount!: number;
  @Field(() => Int) evalPositives!: number;
  @Field(() => Int, { description: 'Customers scored.' }) scored!: number;
  @Field(() => Float) intercept!: number;
  @Field(() => [PropensityWeight]) weights!: PropensityWeight[];
  @Field(() => JSONObjectScalar, { description: 'The training parameters as used (splitAt, asOf, cuts, ...).' }) params!: Record<string, unknown>;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'Probabilities from the latest model of each kind (6 decimals); null when none scored the customer.' })
export class CustomerPropensity {
  @Field(() => Float, { nullable: true }) conversion!: number | null;
  @Field(() => Float, { nullable: true }) churn!: number | null;
}
