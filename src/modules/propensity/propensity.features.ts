/**
 * The behaviour features of a propensity model (docs/propensity.md lists them), from a snapshot: fixed
 * ones, a count per frequent event key (chosen on the training rows), and the mean of each requested
 * numeric property. Counts, money and durations are log1p-scaled (property means are not), then
 * every column is standardised with the training rows' mean and standard deviation, which the stored
 * model keeps.
 */
import type { Snapshot } from './propensity.repository.ts';

/** At most this many event keys become count features (the most frequent in the training rows). */
export const MAX_EVENT_KEYS = 12;
const DAY = 86_400_000;

/** Signed log1p: compresses long tails of counts, money and durations, and keeps the sign. */
const slog = (v: number) => Math.sign(v) * Math.log1p(Math.abs(v));

export interface FeatureSpec {
  names: string[];
  eventKeys: string[];
  props: string[];
  /** RECENCY_DAYS and TENURE_DAYS relative to the cut (churn); off for conversion, where the cut is arbitrary. */
  timing: boolean;
  means: number[];
  stds: number[];
}

/** The most frequent event keys over the rows (ties: by key). */
export function topEventKeys(rows: readonly Snapshot[], max = MAX_EVENT_KEYS): string[] {
  const totals = new Map<string, number>();
  for (const r of rows) for (const [k, n] of Object.entries(r.keys)) totals.set(k, (totals.get(k) ?? 0) + n);
  return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, max).map(([k]) => k);
}

/** The unscaled (log1p'd) feature vector of one snapshot taken at `cut`. */
export function rawFeatures(s: Snapshot, spec: Pick<FeatureSpec, 'eventKeys' | 'props' | 'timing'>, cut: Date): number[] {
  const v = [
    slog(s.touchpoints),
    slog(s.activeDays),
    slog(s.firstAt && s.lastAt ? (+s.lastAt - +s.firstAt) / 1000 : 0),
    slog(s.revenue),
    ...spec.eventKeys.map((k) => slog(s.keys[k] ?? 0)),
    // Property means stay in their own units: a rate or a page value is not a count with a long tail.
    ...spec.props.map((p) => s.props[p] ?? 0),
  ];
  if (spec.timing) v.push(slog(s.lastAt ? (+cut - +s.lastAt) / DAY : 0), slog((+cut - +s.firstSeen) / DAY));
  return v;
}

export function featureNames(spec: Pick<FeatureSpec, 'eventKeys' | 'props' | 'timing'>): string[] {
  return [
    'TOUCHPOINTS',
    'ACTIVE_DAYS',
    'SPAN_SECONDS',
    'REVENUE',
    ...spec.eventKeys.map((k) => `EVENT:${k}`),
    ...spec.props.map((p) => `PROPERTY_MEAN:${p}`),
    ...(spec.timing ? ['RECENCY_DAYS', 'TENURE_DAYS'] : []),
  ];
}

/** Column means and standard deviations of the training matrix (1 for a constant column). */
export function standardiser(X: readonly number[][]): { means: number[]; stds: number[] } {
  const d = X[0]?.length ?? 0;
  const means = new Array<number>(d).fill(0);
  const vars = new Array<number>(d).fill(0);
  for (const x of X) for (let j = 0; j < d; j++) means[j]! += x[j]! / X.length;
  for (const x of X) for (let j = 0; j < d; j++) vars[j]! += (x[j]! - means[j]!) ** 2 / X.length;
  return { means, stds: vars.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

export const standardise = (x: readonly number[], s: { means: number[]; stds: number[] }) => x.map((v, j) => (v - s.means[j]!) / s.stds[j]!);
