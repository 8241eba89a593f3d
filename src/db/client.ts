/**
 * One factory for both stores: PostgreSQL through @prisma/adapter-pg when DATABASE_URL is set, else the
 * embedded PGlite (Postgres compiled to WASM) in a data directory. Same schema, same SQL on both.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { Config } from '../config/env.ts';
import { acquireDataDirLock, type DataDirLock } from './lock.ts';

export type Prisma = PrismaClient;
/** The client a repository runs on: the global one, or the `tx` of an open transaction. */
export type Db = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** A single connection that runs multi-statement SQL; migrations need it. */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  release(): Promise<void>;
}

/** A connection of its own, outside the pool, that reports when it is lost (session-level locks live on it). */
export interface DedicatedSession {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface Database {
  kind: 'postgres' | 'pglite';
  prisma: PrismaClient;
  session(): Promise<SqlSession>;
  /** PostgreSQL only (PGlite is one connection in one process): `onLost` is called once if the connection drops. */
  dedicatedSession?(onLost: (err: Error) => void): Promise<DedicatedSession>;
  /** Called for every SQL statement Prisma sends; tests count statements with it. */
  onQuery(listener: (sql: string) => void): () => void;
  ping(timeoutMs?: number): Promise<boolean>;
  /** PGlite only: the whole data directory as a tarball, which `openDatabase` can start from. */
  snapshot?(): Promise<Blob>;
  close(): Promise<void>;
}

type DbConfig = Config['database'];

export interface OpenOptions {
  /**
   * An in-memory PGlite, or one on a data directory that holds no database yet, starts from this
   * snapshot (see `Database.snapshot`) instead of running initdb: loading one takes about a quarter
   * of initdb's 3 s, which the test suite pays per server.
   */
  pgliteSnapshot?: Blob;
}

export async function openDatabase(config: DbConfig, opts: OpenOptions = {}): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config) : openPglite(config.dataDir, opts.pgliteSnapshot);
}

function withQueryListeners(prisma: PrismaClient) {
  const listeners = new Set<(sql: string) => void>();
  prisma.$on('query' as never, ((e: { query: string }) => {
    for (const l of listeners) l(e.query);
  }) as never);
  return (listener: (sql: string) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
}

const CONNECT_TIMEOUT_MS = 5_000;
const POOL_WAIT_MS = 30_000;

/** A pg client whose own connect attempt gives up after CONNECT_TIMEOUT_MS, whatever the pool's wait. */
class ConnectTimeoutClient extends pg.Client {
  constructor(config: pg.ClientConfig = {}) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

const logQueries = [{ emit: 'event', level: 'query' }] as const;

/**
 * Session settings of every PostgreSQL connection. Unqualified names in hand-written SQL resolve to the
 * configured schema; and the session time zone is UTC, whatever the server's or role's default, because
 * timestamptz arithmetic (`occurred_at - make_interval(days => n)` crosses DST days differently in
 * another zone), date_trunc and ::date casts of timestamptz follow it, and the docs define periods in UTC.
 * DateStyle is ISO because code parses dates the database writes as text (a birthday as YYYY-MM-DD).
 */
const sessionOptions = (schema: string) => `-c search_path="${schema}" -c TimeZone=UTC -c DateStyle=ISO,MDY`;

async function openPostgres(config: { url: string; schema: string }): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: config.url,
    options: sessionOptions(config.schema),
    max: 10,
    // pg-pool uses one setting both for connecting and for waiting for a free connection. They differ:
    // a database that cannot be reached must fail a request in CONNECT_TIMEOUT_MS instead of hanging it
    // (tests/integration/faults-database.test.ts), but a burst that keeps every pooled connection busy
    // (50 merges queued on their identity locks) is load, not an outage, and its requests wait their turn.
    connectionTimeoutMillis: POOL_WAIT_MS,
    Client: ConnectTimeoutClient,
    // TCP keepalive on every connection, so one whose peer vanished without a FIN (a partition, a
    // host gone) is eventually found dead and replaced instead of being handed out again.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A dropped connection must not crash the process; the pool replaces it on next use.
  pool.on('error', () => {});
  if (config.schema !== 'public') await pool.query(`CREATE SCHEMA IF NOT EXISTS "${config.schema}"`);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema: config.schema }), log: [...logQueries] });
  const onQuery = withQueryListeners(prisma);
  return {
    kind: 'postgres',
    prisma,
    onQuery,
    async session() {
      const client = await pool.connect();
      return {
        exec: async (sql) => void (await client.query(sql)),
        query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
        release: async () => client.release(),
      };
    },
    async dedicatedSession(onLost) {
      const client = new pg.Client({
        connectionString: config.url,
        options: sessionOptions(config.schema),
        connectionTimeoutMillis: 5_000,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      let closing = false;
      let lost = false;
      const lose = (err: Error) => {
        if (closing || lost) return;
        lost = true;
        onLost(err);
      };
      client.on('error', lose);
      client.on('end', () => lose(new Error('connection ended')));
      await client.connect();
      return {
        query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
        async close() {
          closing = true;
          await client.end().catch(() => {});
        },
      };
    },
    ping: (timeoutMs = 2_000) => pingWith(() => pool.query('SELECT 1'), timeoutMs),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string | null, snapshot: Blob | undefined): Promise<Database> {
  const lock: DataDirLock | null = dataDir ? acquireDataDirLock(dataDir) : null;
  let pglite: PGlite;
  try {
    // PGlite refuses a snapshot over an existing database; an existing one is opened as it is.
    const load = snapshot && !(dataDir && existsSync(path.join(dataDir, 'PG_VERSION'))) ? { loadDataDir: snapshot } : {};
    pglite = dataDir ? new PGlite(dataDir, load) : new PGlite(load);
    await pglite.waitReady;
    // One connection for the process: set once, as PostgreSQL connections get it at connect (sessionOptions).
    // PGlite starts in UTC, but a data directory's postgresql.conf or ALTER DATABASE could say otherwise.
    await pglite.exec(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'`);
  } catch (err) {
    lock?.release();
    throw err;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite), log: [...logQueries] });
  const onQuery = withQueryListeners(prisma);
  return {
    kind: 'pglite',
    prisma,
    onQuery,
    async session() {
      // PGlite is one connection: the session is the database itself.
      return {
        exec: async (sql) => void (await pglite.exec(sql)),
        query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
        release: async () => {},
      };
    },
    ping: (timeoutMs = 2_000) => pingWith(() => pglite.query('SELECT 1'), timeoutMs),
    snapshot: async () => pglite.dumpDataDir('none'),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
      lock?.release();
    },
  };
}

async function pingWith(q: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      q(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
