/**
 * The partitioned history tables and their calendar: UTC months, named `<table>_pYYYY_MM`, plus one
 * `<table>_default` partition for rows of months that have none (docs/scaling.md#partitioning).
 */

export const PARTITIONED_TABLES = {
  touchpoint: 'occurred_at',
  membership_change: 'at',
  failed_event: 'received_at',
  audit_log: 'at',
} as const;

export type PartitionedTable = keyof typeof PARTITIONED_TABLES;
export const PARTITIONED_TABLE_NAMES = Object.keys(PARTITIONED_TABLES) as PartitionedTable[];

/** Midnight UTC on the first day of `d`'s month. */
export function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

export function addMonths(month: Date, n: number): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
}

/** Months from `from` to `to`, both included (first days, UTC). */
export function monthsBetween(from: Date, to: Date): Date[] {
  const out: Date[] = [];
  for (let m = monthStart(from); m <= to; m = addMonths(m, 1)) out.push(m);
  return out;
}

export function partitionName(table: PartitionedTable, month: Date): string {
  return `${table}_p${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function defaultPartitionName(table: PartitionedTable): string {
  return `${table}_default`;
}

/** `2026-11` → its first day; null when it is not a month. */
export function parseMonth(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return new Date(Date.UTC(Number(m[1]), month - 1, 1));
}

/**
 * With a retention of `months`, the oldest month kept is `months` before the current one: partitions
 * of earlier months are dropped whole, and rows before this cut-off are deleted from the DEFAULT one.
 */
export function retentionCutoff(now: Date, months: number): Date {
  return addMonths(monthStart(now), -months);
}
