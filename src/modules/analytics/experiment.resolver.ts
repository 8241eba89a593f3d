import { Authorized, Arg, Ctx, Query, Resolver } from 'type-graphql';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { ExperimentResult } from './experiment.types.ts';

@Resolver()
export class ExperimentResolver {
  @Authorized(...Access.READ)
  @Query(() => ExperimentResult, {
    description:
      'A/B results from touchpoints carrying properties.experiment and properties.variant: per variant the people exposed (by first exposure), those converting at or after it, the rate, and a two-proportion z-test against the control.',
  })
  experimentResults(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('experiment', () => String) experiment: string,
    @Arg('conversionEvent', () => String) conversionEvent: string,
    @Arg('control', () => String, { nullable: true, description: 'The baseline variant; default the first by name.' }) control: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.experiments.experimentResults({ scope, experiment, conversionEvent, control });
  }
}
