import { Field, ID, ObjectType } from 'type-graphql';
import { TagKind } from '../../graphql/scalars.ts';

@ObjectType({ description: 'A label on customers: set by hand (MANUAL) or kept current by a rule (RULE).' })
export class Tag {
  @Field(() => ID) id!: string;
  @Field(() => String) key!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) category!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => TagKind) kind!: TagKind;
}
