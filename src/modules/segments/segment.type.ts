import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A named set of customers defined by a rule, kept current as data arrives.' })
export class Segment {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Int, { description: 'The rule version in force.' }) version!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}
