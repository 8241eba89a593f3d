import { Arg, Authorized, Ctx, Int, Query, Resolver, UseMiddleware } from 'type-graphql';
import { RefusePiiArgsForReader } from '../../graphql/pii.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { BreakdownInput } from './breakdown.types.ts';
import { trendPiiPaths } from './trend.pii-args.ts';
import { TrendInterval, TrendSeriesInput, TrendsResult } from './trend.types.ts';

@Resolver()
export class TrendResolver {
  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(trendPiiPaths))
  @Query(() => TrendsResult, {
    description:
      'Population questions over time: per series (touchpoints with an event, type, channel and property filters) a value per bucket of the range (TOTAL, distinct people, active people, statistics of a property), optionally broken down by up to 3 dimensions, and with compare the previous range.',
  })
  trends(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('series', () => [TrendSeriesInput], { description: '1 to 10 series.' }) series: TrendSeriesInput[],
    @Arg('interval', () => TrendInterval, { defaultValue: TrendInterval.DAY }) interval: TrendInterval,
    @Arg('breakdown', () => [BreakdownInput], { nullable: true, description: 'Up to 3 dimensions; a row per value tuple.' }) breakdown: BreakdownInput[] | null,
    @Arg('breakdownLimit', () => Int, { defaultValue: 25, description: '1 to 100: the tuples with the largest totals get a row, the rest share the "Other" row.' }) breakdownLimit: number,
    @Arg('compare', () => Boolean, { defaultValue: false, description: 'Also answer the range shifted back by its own length (`previous`).' }) compare: boolean,
    @Arg('timezone', () => String, { defaultValue: 'UTC', description: 'IANA zone the buckets, HOUR_OF_DAY and DAY_OF_WEEK are read in.' }) timezone: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.trends.trends({ scope, series, interval, breakdown, breakdownLimit, compare, timezone });
  }
}
