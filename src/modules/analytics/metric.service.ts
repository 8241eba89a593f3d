/**
 * Standard metrics: validates the request, resolves the settings to event names and properties, and
 * runs one statement per metric (metric.sql.ts) over the scope (`metrics`) or over a trend's buckets
 * (`metricTrend`, bucketed exactly as `trends`). Definitions: docs/analytics.md, "Standard metrics".
 */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { validScope, type AnalyticsScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { assertKnownEvents, eventName, MAX_NAME } from './funnel.service.ts';
import { metricRepository } from './metric.repository.ts';
import type { MetricBuckets, MetricSettings, MetricSqlRow } from './metric.sql.ts';
import { MetricKind, type MetricPoint, type MetricSettingsInput, type MetricsResult, type MetricTrendResult, type MetricValue } from './metric.types.ts';
import { MAX_BUCKETS, type TrendService } from './trend.service.ts';
import { trendRepository } from './trend.repository.ts';
import { TrendInterval } from './trend.types.ts';

export const DEFAULT_ORDER_EVENT = 'Order Completed';
export const DEFAULT_SURVEY_EVENT = 'Survey Responded';
export const DEFAULT_SCORE_PROPERTY = 'score';
const ALL_KINDS = Object.values(MetricKind);

const bad = (message: string, field: string) => new UserError(ErrorCode.BAD_USER_INPUT, message, { field });

function property(value: string | null | undefined, fallback: string, field: string): string {
  const p = value ?? fallback;
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_NAME) throw bad(`${field} must be 1 to ${MAX_NAME} characters`, field);
  return p;
}

function validSettings(s: MetricSettingsInput | null | undefined): MetricSettings {
  const ev = (v: string | null | undefined, fallback: string, field: string) => eventName(v ?? fallback, `settings.${field}`);
  return {
    conversionEvent: ev(s?.conversionEvent, DEFAULT_ORDER_EVENT, 'conversionEvent'),
    orderEvent: ev(s?.orderEvent, DEFAULT_ORDER_EVENT, 'orderEvent'),
    npsEvent: ev(s?.npsEvent, DEFAULT_SURVEY_EVENT, 'npsEvent'),
    npsScoreProperty: property(s?.npsScoreProperty, DEFAULT_SCORE_PROPERTY, 'settings.npsScoreProperty'),
    csatEvent: ev(s?.csatEvent, DEFAULT_SURVEY_EVENT, 'csatEvent'),
    csatScoreProperty: property(s?.csatScoreProperty, DEFAULT_SCORE_PROPERTY, 'settings.csatScoreProperty'),
  };
}

/** The event names a metric reads (refused with UNKNOWN_EVENT when no touchpoint ever had one). */
function eventsOf(kind: MetricKind, s: MetricSettings): string[] {
  switch (kind) {
    case MetricKind.CONVERSION_RATE:
      return [s.conversionEvent];
    case MetricKind.REPURCHASE_RATE:
    case MetricKind.AVERAGE_ORDER_VALUE:
    case MetricKind.REVENUE_PER_CUSTOMER:
      return [s.orderEvent];
    case MetricKind.NPS:
      return [s.npsEvent];
    case MetricKind.CSAT:
      return [s.csatEvent];
    default:
      return [];
  }
}

/** value from numerator and denominator: SESSIONS is the count; NPS is in points (× 100); null over 0. */
function valueOf(kind: MetricKind, num: number, den: number | null): number | null {
  if (kind === MetricKind.SESSIONS) return num;
  if (den === null || den === 0) return null;
  return kind === MetricKind.NPS ? (100 * num) / den : num / den;
}

function point(kind: MetricKind, row: MetricSqlRow | undefined): { value: number | null; numerator: number; denominator: number | null } {
  const num = row?.num ?? 0;
  const den = kind === MetricKind.SESSIONS ? null : (row?.den ?? 0);
  return { value: valueOf(kind, num, den), numerator: num, denominator: den };
}

export interface MetricsArgs {
  scope: AnalyticsScopeInput;
  metrics: MetricKind[];
  settings?: MetricSettingsInput | null;
}

export interface MetricTrendArgs {
  scope: AnalyticsScopeInput;
  metric: MetricKind;
  interval?: TrendInterval | null;
  timezone?: string | null;
  settings?: MetricSettingsInput | null;
}

export class MetricService {
  constructor(
    private readonly db: Database,
    private readonly deps: { trends: TrendService; sessionGapMinutes: number },
  ) {}

  async metrics(args: MetricsArgs): Promise<MetricsResult> {
    const scope = validScope(args.scope);
    const kinds = args.metrics;
    if (!Array.isArray(kinds) || kinds.length === 0) throw bad('ask for at least one metric', 'metrics');
    if (new Set(kinds).size !== kinds.length) throw bad('a metric is asked for twice', 'metrics');
    if (kinds.length > ALL_KINDS.length) throw bad(`at most ${ALL_KINDS.length} metrics`, 'metrics');
    const settings = validSettings(args.settings);
    await assertKnownEvents(this.db, kinds.flatMap((k) => eventsOf(k, settings)));
    const values: MetricValue[] = [];
    for (const kind of kinds) values.push(await this.overScope(kind, scope, settings));
    return { from: scope.from, to: scope.to, values };
  }

  async metricTrend(args: MetricTrendArgs): Promise<MetricTrendResult> {
    const scope = validScope(args.scope);
    const kind = args.metric;
    const interval = args.interval ?? TrendInterval.DAY;
    const settings = validSettings(args.settings);
    const tz = await this.deps.trends.validZone(args.timezone);
    await assertKnownEvents(this.db, eventsOf(kind, settings));
    const plan = await this.deps.trends.plan(interval, tz, scope, 'scope');
    // The same buckets with one more before the first: the previous period of the first bucket (CHURN_RATE).
    const ext = await trendRepository.bucketPlan(this.db.prisma, interval, tz, new Date(+plan.starts[0]! - 1), scope.to, MAX_BUCKETS + 1);
    const buckets: MetricBuckets = {
      kind: 'grid',
      grid: { interval, timezone: tz, anchor: ext.anchor, thresholds: ext.fine.slice(1) },
      previousFrom: ext.starts[0]!,
      count: plan.count,
    };
    const rows = await metricRepository.run(this.db.prisma, { kind, scope, buckets, settings, sessionGapMinutes: this.deps.sessionGapMinutes });
    const byBucket = new Map(rows.map((r) => [r.b, r]));
    const points: MetricPoint[] = plan.starts.slice(0, plan.count).map((at, i) => ({ at, ...point(kind, byBucket.get(i)) }));
    return { metric: kind, interval, timezone: tz, points, total: await this.overScope(kind, scope, settings) };
  }

  /** The metric over the whole scope; its previous period (CHURN_RATE) is the same length right before. */
  private async overScope(kind: MetricKind, scope: AnalyticsScope, settings: MetricSettings): Promise<MetricValue> {
    const buckets: MetricBuckets = { kind: 'scope', previousFrom: new Date(+scope.from - (+scope.to - +scope.from)) };
    const rows = await metricRepository.run(this.db.prisma, { kind, scope, buckets, settings, sessionGapMinutes: this.deps.sessionGapMinutes });
    return { metric: kind, ...point(kind, rows.find((r) => r.b === 0)) };
  }
}
