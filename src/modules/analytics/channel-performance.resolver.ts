import { Authorized, Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { ChannelPerformanceResult } from './channel-performance.types.ts';
import { MarketingDimension } from './dimension.types.ts';

@Resolver()
export class ChannelPerformanceResolver {
  @Authorized(...Access.READ)
  @Query(() => ChannelPerformanceResult, {
    description: 'Per channel: people reached, touchpoints, people who converted after their first touch on it, rate, revenue, median time to convert.',
  })
  channelPerformance(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('conversionEvent', () => String) conversionEvent: string,
    @Arg('minReached', () => Int, { defaultValue: 30, description: 'Least people reached for a channel to be `best`.' }) minReached: number,
    @Arg('by', () => MarketingDimension, { defaultValue: MarketingDimension.CHANNEL, description: 'Per channel, or per (channel, campaign) of the touches.' }) by: MarketingDimension,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.channelPerformance.channelPerformance({ scope, conversionEvent, minReached, by });
  }
}
