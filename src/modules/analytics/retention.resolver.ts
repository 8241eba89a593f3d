import { Authorized, Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { CohortPeriod, RetentionResult } from './retention.types.ts';

@Resolver()
export class RetentionResolver {
  @Authorized(...Access.READ)
  @Query(() => RetentionResult, {
    description:
      'Cohort retention: a person joins the cohort of the period of their first startEvent in the range; cell k counts those with a returnEvent after it, k periods later (k = 0: the same period).',
  })
  retention(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('cohortPeriod', () => CohortPeriod) cohortPeriod: CohortPeriod,
    @Arg('startEvent', () => String) startEvent: string,
    @Arg('returnEvent', () => String) returnEvent: string,
    @Arg('periods', () => Int, { defaultValue: 8, description: 'Columns k = 0..periods-1; 1 to 60.' }) periods: number,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.retention.retention({ scope, cohortPeriod, startEvent, returnEvent, periods });
  }
}
