import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { AttributionModel } from './attribution.types.ts';
import { MarketingDimension } from './dimension.types.ts';
import { RoiResult } from './roi.types.ts';

@Resolver()
export class RoiResolver {
  @Authorized(...Access.READ)
  @Query(() => RoiResult, {
    description:
      'Per channel or (channel, campaign): ad spend recorded for the scope\'s days, the conversions and value the attribution model ' +
      'credits to it, cost per acquisition, ROAS and ROI, all in the base currency. Spend with no conversions is listed too.',
  })
  roi(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('conversionEvent', () => String) conversionEvent: string,
    @Arg('by', () => MarketingDimension, { defaultValue: MarketingDimension.CHANNEL }) by: MarketingDimension,
    @Arg('model', () => AttributionModel, { defaultValue: AttributionModel.LAST_TOUCH }) model: AttributionModel,
    @Arg('lookbackDays', () => Int, { defaultValue: 30, description: '1..365, as in attribution.' }) lookbackDays: number,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.roi.roi({ scope, conversionEvent, by, model, lookbackDays });
  }
}
