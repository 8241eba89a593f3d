import { Field, ID, ObjectType, UseMiddleware } from 'type-graphql';
import { MaskPii } from '../../graphql/pii.middleware.ts';
import { PageInfo } from '../../graphql/pagination.ts';
import { JSONObjectScalar } from '../../graphql/scalars.ts';
import { Customer } from '../customers/customer.type.ts';
import type { CustomerRecord } from '../customers/customer.model.ts';
import type { AccountRecord } from './account.model.ts';

@ObjectType({ description: 'A B2B account (company, team, workspace), made by Segment `group` calls.' })
export class Account implements AccountRecord {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'The groupId the calls sent (trimmed). READER keys see an email-shaped one masked.' })
  @UseMiddleware(MaskPii('json'))
  groupId!: string;
  @Field(() => JSONObjectScalar, { description: 'Merged from every group call, key by key, the later event time winning. Personal keys are masked for READER keys.' })
  @UseMiddleware(MaskPii('json'))
  traits!: Record<string, unknown>;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType()
export class AccountEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Account) node!: AccountRecord;
}

@ObjectType()
export class AccountConnection {
  @Field(() => [AccountEdge]) edges!: AccountEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  /** Counted only when asked for; the resolver calls it. */
  countTotal!: () => Promise<number>;
}

@ObjectType()
export class AccountMemberEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Date, { description: 'Event time of the earliest group call that linked this person (over their merged profiles).' }) since!: Date;
  @Field(() => Customer) node!: CustomerRecord;
}

@ObjectType()
export class AccountMemberConnection {
  @Field(() => [AccountMemberEdge]) edges!: AccountMemberEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

