import { Field, Float, ID, Int, ObjectType, UseMiddleware } from 'type-graphql';
import { MaskPii } from '../../graphql/pii.middleware.ts';
import { Channel, JSONObjectScalar } from '../../graphql/scalars.ts';
import { PageInfo } from '../../graphql/pagination.ts';
import type { CustomerRecord } from './customer.model.ts';

@ObjectType()
export class ChannelCount {
  @Field(() => Channel) channel!: Channel;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'What the touchpoints of a customer add up to. Zero until touchpoints exist.' })
export class CustomerStats {
  @Field(() => Int) touchpointCount!: number;
  @Field(() => [Channel], { description: 'Channels the customer has touched, most used first.' }) channels!: Channel[];
  @Field(() => [ChannelCount]) channelCounts!: ChannelCount[];
  @Field(() => Date, { nullable: true }) firstSeenAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastSeenAt!: Date | null;
  @Field(() => Float, { description: 'Sum of the revenue of the customer’s touchpoints.' }) lifetimeValue!: number;
  @Field(() => Int, { description: 'Touchpoints that carried revenue.' }) orderCount!: number;
}

@ObjectType({ description: 'The unified profile of one person across every channel.' })
export class Customer implements Partial<CustomerRecord> {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'System that owns externalId ("" when none was given).' }) source!: string;
  @Field(() => String, { nullable: true }) externalId!: string | null;
  @Field(() => String, { nullable: true }) @UseMiddleware(MaskPii('email')) email!: string | null;
  @Field(() => String, { nullable: true, description: 'E.164.' }) @UseMiddleware(MaskPii('phone')) phone!: string | null;
  @Field(() => String, { nullable: true }) @UseMiddleware(MaskPii('name')) firstName!: string | null;
  @Field(() => String, { nullable: true }) @UseMiddleware(MaskPii('name')) lastName!: string | null;
  @Field(() => String, { nullable: true }) @UseMiddleware(MaskPii('name')) name!: string | null;
  @Field(() => String, { nullable: true }) gender!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD.' }) @UseMiddleware(MaskPii('date')) birthday!: string | null;
  @Field(() => String, { nullable: true }) country!: string | null;
  @Field(() => String, { nullable: true }) city!: string | null;
  @Field(() => String, { nullable: true }) company!: string | null;
  @Field(() => JSONObjectScalar) @UseMiddleware(MaskPii('json')) traits!: Record<string, unknown>;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When the person was erased (eraseCustomer): the row stays for analytics, with nothing personal left.' })
  erasedAt!: Date | null;
}

@ObjectType()
export class CustomerEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Customer) node!: CustomerRecord;
}

@ObjectType()
export class CustomerConnection {
  @Field(() => [CustomerEdge]) edges!: CustomerEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  /** Counted only when asked for; the resolver calls it. */
  countTotal!: () => Promise<number>;
}

export enum UpsertStatus {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  UNCHANGED = 'UNCHANGED',
  FAILED = 'FAILED',
}

@ObjectType()
export class UpsertCustomerResult {
  @Field(() => Int, { description: 'Position of the row in the input.' }) index!: number;
  @Field(() => UpsertStatus) status!: UpsertStatus;
  @Field(() => ID, { nullable: true }) customerId!: string | null;
}

@ObjectType({ description: 'A problem with one input row; the other rows are still applied.' })
export class RowError {
  @Field(() => Int) index!: number;
  @Field(() => String, { description: 'Path of the offending field in the row, e.g. "email" or "identities.1.value".' })
  field!: string;
  @Field(() => String) code!: string;
  @Field(() => String) message!: string;
}

@ObjectType()
export class UpsertCustomersPayload {
  @Field(() => Int) created!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int) failed!: number;
  @Field(() => [UpsertCustomerResult]) results!: UpsertCustomerResult[];
  @Field(() => [RowError]) errors!: RowError[];
}
