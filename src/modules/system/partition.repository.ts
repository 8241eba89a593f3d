/**
 * Monthly partitions of the history tables (migration 0016, docs/scaling.md#partitioning): listing
 * them, adding a month (rows of that month that sat in the DEFAULT partition move into it), dropping
 * whole months, and deleting expired rows from DEFAULT. DDL runs in the caller's transaction; names
 * come from PARTITIONED_TABLES and the calendar, never from input.
 */
import type { Db } from '../../db/client.ts';
import { defaultPartitionName, PARTITIONED_TABLE_NAMES, PARTITIONED_TABLES, type PartitionedTable } from './partition.months.ts';

export interface PartitionRow {
  table: PartitionedTable;
  name: string;
  /** Bounds [from, to); null for the DEFAULT partition. */
  from: Date | null;
  to: Date | null;
  isDefault: boolean;
  /** PostgreSQL's estimate (pg_class.reltuples); null until the partition was first analysed. */
  rowEstimate: number | null;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;
const lit = (d: Date) => `'${d.toISOString()}'`;
const PARENTS = PARTITIONED_TABLE_NAMES.map((t) => `to_regclass('${t}')`).join(', ');
// One writer of partitions at a time per schema (several server processes, the CLI).
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtextextended('cdp:partitions:' || current_schema(), 0))`;
// DDL on a partitioned table waits for its readers; better to give up and retry at the next run than
// to queue every reader behind a lock nobody can take.
const LOCK_TIMEOUT_SQL = `SET LOCAL lock_timeout = '10s'`;

export const partitionRepository = {
  async list(db: Db): Promise<PartitionRow[]> {
    const rows = await db.$queryRawUnsafe<{ table: string; name: string; is_default: boolean; lo: Date | null; hi: Date | null; estimate: number }[]>(`
      SELECT p.relname AS "table", c.relname AS name, b.expr = 'DEFAULT' AS is_default,
             (regexp_match(b.expr, 'FROM \\(''([^'']*)''\\) TO \\(''([^'']*)''\\)'))[1]::timestamptz AS lo,
             (regexp_match(b.expr, 'FROM \\(''([^'']*)''\\) TO \\(''([^'']*)''\\)'))[2]::timestamptz AS hi,
             c.reltuples::float8 AS estimate
      FROM pg_inherits i
      JOIN pg_class p ON p.oid = i.inhparent
      JOIN pg_class c ON c.oid = i.inhrelid
      CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
      WHERE i.inhparent IN (${PARENTS})
      ORDER BY p.relname, lo NULLS LAST, c.relname`);
    return rows.map((r) => ({
      table: r.table as PartitionedTable,
      name: r.name,
      from: r.lo,
      to: r.hi,
      isDefault: r.is_default,
      rowEstimate: r.estimate < 0 ? null : Number(r.estimate),
    }));
  },

  async countRows(db: Db, partition: string): Promise<number> {
    const [row] = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${q(partition)}`);
    return row?.n ?? 0;
  },

  /** Takes the partition-maintenance lock for the rest of the transaction. */
  async lock(tx: Db): Promise<void> {
    await tx.$executeRawUnsafe(LOCK_SQL);
    await tx.$executeRawUnsafe(LOCK_TIMEOUT_SQL);
  },

  /** The months (first days, UTC) in [from, to) that have rows in the DEFAULT partition. */
  async defaultMonths(tx: Db, table: PartitionedTable, from: Date, to: Date): Promise<Date[]> {
    const col = q(PARTITIONED_TABLES[table]);
    const rows = await tx.$queryRawUnsafe<{ month: Date }[]>(`
      SELECT DISTINCT date_trunc('month', ${col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month
      FROM ${q(defaultPartitionName(table))} WHERE ${col} >= ${lit(from)} AND ${col} < ${lit(to)}`);
    return rows.map((r) => r.month);
  },

  /**
   * Adds [from, to) as partition `name`: a standalone table is made, the DEFAULT partition's rows of
   * that range move into it, and it is attached (attaching checks that DEFAULT holds none of the range
   * any more). Attaching locks the parent only against other DDL, where CREATE TABLE … PARTITION OF
   * locks out every reader and writer; that one-statement form is used only when `attach` is false
   * (nothing to move, and no other session to block: the embedded database). Answers the rows moved.
   */
  async addMonth(tx: Db, table: PartitionedTable, name: string, from: Date, to: Date, attach: boolean): Promise<number> {
    const col = q(PARTITIONED_TABLES[table]);
    const bounds = `FOR VALUES FROM (${lit(from)}) TO (${lit(to)})`;
    if (!attach) {
      await tx.$executeRawUnsafe(`CREATE TABLE ${q(name)} PARTITION OF ${q(table)} ${bounds}`);
      return 0;
    }
    await tx.$executeRawUnsafe(`CREATE TABLE ${q(name)} (LIKE ${q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    const moved = await tx.$executeRawUnsafe(`
      WITH moved AS (DELETE FROM ${q(defaultPartitionName(table))} WHERE ${col} >= ${lit(from)} AND ${col} < ${lit(to)} RETURNING *)
      INSERT INTO ${q(name)} SELECT * FROM moved`);
    await tx.$executeRawUnsafe(`ALTER TABLE ${q(table)} ATTACH PARTITION ${q(name)} ${bounds}`);
    return moved;
  },

  /** Dropping a partition needs the parent's strongest lock; taken once, before the partitions. */
  async lockParent(tx: Db, table: PartitionedTable): Promise<void> {
    await tx.$executeRawUnsafe(`LOCK TABLE ${q(table)} IN ACCESS EXCLUSIVE MODE`);
  },

  async dropPartition(tx: Db, name: string): Promise<void> {
    await tx.$executeRawUnsafe(`DROP TABLE ${q(name)}`);
  },

  /** The outbox's highest seq in one partition (null: empty). */
  async maxSeq(tx: Db, partition: string): Promise<bigint | null> {
    const [row] = await tx.$queryRawUnsafe<{ m: bigint | string | null }[]>(`SELECT max(seq) AS m FROM ${q(partition)}`);
    return row?.m == null ? null : BigInt(row.m);
  },

  /** Deletes DEFAULT-partition rows from before `cutoff`; answers how many. */
  async deleteDefaultBefore(tx: Db, table: PartitionedTable, cutoff: Date): Promise<number> {
    return tx.$executeRawUnsafe(`DELETE FROM ${q(defaultPartitionName(table))} WHERE ${q(PARTITIONED_TABLES[table])} < ${lit(cutoff)}`);
  },
};
