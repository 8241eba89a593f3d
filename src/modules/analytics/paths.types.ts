/** GraphQL shapes of `paths` (semantics: paths.repository.ts). */
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class PathCount {
  @Field(() => [String], { description: 'Events in time order; consecutive repeats collapsed. Empty: nothing followed (preceded).' }) events!: string[];
  @Field(() => Int) people!: number;
  @Field(() => Float, { description: 'people / totalPeople.' }) share!: number;
}

@ObjectType()
export class PathsResult {
  @Field(() => String, { nullable: true }) startEvent!: string | null;
  @Field(() => String, { nullable: true }) endEvent!: string | null;
  @Field(() => Int) depth!: number;
  @Field(() => Int, { description: 'People with the anchor event in the range.' }) totalPeople!: number;
  @Field(() => [PathCount], { description: 'Most common first (ties: by the events, in database text order), at most `limit`.' }) paths!: PathCount[];
}
