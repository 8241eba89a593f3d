import { Field, ID, Int, ObjectType, UseMiddleware } from 'type-graphql';
import { MaskPiiBy } from '../../graphql/pii.middleware.ts';
import { JSONScalar, TagKind } from '../../graphql/scalars.ts';
import { maskRule } from '../segments/segment.pii-args.ts';

@ObjectType({ description: 'A label on customers: set by hand (MANUAL) or kept current by a rule (RULE).' })
export class Tag {
  @Field(() => ID) id!: string;
  @Field(() => String) key!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) category!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => TagKind) kind!: TagKind;
}

@ObjectType()
export class TagWithCount extends Tag {
  @Field(() => JSONScalar, { nullable: true, description: 'The rule of a RULE tag.' }) @UseMiddleware(MaskPiiBy(maskRule)) rule!: unknown;
  @Field(() => Int) memberCount!: number;
  @Field(() => Int, { description: 'Raised by every change (name, category, description, rule, archiving).' }) version!: number;
  @Field(() => Date, { nullable: true, description: 'Set once archived: held by no one, not evaluated, cannot be set.' }) archivedAt!: Date | null;
}

@ObjectType({ description: 'The definition of a tag as it was from this version on.' })
export class TagVersion {
  @Field(() => Int) version!: number;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) category!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => JSONScalar, { nullable: true }) @UseMiddleware(MaskPiiBy(maskRule)) rule!: unknown;
  @Field(() => Boolean, { description: 'This version archived the tag.' }) archived!: boolean;
  @Field(() => String, { nullable: true }) createdBy!: string | null;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'Idempotent: changed + unchanged + notFound.length = distinct ids sent.' })
export class TagCustomersPayload {
  @Field(() => Int) changed!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => [ID], { description: 'Ids that name no customer, or an erased one.' }) notFound!: string[];
}
