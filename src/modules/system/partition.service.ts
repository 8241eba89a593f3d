/**
 * Monthly partitions of the history tables (docs/scaling.md#partitioning): months are made ahead of
 * time (at start and by the daily maintenance job), and whole months past a table's retention are
 * dropped. Every change runs under one advisory lock per schema, so several processes (and the CLI)
 * may run it at once; each month is its own transaction.
 */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import {
  addMonths,
  monthStart,
  monthsBetween,
  partitionName,
  PARTITIONED_TABLE_NAMES,
  retentionCutoff,
  type PartitionedTable,
} from './partition.months.ts';
import { membershipQueries } from '../segments/membership.queries.ts';
import { partitionRepository, type PartitionRow } from './partition.repository.ts';

export type { PartitionRow };

/** Months kept per table; null keeps everything. The outbox has none: it follows the outbox pruner. */
export type RetentionMonths = Record<Exclude<PartitionedTable, 'membership_change'>, number | null>;

export interface PartitionConfig {
  monthsAhead: number;
  retentionMonths: RetentionMonths;
}

export interface PartitionDeps {
  clock: () => Date;
  logger: Logger;
  config: PartitionConfig;
}

export interface EnsureReport {
  created: { table: PartitionedTable; name: string; movedFromDefault: number }[];
}

export interface DropReport {
  dropped: { table: PartitionedTable; name: string }[];
  deletedFromDefault: { table: PartitionedTable; rows: number }[];
}

export const MAX_MONTHS_AHEAD = 120;
/** How far back `ensureMonths({ from })` may reach in one call (a typo must not make 10,000 tables). */
export const MAX_MONTHS_BACK = 600;
const TX = { maxWait: 30_000, timeout: 600_000 };

export class PartitionService {
  constructor(
    private readonly db: Database,
    private readonly deps: PartitionDeps,
  ) {}

  list(): Promise<PartitionRow[]> {
    return partitionRepository.list(this.db.prisma);
  }

  countRows(partition: PartitionRow): Promise<number> {
    return partitionRepository.countRows(this.db.prisma, partition.name);
  }

  /**
   * Makes the partitions of every month from `from` (default: the current month) to `ahead` months
   * after the current one, for every partitioned table. Months that exist are left alone; rows of a new
   * month that were in DEFAULT move into it.
   */
  async ensureMonths(opts: { ahead?: number; from?: Date } = {}): Promise<EnsureReport> {
    const ahead = opts.ahead ?? this.deps.config.monthsAhead;
    if (!Number.isInteger(ahead) || ahead < 0 || ahead > MAX_MONTHS_AHEAD) {
      throw new UserError(ErrorCode.BAD_USER_INPUT, `months ahead must be a whole number from 0 to ${MAX_MONTHS_AHEAD}`);
    }
    const current = monthStart(this.deps.clock());
    const from = opts.from ? monthStart(opts.from) : current;
    if (from > current || from < addMonths(current, -MAX_MONTHS_BACK)) {
      throw new UserError(ErrorCode.BAD_USER_INPUT, `the first month must be within the last ${MAX_MONTHS_BACK} months, not after the current one`);
    }
    const months = monthsBetween(from, addMonths(current, ahead));
    const covered = (parts: PartitionRow[], table: PartitionedTable, month: Date) =>
      parts.some((p) => p.table === table && !p.isDefault && p.from! < addMonths(month, 1) && p.to! > month);
    const existing = await this.list();
    const report: EnsureReport = { created: [] };
    for (const table of PARTITIONED_TABLE_NAMES) {
      if (months.every((m) => covered(existing, table, m))) continue;
      // One transaction a table: months are quick to make unless DEFAULT holds many of their rows.
      const created = await this.db.prisma.$transaction(async (tx) => {
        await partitionRepository.lock(tx);
        // Another process may have made some since the listing.
        const now = await partitionRepository.list(tx);
        const inDefault = new Set((await partitionRepository.defaultMonths(tx, table, months[0]!, addMonths(months.at(-1)!, 1))).map((m) => m.getTime()));
        const made: EnsureReport['created'] = [];
        for (const month of months) {
          if (covered(now, table, month)) continue;
          const name = partitionName(table, month);
          const attach = inDefault.has(month.getTime()) || this.db.kind === 'postgres';
          const moved = await partitionRepository.addMonth(tx, table, name, month, addMonths(month, 1), attach);
          made.push({ table, name, movedFromDefault: moved });
        }
        return made;
      }, TX);
      report.created.push(...created);
    }
    if (report.created.length) this.deps.logger.info({ created: report.created.map((c) => c.name) }, 'partitions created');
    return report;
  }

  /**
   * Drops whole months older than each table's retention (the current month and the `n` before it are
   * kept) and deletes the DEFAULT partition's rows from before that cut-off. Outbox months go when they
   * are wholly past and every row in them is at or below the prune horizon (they are already pruned).
   */
  async dropExpired(retention: RetentionMonths = this.deps.config.retentionMonths): Promise<DropReport> {
    const now = this.deps.clock();
    const report: DropReport = { dropped: [], deletedFromDefault: [] };
    for (const table of PARTITIONED_TABLE_NAMES) {
      const outbox = table === 'membership_change';
      const keep = outbox ? 0 : retention[table];
      if (keep === null) continue;
      if (!Number.isInteger(keep) || (keep < 1 && !outbox)) {
        throw new UserError(ErrorCode.BAD_USER_INPUT, `the retention of ${table} must be a whole number of months, at least 1`);
      }
      const cutoff = outbox ? monthStart(now) : retentionCutoff(now, keep);
      await this.db.prisma.$transaction(async (tx) => {
        await partitionRepository.lock(tx);
        const expired = (await partitionRepository.list(tx)).filter((p) => p.table === table && !p.isDefault && p.to! <= cutoff);
        if (expired.length) await partitionRepository.lockParent(tx, table);
        const horizon = outbox ? await membershipQueries.horizon(tx) : null;
        for (const p of expired) {
          if (horizon !== null) {
            const max = await partitionRepository.maxSeq(tx, p.name);
            if (max !== null && max > horizon) continue;
          }
          await partitionRepository.dropPartition(tx, p.name);
          report.dropped.push({ table, name: p.name });
        }
        if (!outbox) {
          const rows = await partitionRepository.deleteDefaultBefore(tx, table, cutoff);
          if (rows) report.deletedFromDefault.push({ table, rows });
        }
      }, TX);
    }
    if (report.dropped.length || report.deletedFromDefault.length) this.deps.logger.info(report, 'expired partitions dropped');
    return report;
  }

  /** The daily job: months ahead, then retention. */
  async maintain(): Promise<{ ensured: EnsureReport; expired: DropReport }> {
    const ensured = await this.ensureMonths();
    const expired = await this.dropExpired();
    return { ensured, expired };
  }
}
