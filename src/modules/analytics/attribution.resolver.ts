import { Authorized, Arg, Ctx, Float, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { AttributionModel, AttributionResult } from './attribution.types.ts';
import { MarketingDimension } from './dimension.types.ts';

@Resolver()
export class AttributionResolver {
  @Authorized(...Access.READ)
  @Query(() => AttributionResult, {
    description:
      'Multi-touch attribution of the conversions (touchpoints with `conversionEvent`) in scope to the channels of the touches ' +
      'before each of them (within lookbackDays, after the previous conversion of the same person). Every model shares out ' +
      'exactly the conversions that had a touch; those without are reported as `unattributed`.',
  })
  attribution(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('conversionEvent', () => String) conversionEvent: string,
    @Arg('lookbackDays', () => Int, { defaultValue: 30, description: '1..365.' }) lookbackDays: number,
    @Arg('models', () => [AttributionModel], { nullable: true, description: 'Default: all models.' }) models: AttributionModel[] | null,
    @Arg('halfLifeDays', () => Float, { defaultValue: 7, description: 'TIME_DECAY half-life.' }) halfLifeDays: number,
    @Arg('by', () => MarketingDimension, { defaultValue: MarketingDimension.CHANNEL, description: 'Credit channels, or (channel, campaign) pairs.' }) by: MarketingDimension,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.attribution.attribution({ scope, conversionEvent, lookbackDays, models, halfLifeDays, by });
  }
}
