import { Authorized, Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { EventDictionary } from './events.types.ts';

@Resolver()
export class EventDictionaryResolver {
  @Authorized(...Access.READ)
  @Query(() => EventDictionary, {
    description:
      'The event dictionary: every event name in scope with exact counts, people, first and last seen, channels and types, and the property and context keys (JSON types, example values) of its latest touchpoints.',
  })
  events(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('first', () => Int, { nullable: true, description: 'Names to list, 0 to 100 (default 20).' }) first: number | null,
    @Arg('search', () => String, { nullable: true, description: 'Only names containing this text (ASCII case ignored), 1 to 256 characters.' }) search: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.events.events({ scope, first, search });
  }
}
