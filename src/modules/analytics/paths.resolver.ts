import { Authorized, Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { PathsResult } from './paths.types.ts';

@Resolver()
export class PathsResolver {
  @Authorized(...Access.READ)
  @Query(() => PathsResult, {
    description:
      "Most common paths: per person, the next `depth` events after their first startEvent (or the `depth` events before their first endEvent), consecutive repeats collapsed; identical paths counted in people.",
  })
  paths(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('startEvent', () => String, { nullable: true, description: 'Exactly one of startEvent and endEvent.' }) startEvent: string | null,
    @Arg('endEvent', () => String, { nullable: true }) endEvent: string | null,
    @Arg('depth', () => Int, { defaultValue: 3, description: '1 to 10.' }) depth: number,
    @Arg('limit', () => Int, { defaultValue: 10, description: '1 to 100.' }) limit: number,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.paths.paths({ scope, startEvent, endEvent, depth, limit });
  }
}
