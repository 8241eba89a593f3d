import { Field, ID, InputType } from 'type-graphql';
import type { AnalyticsScopeInput as ScopeShape } from './analytics.scope.ts';

@InputType({ description: 'Which touchpoints an analysis looks at.' })
export class AnalyticsScopeInput implements ScopeShape {
  @Field(() => Date, { description: 'Inclusive.' }) from!: Date;
  @Field(() => Date, { description: 'Exclusive.' }) to!: Date;
  @Field(() => ID, { nullable: true, description: 'Only current members of this segment.' }) segmentId?: string | null;
}
