/**
 * Trends: validates the request, plans the buckets in the time zone, runs one statement per series
 * (trend.sql.ts) and shapes the rows: zero-filled buckets, the breakdown rows in rank order, "Other"
 * last, and with `compare` the same rows over the previous range. Definitions: docs/analytics.md.
 */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { validScope, type AnalyticsScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { validBreakdowns, type Dimension } from './breakdown.service.ts';
import type { BreakdownInput } from './breakdown.types.ts';
import { assertKnownEvents, eventName, MAX_FILTERS, MAX_NAME, validFilter } from './funnel.service.ts';
import { trendRepository, type BucketPlan } from './trend.repository.ts';
import { ACTIVE_WINDOW_DAYS, PROPERTY_MATHS, type TrendSeriesSpec, type TrendSqlRow } from './trend.sql.ts';
import { TrendInterval, TrendMath, type TrendSeries, type TrendSeriesInput, type TrendsResult } from './trend.types.ts';

export const MAX_SERIES = 10;
export const MAX_BUCKETS = 1000;
export const MAX_BREAKDOWN_LIMIT = 100;
export const DEFAULT_BREAKDOWN_LIMIT = 25;
const DAY_MS = 86_400_000;

export interface TrendsArgs {
  scope: AnalyticsScopeInput;
  interval?: TrendInterval | null;
  series: TrendSeriesInput[];
  breakdown?: BreakdownInput[] | null;
  breakdownLimit?: number | null;
  compare?: boolean | null;
  timezone?: string | null;
}

const bad = (message: string, field: string) => new UserError(ErrorCode.BAD_USER_INPUT, message, { field });

/**
 * Interval lengths in days, to tell whether a DAU/WAU/MAU window is longer than one bucket. A month
 * counts as 31: the docs define MAU at MONTH as plain uniques of the month, and taking its shortest
 * length (28) sent every month, even 31-day January, down the 30-day window instead.
 */
const INTERVAL_DAYS: Record<TrendInterval, number> = { HOUR: 1 / 24, DAY: 1, WEEK: 7, MONTH: 31 };

/** The window of DAU/WAU/MAU in fine units (hours for HOUR, local days otherwise), or null when plain uniques answer. */
function windowOf(math: TrendMath, interval: TrendInterval): { days: number; units: number } | null {
  const days = ACTIVE_WINDOW_DAYS[math];
  if (days === undefined || INTERVAL_DAYS[interval] >= days) return null;
  return { days, units: interval === TrendInterval.HOUR ? days * 24 : days };
}

function validSeries(list: TrendSeriesInput[]): (TrendSeriesSpec & { label: string })[] {
  if (!Array.isArray(list) || list.length === 0) throw bad('a trend needs at least one series', 'series');
  if (list.length > MAX_SERIES) throw new UserError(ErrorCode.TOO_MANY_SERIES, `at most ${MAX_SERIES} series (got ${list.length})`, { field: 'series', max: MAX_SERIES });
  return list.map((s, i) => {
    const at = `series[${i}]`;
    const event = s.event == null ? null : eventName(s.event, `${at}.event`);
    const where = s.where ?? [];
    if (where.length > MAX_FILTERS) throw bad(`${at} has more than ${MAX_FILTERS} property filters`, `${at}.where`);
    const math = s.math ?? TrendMath.TOTAL;
    const needsProperty = PROPERTY_MATHS.has(math);
    const property = s.property ?? null;
    if (needsProperty && (typeof property !== 'string' || property.length === 0 || property.length > MAX_NAME))
      throw bad(`${at}: ${math} needs a property of 1 to ${MAX_NAME} characters`, `${at}.property`);
    if (!needsProperty && property !== null) throw bad(`${at}: property applies only to SUM, AVG, MIN, MAX, MEDIAN, P90, P95, P99`, `${at}.property`);
    if (s.label != null && (s.label.length === 0 || s.label.length > MAX_NAME)) throw bad(`${at}.label must be 1 to ${MAX_NAME} characters`, `${at}.label`);
    return {
      event,
      type: s.type ?? null,
      channel: s.channel ?? null,
      where: where.map((f, j) => validFilter(f, `${at}.where[${j}]`)),
      math,
      property,
      label: s.label ?? event ?? 'All events',
    };
  });
}

/** IANA names only ("Area/City", "UTC"): the database would also take POSIX strings and abbreviations, with other meanings. */
function zoneShaped(tz: string): boolean {
  if (tz.length > 64 || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A series' rows of one period, by rank: the kept tuples, then Other (rank limit + 1) when anything fell there. */
interface Shaped {
  keys: Map<number, (string | null)[]>;
  points: Map<number, Map<number, number | null>>;
  totals: Map<number, number | null>;
}

function shape(rows: TrendSqlRow[]): Shaped {
  const out: Shaped = { keys: new Map(), points: new Map(), totals: new Map() };
  for (const r of rows) {
    if (r.kind === 'key') out.keys.set(r.rk, r.key ?? []);
    else if (r.kind === 'total') out.totals.set(r.rk, r.value);
    else {
      if (!out.points.has(r.rk)) out.points.set(r.rk, new Map());
      out.points.get(r.rk)!.set(r.bucket!, r.value);
    }
  }
  return out;
}

export class TrendService {
  private zones: Promise<Set<string>> | null = null;

  constructor(
    private readonly db: Database,
    private readonly deps: { clock: () => Date } = { clock: () => new Date() },
  ) {}

  async validZone(input: string | null | undefined): Promise<string> {
    const tz = input ?? 'UTC';
    if (typeof tz === 'string' && zoneShaped(tz)) {
      this.zones ??= trendRepository.timezoneNames(this.db.prisma).then((names) => new Set(names));
      const zones = await this.zones.catch((err: unknown) => {
        this.zones = null; // a failed read (database down) is retried by the next request
        throw err;
      });
      if (zones.has(tz)) return tz;
    }
    throw new UserError(ErrorCode.UNKNOWN_TIMEZONE, `unknown time zone ${JSON.stringify(tz)}: expected an IANA name such as "Europe/Paris" or "UTC"`, { field: 'timezone' });
  }

  async plan(interval: TrendInterval, tz: string, scope: AnalyticsScope, field: string): Promise<BucketPlan> {
    const p = await trendRepository.bucketPlan(this.db.prisma, interval, tz, scope.from, scope.to, MAX_BUCKETS);
    if (p.count > MAX_BUCKETS)
      throw new UserError(ErrorCode.TOO_MANY_BUCKETS, `the ${field} at interval ${interval} has ${p.count} buckets; at most ${MAX_BUCKETS}: use a longer interval or a shorter range`, {
        field,
        max: MAX_BUCKETS,
        buckets: p.count,
      });
    return p;
  }

  async trends(args: TrendsArgs): Promise<TrendsResult> {
    const scope = validScope(args.scope);
    const interval = args.interval ?? TrendInterval.DAY;
    const series = validSeries(args.series);
    const dims = validBreakdowns(args.breakdown);
    const limit = args.breakdownLimit ?? DEFAULT_BREAKDOWN_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BREAKDOWN_LIMIT) throw bad(`breakdownLimit must be 1 to ${MAX_BREAKDOWN_LIMIT} (got ${limit})`, 'breakdownLimit');
    const tz = await this.validZone(args.timezone);
    await assertKnownEvents(this.db, series.flatMap((s) => (s.event === null ? [] : [s.event])));

    const plan = await this.plan(interval, tz, scope, 'scope');
    const previousScope = args.compare ? { ...scope, from: new Date(+scope.from - (+scope.to - +scope.from)), to: scope.from } : null;
    const previousPlan = previousScope ? await this.plan(interval, tz, previousScope, 'compare range') : null;
    const now = this.deps.clock();

    const current: TrendSeries[] = [];
    const previous: TrendSeries[] = [];
    for (const [index, s] of series.entries()) {
      const run = (sc: AnalyticsScope, p: BucketPlan, keep: (string | null)[][] | null) => this.run(sc, p, interval, tz, s, dims, limit, keep, now);
      const cur = await run(scope, plan, null);
      const ranks = [...cur.keys.keys()].sort((a, b) => a - b);
      const other = limit + 1;
      const rowsOf = (x: Shaped, p: BucketPlan) => {
        const rks = [...ranks, ...(cur.points.has(other) || cur.totals.has(other) || x.points.has(other) || x.totals.has(other) ? [other] : [])];
        return rks.map((rk) => this.row(index, s, dims, rk === other ? null : cur.keys.get(rk)!, x, rk, p, interval));
      };
      current.push(...rowsOf(cur, plan));
      if (previousScope && previousPlan) {
        const prev = await run(previousScope, previousPlan, ranks.map((rk) => cur.keys.get(rk)!));
        previous.push(...rowsOf(prev, previousPlan));
      }
    }
    return { interval, timezone: tz, series: current, previous: previousScope ? previous : null, previousFrom: previousScope?.from ?? null };
  }

  private async run(scope: AnalyticsScope, plan: BucketPlan, interval: TrendInterval, tz: string, s: TrendSeriesSpec, dims: Dimension[], limit: number, keep: (string | null)[][] | null, now: Date): Promise<Shaped> {
    const w = windowOf(s.math, interval);
    const rows = await trendRepository.series(this.db.prisma, {
      scope,
      readFrom: w ? new Date(+scope.from - (w.days + 1) * DAY_MS) : scope.from,
      grid: { interval, timezone: tz, anchor: plan.anchor, thresholds: plan.fine.slice(1) },
      series: s,
      window: w ? w.units : null,
      dims,
      limit,
      keep,
      now,
    });
    return shape(rows);
  }

  private row(index: number, s: TrendSeriesSpec & { label: string }, dims: Dimension[], key: (string | null)[] | null, x: Shaped, rk: number, plan: BucketPlan, interval: TrendInterval): TrendSeries {
    const windowed = windowOf(s.math, interval) !== null;
    // Counts are 0 where nothing happened; averages, extremes and percentiles have no value there.
    const zeroFilled = windowed || s.math === TrendMath.TOTAL || s.math === TrendMath.SUM || s.math === TrendMath.UNIQUE_CUSTOMERS || ACTIVE_WINDOW_DAYS[s.math] !== undefined;
    const got = x.points.get(rk) ?? new Map<number, number | null>();
    let running = 0;
    const points = plan.starts.slice(0, plan.count).map((at, i) => {
      if (windowed) {
        running += got.get(i) ?? 0;
        return { at, value: running };
      }
      return { at, value: got.has(i) ? got.get(i)! : zeroFilled ? 0 : null };
    });
    const total = x.totals.has(rk) ? x.totals.get(rk)! : zeroFilled ? 0 : null;
    return { seriesIndex: index, label: s.label, math: s.math, breakdownValue: dims.length === 0 ? null : key, other: key === null && dims.length > 0, total, points };
  }
}
