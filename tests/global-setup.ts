/**
 * Runs once before the suite: migrates one in-memory PGlite and saves it as a snapshot, so every
 * test server on PGlite starts from it instead of running initdb and the migrations again (about
 * 3.5 s per server, and the suite starts over a hundred).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-test-snapshot-'));
  const file = path.join(dir, 'migrated.tar');
  const db = await openDatabase({ kind: 'pglite', dataDir: null });
  try {
    await migrate(db);
    const blob = await db.snapshot!();
    await writeFile(file, Buffer.from(await blob.arrayBuffer()));
  } finally {
    await db.close();
  }
  project.provide('pgliteSnapshot', file);
  return () => rm(dir, { recursive: true, force: true });
}
