/**
 * Applies prisma/migrations/<n>_<name>/migration.sql in order, each in its own transaction, recorded in
 * _cdp_migrations. A session-level advisory lock makes concurrent start-ups (several server processes
 * on one database) apply each migration once.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './client.ts';
import { PROJECT_ROOT } from '../lib/project-root.ts';

const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'migrations');
const MIGRATION_LOCK_KEY = 72_410_001;

export interface MigrationReport {
  applied: string[];
  total: number;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && /^\d+_/.test(e.name)).map((e) => e.name).sort();
}

export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationReport> {
  const names = await listMigrations(dir);
  const session = await db.session();
  try {
    await session.exec(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      await session.exec(
        'CREATE TABLE IF NOT EXISTS _cdp_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set((await session.query<{ name: string }>('SELECT name FROM _cdp_migrations')).map((r) => r.name));
      const applied: string[] = [];
      for (const name of names) {
        if (done.has(name)) continue;
        const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
        await session.exec('BEGIN');
        try {
          await session.exec(sql);
          await session.query('INSERT INTO _cdp_migrations (name) VALUES ($1)', [name]);
          await session.exec('COMMIT');
        } catch (err) {
          await session.exec('ROLLBACK');
          throw new Error(`migration ${name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(name);
      }
      return { applied, total: names.length };
    } finally {
      await session.exec(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  } finally {
    await session.release();
  }
}
