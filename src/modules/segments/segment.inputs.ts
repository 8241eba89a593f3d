import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { JSONScalar } from '../../graphql/scalars.ts';

@InputType()
export class CreateSegmentInput {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => JSONScalar, { description: 'The rule, as JSON (see segmentRuleSchema).' }) rule!: unknown;
}

@InputType({ description: 'Absent fields are kept. Every update is a new version.' })
export class UpdateSegmentInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => JSONScalar, { nullable: true }) rule?: unknown;
}

@ArgsType()
export class MembershipChangedArgs {
  @Field(() => [ID], { nullable: true, description: 'Only these segments (all when absent).' }) segmentIds?: string[] | null;
  @Field(() => String, { nullable: true, description: 'Replay every change after this seq first, then go live.' }) since?: string | null;
}

@ArgsType()
export class ChangesArgs {
  @Field(() => String, { nullable: true, description: 'Changes after this seq (from the start when absent).' }) since?: string | null;
  @Field(() => Int, { nullable: true, description: '100 by default, at most 1000.' }) first?: number | null;
}
