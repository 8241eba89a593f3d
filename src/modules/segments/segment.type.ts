import { Field, ID, Int, ObjectType, UseMiddleware } from 'type-graphql';
import { MaskPii, MaskPiiBy } from '../../graphql/pii.middleware.ts';
import { JSONObjectScalar, JSONScalar, MembershipChangeKind } from '../../graphql/scalars.ts';
import { PageInfo } from '../../graphql/pagination.ts';
import { Customer } from '../customers/customer.type.ts';
import type { CustomerRecord } from '../customers/customer.model.ts';
import { maskRule } from './segment.pii-args.ts';

@ObjectType({ description: 'A named set of customers defined by a rule, kept current as data arrives.' })
export class Segment {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Int, { description: 'The rule version in force.' }) version!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType({ description: "A segment's size at the end of one UTC day, counted back from today's members through the membership outbox." })
export class SegmentSizePoint {
  @Field(() => String, { description: 'UTC calendar date, YYYY-MM-DD.' }) day!: string;
  @Field(() => Int, { description: 'Members at the end of the day (today: now).' }) size!: number;
  @Field(() => Boolean, {
    description: 'False when changes after the end of this day may have been pruned from the outbox (OUTBOX_RETENTION_DAYS): the size shown then leaves those changes out.',
  })
  complete!: boolean;
}

@ObjectType()
export class SegmentVersion {
  @Field(() => Int) version!: number;
  @Field(() => String) name!: string;
  @Field(() => JSONScalar) @UseMiddleware(MaskPiiBy(maskRule)) rule!: unknown;
  @Field(() => String, { nullable: true }) createdBy!: string | null;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'A customer entering or leaving a segment, from the outbox.' })
export class MembershipChange {
  @Field(() => String, { description: 'Strictly increasing in commit order; resume a subscription with since = the last one seen.' })
  seq!: string;
  @Field(() => ID) segmentId!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => MembershipChangeKind) change!: MembershipChangeKind;
  @Field(() => Date) at!: Date;
  @Field(() => JSONObjectScalar, { description: 'Why: kind (touchpoint, upsert, schedule, created, ...), ruleVersion, trigger.' })
  // Masked for READER keys like traits: account_traits names group ids, which can be email addresses.
  @UseMiddleware(MaskPii('json'))
  reason!: Record<string, unknown>;
}

@ObjectType()
export class MembershipChangePage {
  @Field(() => [MembershipChange]) nodes!: MembershipChange[];
  @Field(() => String, { nullable: true, description: 'Pass as `since` for the next page.' }) lastSeq!: string | null;
  @Field(() => Boolean) hasMore!: boolean;
}

@ObjectType()
export class SegmentPreview {
  @Field(() => Int) size!: number;
  @Field(() => [ID], { description: 'Up to 20 member ids.' }) sampleIds!: string[];
  @Field(() => Int, { nullable: true, description: 'With compareTo: how many would enter that segment.' }) entering!: number | null;
  @Field(() => Int, { nullable: true, description: 'With compareTo: how many would leave it.' }) leaving!: number | null;
}

@ObjectType()
export class RecomputeResult {
  @Field(() => Int) entered!: number;
  @Field(() => Int) left!: number;
}

@ObjectType()
export class SegmentMemberEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Customer) node!: CustomerRecord;
}

@ObjectType()
export class SegmentMemberConnection {
  @Field(() => [SegmentMemberEdge]) edges!: SegmentMemberEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
