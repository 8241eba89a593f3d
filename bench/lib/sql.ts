/**
 * The bench's own access to the database, beside the server's: a node-postgres pool on the run's
 * schema (PostgreSQL), or the PGlite instance itself through the Database session (embedded). Used
 * for resets, bulk loading, COPY and the hand-written baselines; never by the server.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../../src/db/client.ts';

export interface BenchSql {
  kind: 'postgres' | 'pglite';
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** COPY FROM STDIN of rows already encoded in COPY text format; null on PGlite (no COPY protocol here). */
  copy: ((table: string, columns: string[], text: string) => Promise<number>) | null;
  /** A node-postgres pool on the run's schema, for baselines that are "a hand-written pg handler". */
  pool: pg.Pool | null;
  close(): Promise<void>;
}

export function pgPool(url: string, schema: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path="${schema}"`, max });
  pool.on('error', () => {});
  return pool;
}

export async function openBenchSql(db: Database, pgConn: { url: string; schema: string } | null): Promise<BenchSql> {
  if (pgConn) {
    const pool = pgPool(pgConn.url, pgConn.schema);
    return {
      kind: 'postgres',
      pool,
      query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
      copy: async (table, columns, text) => {
        const client = await pool.connect();
        try {
          const stream = client.query(copyFrom(`COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`));
          await pipeline(Readable.from([Buffer.from(text, 'utf8')]), stream);
          return stream.rowCount;
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  // PGlite is one connection: the session is the database itself, shared with Prisma.
  const session = await db.session();
  return { kind: 'pglite', pool: null, query: (text, params) => session.query(text, params), copy: null, close: () => session.release() };
}

/**
 * Bytes a table takes on disk with its indexes and TOAST, over all its partitions when it is
 * partitioned (pg_total_relation_size of a partitioned parent alone is 0).
 */
export async function tableBytes(sql: BenchSql, table: string): Promise<number> {
  const [r] = await sql.query<{ bytes: number }>(
    `SELECT coalesce(sum(pg_total_relation_size(relid)), 0)::float8 AS bytes FROM pg_partition_tree($1::regclass)`,
    [table],
  );
  return r!.bytes;
}

/** One value in COPY text format: \N for null, backslash escapes for the rest. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

export function copyText(rows: unknown[][]): string {
  let out = '';
  for (const row of rows) out += row.map(copyValue).join('\t') + '\n';
  return out;
}

/**
 * Inserts rows given as objects keyed by column name, in chunks, through json_populate_recordset
 * (works the same on PostgreSQL and PGlite); columns not named keep their defaults.
 */
export async function insertRows(sql: BenchSql, table: string, rows: Record<string, unknown>[], chunk = 5000): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).map((c) => `"${c}"`).join(', ');
  for (let i = 0; i < rows.length; i += chunk) {
    await sql.query(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(null::${table}, $1::json)`, [
      JSON.stringify(rows.slice(i, i + chunk)),
    ]);
  }
}

/**
 * Empties every data table of the run (keeps migrations and API keys), so each measured phase starts
 * from the same state (sequences go on: see below). Tables are listed, not named, so tables added by later migrations are included.
 */
export async function resetData(sql: BenchSql): Promise<void> {
  const tables = await sql.query<{ name: string }>(
    `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('_cdp_migrations', 'api_key')`,
  );
  // CONTINUE IDENTITY: the outbox's seq must never go backwards within a run. The server's membership
  // feed stays up across workloads and skips every seq at or below the highest it has seen, so after a
  // RESTART IDENTITY the changes of later workloads (W7's watched segment after W4's ~40k changes) were
  // silently never delivered.
  if (tables.length) await sql.query(`TRUNCATE ${tables.map((t) => t.name).join(', ')} CONTINUE IDENTITY CASCADE`);
}
