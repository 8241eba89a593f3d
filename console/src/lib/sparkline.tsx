/**
 * A segment's size by day as a small inline SVG line (no chart library: the segment list draws one per
 * row). Days that may have lost changes to outbox pruning (`complete: false`) are drawn dashed.
 */
export interface SizePoint {
  day: string;
  size: number;
  complete: boolean;
}

export function Sparkline({ points, width = 96, height = 24 }: { points: SizePoint[]; width?: number; height?: number }) {
  if (points.length === 0) return null;
  const first = points[0]!;
  const last = points.at(-1)!;
  const sizes = points.map((p) => p.size);
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  const x = (i: number) => (points.length === 1 ? width / 2 : (i / (points.length - 1)) * (width - 2) + 1);
  // A flat line sits in the middle; otherwise the range fills the height (1 px margins).
  const y = (n: number) => (hi === lo ? height / 2 : height - 1 - ((n - lo) / (hi - lo)) * (height - 2));
  const path = (from: number, to: number) =>
    points
      .slice(from, to + 1)
      .map((p, k) => `${k ? 'L' : 'M'}${x(from + k).toFixed(1)},${y(p.size).toFixed(1)}`)
      .join('');
  // Incomplete days come first (they are the oldest): dashed up to the first complete one.
  const firstComplete = points.findIndex((p) => p.complete);
  const split = firstComplete < 0 ? points.length - 1 : firstComplete;
  const label = `Size over the last ${points.length} days: ${first.size} on ${first.day}, ${last.size} on ${last.day}${firstComplete !== 0 ? ' (older days incomplete)' : ''}`;
  return (
    <svg class="sparkline" role="img" aria-label={label} width={width} height={height} viewBox={`0 0 ${width} ${height}`} data-first={first.size} data-last={last.size}>
      {split > 0 && <path d={path(0, split)} fill="none" stroke="currentColor" stroke-width="1" stroke-dasharray="2 2" opacity="0.6" />}
      {firstComplete >= 0 && <path d={path(split, points.length - 1)} fill="none" stroke="currentColor" stroke-width="1.5" />}
      <circle cx={x(points.length - 1)} cy={y(last.size)} r="1.8" fill="currentColor" />
    </svg>
  );
}
