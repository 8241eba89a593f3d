/**
 * The numeric core of clusterCustomers, free of the database: scaling, seeded k-means (ml-kmeans),
 * silhouette on a seeded sample, and the choice of k. Pure functions so the unit tests can check them
 * on hand-made points.
 */
import { kmeans } from 'ml-kmeans';
import { seededRandom } from '../../lib/random.ts';

/** How a feature column is scaled before standardising: log1p for the skewed ones (counts, money, days). */
export type Transform = 'log1p' | 'identity';

export interface Scaler {
  transforms: Transform[];
  means: number[];
  /** Standard deviations of the transformed columns; 1 where a column is constant (it then scales to 0). */
  stds: number[];
}

const forward = (t: Transform, v: number) => (t === 'log1p' ? Math.log1p(Math.max(0, v)) : v);
// log1p columns hold values ≥ 0 (forward clamps them): keep rounding noise from showing as −1e-16.
const backward = (t: Transform, v: number) => (t === 'log1p' ? Math.max(0, Math.expm1(v)) : v);

/** Fits the transform-then-standardise scaler on the rows (population standard deviation). */
export function fitScaler(rows: readonly number[][], transforms: Transform[]): Scaler {
  const d = transforms.length;
  const n = rows.length;
  const means = new Array<number>(d).fill(0);
  const stds = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) means[j]! += forward(transforms[j]!, r[j]!) / n;
  for (const r of rows) for (let j = 0; j < d; j++) stds[j]! += (forward(transforms[j]!, r[j]!) - means[j]!) ** 2 / n;
  return { transforms, means, stds: stds.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

export const scale = (s: Scaler, row: readonly number[]): number[] => row.map((v, j) => (forward(s.transforms[j]!, v) - s.means[j]!) / s.stds[j]!);
export const unscale = (s: Scaler, z: readonly number[]): number[] => z.map((v, j) => backward(s.transforms[j]!, v * s.stds[j]! + s.means[j]!));

export const squaredDistance = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return s;
};

/** Index of the nearest centre (the lowest index on a tie). */
export function nearest(point: readonly number[], centres: readonly number[][]): number {
  let best = 0;
  let bestD = Infinity;
  centres.forEach((c, i) => {
    const d = squaredDistance(point, c);
    if (d < bestD) [best, bestD] = [i, d];
  });
  return best;
}

/**
 * Mean silhouette of the labelled points (Rousseeuw 1987): for each point a = mean distance to its own
 * cluster's other points, b = the lowest mean distance to another cluster, s = (b − a) / max(a, b);
 * s = 0 for a point alone in its cluster. O(n²): callers pass a sample.
 */
export function silhouette(points: readonly number[][], labels: readonly number[]): number {
  const n = points.length;
  const k = Math.max(...labels) + 1;
  if (n < 2 || k < 2) return 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const sums = new Array<number>(k).fill(0);
    const counts = new Array<number>(k).fill(0);
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      sums[labels[j]!]! += Math.sqrt(squaredDistance(points[i]!, points[j]!));
      counts[labels[j]!]!++;
    }
    const own = labels[i]!;
    if (counts[own] === 0) continue;
    const a = sums[own]! / counts[own]!;
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!);
    if (b === Infinity) continue;
    const m = Math.max(a, b);
    total += m === 0 ? 0 : (b - a) / m;
  }
  return total / n;
}

/** Indices of a seeded sample of `size` out of n (all of them, in order, when n ≤ size). */
export function sampleIndices(n: number, size: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (n <= size) return idx;
  const rnd = seededRandom(seed);
  // Partial Fisher–Yates: the first `size` entries are a uniform sample.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rnd.next() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, size).sort((a, b) => a - b);
}

export interface Clustering {
  /** Centres in scaled space, cluster 0 the largest (ties: the smaller first coordinate, and so on). */
  centres: number[][];
  labels: number[];
  sizes: number[];
}

/**
 * Seeded k-means++ (ml-kmeans) on scaled points, then one assignment to the final centres so every
 * point sits with its nearest centre, and clusters renumbered by size (largest first) so a run reads
 * the same whatever order ml-kmeans found them in. Empty clusters are dropped.
 */
export function cluster(points: number[][], k: number, seed: number): Clustering {
  const result = kmeans(points, k, { initialization: 'kmeans++', seed, maxIterations: 300 });
  const raw = result.centroids;
  const labels0 = points.map((p) => nearest(p, raw));
  const sizes0 = raw.map((_, c) => labels0.filter((l) => l === c).length);
  const order = raw
    .map((_, c) => c)
    .filter((c) => sizes0[c]! > 0)
    .sort((a, b) => sizes0[b]! - sizes0[a]! || compareVectors(raw[a]!, raw[b]!));
  const rank = new Map(order.map((c, i) => [c, i]));
  return { centres: order.map((c) => raw[c]!), labels: labels0.map((l) => rank.get(l)!), sizes: order.map((c) => sizes0[c]!) };
}

function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return a[j]! - b[j]!;
  return 0;
}

export interface KScore {
  k: number;
  silhouette: number;
}

/**
 * The clustering for `k`, or, when k is null, the k in [minK, maxK] whose clustering has the highest
 * silhouette on the sample (the smaller k on a tie). Every k is clustered on all points with the same seed.
 */
export function chooseClustering(points: number[][], k: number | null, seed: number, sample: number[], range = { minK: 2, maxK: 10 }) {
  const sampled = sample.map((i) => points[i]!);
  const score = (c: Clustering) => silhouette(sampled, sample.map((i) => c.labels[i]!));
  if (k !== null) {
    const c = cluster(points, k, seed);
    return { clustering: c, silhouette: score(c), scores: [] as KScore[] };
  }
  let best: { clustering: Clustering; silhouette: number } | null = null;
  const scores: KScore[] = [];
  for (let kk = range.minK; kk <= Math.min(range.maxK, points.length - 1); kk++) {
    const c = cluster(points, kk, seed);
    const s = score(c);
    scores.push({ k: kk, silhouette: s });
    if (!best || s > best.silhouette) best = { clustering: c, silhouette: s };
  }
  return { ...best!, scores };
}
