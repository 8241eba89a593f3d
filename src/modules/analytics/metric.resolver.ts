import { Arg, Authorized, Ctx, Query, Resolver, UseMiddleware } from 'type-graphql';
import { RefusePiiArgsForReader } from '../../graphql/pii.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { metricPiiPaths } from './metric.pii-args.ts';
import { MetricKind, MetricSettingsInput, MetricsResult, MetricTrendResult } from './metric.types.ts';
import { TrendInterval } from './trend.types.ts';

@Resolver()
export class MetricResolver {
  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(metricPiiPaths))
  @Query(() => MetricsResult, { description: 'Standard metrics (conversion, repurchase and churn rates, order value, sessions, bounce rate, NPS, CSAT), each as one number over the scope.' })
  metrics(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('metrics', () => [MetricKind], { description: '1 to 10 different metrics.' }) metrics: MetricKind[],
    @Arg('settings', () => MetricSettingsInput, { nullable: true }) settings: MetricSettingsInput | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.metrics.metrics({ scope, metrics, settings });
  }

  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(metricPiiPaths))
  @Query(() => MetricTrendResult, { description: 'One standard metric per bucket of the range (buckets as in trends), and over the whole scope.' })
  metricTrend(
    @Arg('scope', () => AnalyticsScopeInput) scope: AnalyticsScopeInput,
    @Arg('metric', () => MetricKind) metric: MetricKind,
    @Arg('interval', () => TrendInterval, { defaultValue: TrendInterval.DAY }) interval: TrendInterval,
    @Arg('timezone', () => String, { defaultValue: 'UTC', description: 'IANA zone the buckets are aligned in.' }) timezone: string,
    @Arg('settings', () => MetricSettingsInput, { nullable: true }) settings: MetricSettingsInput | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.metrics.metricTrend({ scope, metric, interval, timezone, settings });
  }
}
