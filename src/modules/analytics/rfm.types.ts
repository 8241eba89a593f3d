/** GraphQL shapes of RFM (recency, frequency, monetary) scoring. */
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Customer } from '../customers/customer.type.ts';
import { PageInfo } from '../../graphql/pagination.ts';
import { RFM_TIERS, type RfmTierName } from './rfm.grid.ts';

export const RfmTier = Object.fromEntries(RFM_TIERS.map((t) => [t, t])) as { [K in RfmTierName]: K };
export type RfmTier = RfmTierName;
registerEnumType(RfmTier, {
  name: 'RfmTier',
  description: 'Named tier from the recency and frequency scores (the grid is in src/modules/analytics/rfm.grid.ts).',
});

@ObjectType({
  description:
    'One customer scored: raw recency/frequency/monetary and their ntile(5) quintile scores (5 = best). Equal values are split by the other two values (R: frequency, monetary; F: monetary, recency; M: frequency, recency), then by customer id.',
})
export class RfmCustomer {
  @Field(() => ID, { description: 'The live customer (orders of customers merged into it count for it).' }) customerId!: string;
  @Field(() => Customer, { nullable: true }) customer?: unknown;
  @Field(() => Float, { description: 'Days from the last order to asOf (fractional).' }) recencyDays!: number;
  @Field(() => Date) lastOrderAt!: Date;
  @Field(() => Int, { description: 'Orders counted.' }) frequency!: number;
  @Field(() => Float, { description: 'Sum of the orders\' revenue.' }) monetary!: number;
  @Field(() => Int, { description: '1..5; 5 = the most recent fifth.' }) r!: number;
  @Field(() => Int, { description: '1..5; 5 = the most frequent fifth.' }) f!: number;
  @Field(() => Int, { description: '1..5; 5 = the highest-spending fifth.' }) m!: number;
  @Field(() => RfmTier) tier!: RfmTier;
}

@ObjectType()
export class RfmCustomerEdge {
  @Field(() => String) cursor!: string;
  @Field(() => RfmCustomer) node!: RfmCustomer;
}

@ObjectType()
export class RfmTierSize {
  @Field(() => RfmTier) tier!: RfmTier;
  @Field(() => Int) customers!: number;
}

@ObjectType()
export class RfmResult {
  @Field(() => Date) asOf!: Date;
  @Field(() => String) orderEvent!: string;
  @Field(() => Int, { description: 'Customers scored (with at least one order).' }) customersScored!: number;
  @Field(() => [RfmTierSize], { description: 'Every tier, in the order of the enum, with 0 for empty ones.' }) tiers!: RfmTierSize[];
  @Field(() => [RfmCustomerEdge], { description: 'Scored customers (of `tier` when given), by customer id.' }) edges!: RfmCustomerEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
