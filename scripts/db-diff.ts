/**
 * Offline migration tooling (the Prisma CLI's native schema engine cannot be downloaded here).
 * Runs Prisma's schema engine compiled to WASM against a throw-away PGlite and diffs
 * prisma/migrations → prisma/schema.prisma.
 *   tsx scripts/db-diff.ts check          exit 1 when schema.prisma and the migrations disagree (CI)
 *   tsx scripts/db-diff.ts create <name>  write the next migration folder from the difference
 */
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');
const schemaPath = path.join(root, 'prisma/schema.prisma');
const baseDir = path.join(root, 'prisma/migrations');

async function loadEngine() {
  const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm')), 'schema_engine_bg.wasm');
  // WebAssembly's types live in lib.dom, which this Node project does not load.
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array, i: object): Promise<{ instance: { exports: object } }> } }).WebAssembly;
  const { instance } = await wasm.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports as never);
  (instance.exports as unknown as { __wbindgen_start(): void }).__wbindgen_start();
  return bg;
}

async function migrationDirectories() {
  const names = (await readdir(baseDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  return Promise.all(
    names.map(async (name) => ({
      path: path.join(baseDir, name),
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: await readFile(path.join(baseDir, name, 'migration.sql'), 'utf8') } },
    })),
  );
}

async function diff(): Promise<{ sql: string; changed: boolean; count: number }> {
  const bg = await loadEngine();
  const datamodel = await readFile(schemaPath, 'utf8');
  const dirs = await migrationDirectories();
  const engine = await bg.SchemaEngine.new(
    { datamodels: [[schemaPath, datamodel]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(new PGlite()) as never),
  );
  const result = await engine.diff({
    from: {
      tag: 'migrations',
      baseDir,
      lockfile: { path: 'migration_lock.toml', content: 'provider = "postgresql"\n' },
      shadowDbInitScript: '',
      migrationDirectories: dirs,
    },
    to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: datamodel }] },
    script: true,
    exitCode: true,
    filters: { externalTables: [], externalEnums: [] },
  } as never);
  const r = result as unknown as { exitCode: number; stdout: string };
  return { sql: r.stdout, changed: r.exitCode === 2, count: dirs.length };
}

const [cmd, name] = process.argv.slice(2);
const { sql, changed, count } = await diff();
if (cmd === 'check') {
  if (changed) {
    console.error('prisma/schema.prisma and prisma/migrations disagree; run `npm run db:diff -- create <name>`:\n' + sql);
    process.exit(1);
  }
  console.log(`migrations up to date (${count})`);
} else if (cmd === 'create' && name) {
  if (!changed) {
    console.log('no changes');
  } else {
    const dir = path.join(baseDir, `${String(count + 1).padStart(4, '0')}_${name}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'migration.sql'), sql);
    console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
  }
} else {
  console.error('usage: db-diff.ts check | create <name>');
  process.exit(2);
}
