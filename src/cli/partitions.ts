/**
 * `cdp partitions`: makes the months ahead (and, with --from, past months whose rows sit in DEFAULT),
 * optionally drops months past retention, then prints every partition of the history tables.
 */
import type { DropReport, EnsureReport, PartitionRow, PartitionService } from '../modules/system/partition.service.ts';

export interface PartitionsOptions {
  ahead?: number;
  from?: Date;
  dropExpired?: boolean;
  exact?: boolean;
}

export async function runPartitions(service: PartitionService, o: PartitionsOptions): Promise<{ ensured: EnsureReport; expired: DropReport | null; lines: string[] }> {
  const ensured = await service.ensureMonths({ ahead: o.ahead, from: o.from });
  const expired = o.dropExpired ? await service.dropExpired() : null;
  const list = await service.list();
  const lines: string[] = [];
  for (const c of ensured.created) lines.push(`created ${c.name}${c.movedFromDefault ? ` (${c.movedFromDefault} rows moved out of the default partition)` : ''}`);
  for (const d of expired?.dropped ?? []) lines.push(`dropped ${d.name}`);
  for (const d of expired?.deletedFromDefault ?? []) lines.push(`deleted ${d.rows} expired rows from ${d.table}_default`);
  if (lines.length) lines.push('');
  lines.push(['table', 'partition', 'from', 'to', o.exact ? 'rows' : 'rows (estimate)'].join('\t'));
  for (const p of list) lines.push([p.table, p.name, bound(p.from, p), bound(p.to, p), await rows(service, p, o.exact)].join('\t'));
  return { ensured, expired, lines };
}

const bound = (d: Date | null, p: PartitionRow) => (p.isDefault ? 'DEFAULT' : d ? d.toISOString().slice(0, 10) : '');

async function rows(service: PartitionService, p: PartitionRow, exact?: boolean): Promise<string> {
  if (exact) return String(await service.countRows(p));
  return p.rowEstimate === null ? '?' : `~${Math.round(p.rowEstimate)}`;
}
