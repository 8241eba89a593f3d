/** Scaling, silhouette, seeded k-means and the choice of k on hand-made points. */
import { describe, expect, it } from 'vitest';
import { chooseClustering, cluster, fitScaler, nearest, sampleIndices, scale, silhouette, unscale } from '../../../src/modules/clusters/cluster.math.ts';
import { columnsOf, describe as describeCluster, type CustomerBehaviour } from '../../../src/modules/clusters/cluster.features.ts';
import { seededRandom } from '../../../src/lib/random.ts';

describe('scaler', () => {
  it('log1p-scales and standardises, and unscale inverts it', () => {
    const rows = [[0, 1], [Math.E - 1, 3], [Math.E ** 2 - 1, 5]];
    const s = fitScaler(rows, ['log1p', 'identity']);
    expect(s.means[0]).toBeCloseTo(1, 12);
    expect(s.means[1]).toBeCloseTo(3, 12);
    expect(s.stds[0]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(scale(s, rows[2]!)[0]).toBeCloseTo(1 / Math.sqrt(2 / 3), 12);
    for (const r of rows) unscale(s, scale(s, r)).forEach((v, j) => expect(v).toBeCloseTo(r[j]!, 9));
  });

  it('maps a constant column to 0', () => {
    const s = fitScaler([[2], [2]], ['identity']);
    expect(scale(s, [2])).toEqual([0]);
  });
});

describe('silhouette', () => {
  it('matches a hand computation', () => {
    // Points on a line: cluster 0 = {0, 1}, cluster 1 = {4}.
    // s(0): a = 1, b = 4 → 0.75; s(1): a = 1, b = 3 → 2/3; s(4): alone → 0.
    expect(silhouette([[0], [1], [4]], [0, 0, 1])).toBeCloseTo((0.75 + 2 / 3 + 0) / 3, 12);
  });

  it('is near 1 for far, tight clusters and 0 with one cluster', () => {
    const pts = [[0, 0], [0, 0.1], [10, 10], [10, 10.1]];
    expect(silhouette(pts, [0, 0, 1, 1])).toBeGreaterThan(0.98);
    expect(silhouette(pts, [0, 0, 0, 0])).toBe(0);
  });
});

describe('k-means', () => {
  const rnd = seededRandom(3);
  const blob = (cx: number, cy: number, n: number) => Array.from({ length: n }, () => [cx + rnd.next() - 0.5, cy + rnd.next() - 0.5]);
  const points = [...blob(0, 0, 40), ...blob(8, 0, 25), ...blob(0, 8, 15)];

  it('finds three separated blobs, numbered by size, each point with its nearest centre', () => {
    const c = cluster(points, 3, 7);
    expect(c.sizes).toEqual([40, 25, 15]);
    expect(c.labels.slice(0, 40).every((l) => l === 0)).toBe(true);
    points.forEach((p, i) => expect(nearest(p, c.centres)).toBe(c.labels[i]));
  });

  it('gives the same answer for the same seed', () => {
    expect(cluster(points, 4, 11)).toEqual(cluster(points, 4, 11));
  });

  it('chooses k = 3 by silhouette', () => {
    const chosen = chooseClustering(points, null, 5, sampleIndices(points.length, 1000, 5));
    expect(chosen.clustering.centres).toHaveLength(3);
    expect(chosen.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Math.max(...chosen.scores.map((s) => s.silhouette))).toBe(chosen.silhouette);
  });

  it('samples without repeats, in order, and deterministically', () => {
    const s = sampleIndices(100, 10, 4);
    expect(new Set(s).size).toBe(10);
    expect([...s].sort((a, b) => a - b)).toEqual(s);
    expect(sampleIndices(100, 10, 4)).toEqual(s);
    expect(sampleIndices(5, 10, 4)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('features and descriptions', () => {
  const asOf = new Date('2024-02-01T00:00:00Z');
  const b = (days: number, spend: number, channels: CustomerBehaviour['channels']): CustomerBehaviour => ({
    customerId: `c${days}`,
    lastAt: new Date(+asOf - days * 86_400_000),
    firstAt: new Date(+asOf - 100 * 86_400_000),
    orders: 1,
    monetary: spend,
    channels,
    sentiment: null,
  });
  it('gives recency in days, channel shares per channel seen, and words for a centre', () => {
    const rows = [b(1, 500, { STORE_POS: 3, WEB: 1 }), b(90, 10, { WEB: 2 })];
    const cols = columnsOf(['RECENCY', 'MONETARY', 'CHANNEL_MIX'], rows, asOf);
    expect(cols.map((c) => c.name)).toEqual(['RECENCY', 'MONETARY', 'CHANNEL_MIX:STORE_POS', 'CHANNEL_MIX:WEB']);
    expect(cols.map((c) => c.value(rows[0]!))).toEqual([1, 500, 0.75, 0.25]);
    expect(describeCluster(cols, [-1.2, 1, 0.5, -0.5], [1, 500, 0.75, 0.25])).toBe('recent, high spend, store-first');
    expect(describeCluster(cols, [0.1, 0.1, 0, 0], [10, 50, 0.4, 0.4])).toBe('average');
  });
});
