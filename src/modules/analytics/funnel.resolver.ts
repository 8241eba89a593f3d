import { Authorized, Arg, Ctx, Float, Query, Resolver, UseMiddleware } from 'type-graphql';
import { RefusePiiArgsForReader } from '../../graphql/pii.middleware.ts';
import { funnelPiiPaths } from './funnel.pii-args.ts';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { BreakdownInput } from './breakdown.types.ts';
import { FunnelBreakdownInput, FunnelResult, FunnelStepInput } from './funnel.types.ts';

@Resolver()
export class FunnelResolver {
  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(funnelPiiPaths))
  @Query(() => FunnelResult, {
    description:
      'Ordered funnel: a person reaches step k if some occurrence of step 1 is followed, in order, by steps 2..k, all within windowHours of that step-1 occurrence. Per step: count, conversion, drop-off, median time from the previous step; the step with the largest drop-off rate; optionally per breakdown group.',
  })
  funnel(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('steps', () => [FunnelStepInput], { description: '1 to 10 steps.' }) steps: FunnelStepInput[],
    @Arg('windowHours', () => Float, { description: 'More than 0, at most 8760 (a year).' }) windowHours: number,
    @Arg('breakdownBy', () => FunnelBreakdownInput, { nullable: true, deprecationReason: 'Use breakdown: [{ by: CHANNEL }] or [{ by: TRAIT, key }].' })
    breakdownBy: FunnelBreakdownInput | null,
    @Arg('breakdown', () => [BreakdownInput], {
      nullable: true,
      description:
        'Up to 3 dimensions, as in trends: touchpoint dimensions read the step-1 touchpoint of the person\'s best attempt (hours and weekdays in UTC), person dimensions the person as it is now. A group per value tuple.',
    })
    breakdown: BreakdownInput[] | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.funnels.funnel({ scope, steps, windowHours, breakdownBy, breakdown });
  }
}
