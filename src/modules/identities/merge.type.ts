import { Field, ID, ObjectType, UseMiddleware } from 'type-graphql';
import { MaskIdentityValue } from '../../graphql/pii.middleware.ts';
import { IdentityType } from '../../graphql/scalars.ts';

@ObjectType()
export class IdentityRefType {
  @Field(() => IdentityType) type!: IdentityType;
  @Field(() => String) @UseMiddleware(MaskIdentityValue) value!: string;
}

@ObjectType({ description: 'One entry of the merge ledger. Undo it with unmergeCustomers.' })
export class MergeEvent {
  @Field(() => ID) id!: string;
  @Field(() => ID) winnerId!: string;
  @Field(() => ID) loserId!: string;
  @Field(() => String) reason!: string;
  @Field(() => String, { description: 'MERGED, or REFUSED when it would have broken an identity cap (a conflict to review).' })
  status!: string;
  @Field(() => String, { nullable: true }) performedBy!: string | null;
  @Field(() => [IdentityRefType], { description: 'The loser’s identities at the time of the merge.' }) identitiesMoved!: IdentityRefType[];
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) undoneAt!: Date | null;
}
