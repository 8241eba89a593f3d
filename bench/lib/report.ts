/**
 * Result rows, the printed table and bench/results/latest.json. Every row is one figure of ours next to
 * its baseline measured in the same run; ratio = figure / baseline, and `better` says which way is good.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ResultRow {
  workload: string;
  /** What was measured, e.g. "recordTouchpoints (GraphQL, batches of 1000)". */
  name: string;
  figure: number;
  unit: string;
  baseline: { name: string; figure: number } | null;
  ratio: number | null;
  better: 'higher' | 'lower';
  note?: string;
  details?: Record<string, unknown>;
}

export function row(r: Omit<ResultRow, 'ratio'>): ResultRow {
  const ratio = r.baseline && r.baseline.figure !== 0 ? r.figure / r.baseline.figure : null;
  return { ...r, ratio };
}

/** How far from the baseline, the same way round for every row: 1 = equal, 0.25 = four times worse. */
export function standing(r: ResultRow): number | null {
  if (r.ratio === null || r.ratio === 0) return r.ratio;
  return r.better === 'higher' ? r.ratio : 1 / r.ratio;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function formatTable(rows: ResultRow[]): string {
  const header = ['workload', 'figure', 'baseline', 'ratio'];
  const lines = rows.map((r) => [
    `${r.workload} ${r.name}`,
    `${fmt(r.figure)} ${r.unit}`,
    r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.figure)}` : '—',
    r.ratio === null ? '—' : `${r.ratio.toFixed(2)} (${r.better} is better)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmtLine = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmtLine(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmtLine)].join('\n');
}

export async function writeResults(file: string, data: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(data, null, 2) + '\n');
}
