/**
 * Every integration test runs on the embedded PGlite, and also on PostgreSQL when TEST_DATABASE_URL
 * is set (CI sets it). Each server gets its own database: a fresh in-memory PGlite, or its own
 * Postgres schema that is dropped afterwards, so test files never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import type { Config } from '../../src/config/env.ts';
import { testEnv } from '../../src/config/env.ts';

export type DbKind = 'pglite' | 'postgres';

export const dbKinds: DbKind[] = testEnv().databaseUrl ? ['pglite', 'postgres'] : ['pglite'];
export const redisUrl = testEnv().redisUrl;

export function databaseConfig(kind: DbKind, dataDir: string | null = null): Config['database'] {
  if (kind === 'pglite') return { kind: 'pglite', dataDir };
  const url = testEnv().databaseUrl;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  return { kind: 'postgres', url, schema: `t_${randomBytes(6).toString('hex')}` };
}

export async function dropDatabase(config: Config['database']): Promise<void> {
  if (config.kind !== 'postgres') return;
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${config.schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

let snapshot: Promise<Blob> | undefined;

/** The migrated PGlite that tests/global-setup.ts saved, read once per test process. */
export function pgliteSnapshot(): Promise<Blob> {
  snapshot ??= readFile(inject('pgliteSnapshot')).then((bytes) => new Blob([bytes]));
  return snapshot;
}
