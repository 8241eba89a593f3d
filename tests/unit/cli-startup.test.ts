/**
 * `cdp import` is a client of a running server: its process must not load the server side (config,
 * database, services, the type-graphql schema, the Prisma client), which cost every start seconds
 * (import-olist starts it 16 times a database). A resolve hook records every module the process loads.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'cdp-cli-startup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs bin/cdp.js with the module log on; resolves with its exit code and the modules it loaded. */
function cdpModules(args: string[]): Promise<{ code: number | null; modules: string[] }> {
  const log = path.join(tmp, 'modules.log');
  writeFileSync(log, '');
  const register = path.join(root, 'tests/helpers/module-log.register.mjs');
  const child = spawn(process.execPath, ['--import', register, path.join(root, 'bin/cdp.js'), ...args], {
    cwd: root,
    env: { ...process.env, MODULE_LOG: log },
    stdio: 'ignore',
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      const urls = new Set(readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:')));
      resolve({ code, modules: [...urls].map((u) => path.relative(root, fileURLToPath(u))) });
    }),
  );
}

it('cdp import loads the import code and none of the server', { timeout: 30_000 }, async () => {
  const csv = path.join(tmp, 'people.csv');
  writeFileSync(csv, 'id,city\n1,Oslo\n');
  const { code, modules } = await cdpModules(['import', 'customers', csv, '--map', 'externalId=id', '--map', 'city=city', '--dry-run']);
  expect(code).toBe(0);
  // The log is live: the import command itself is in it.
  expect(modules).toContain('src/cli/import/import-command.ts');
  const server = modules.filter(
    (m) =>
      ['src/main.ts', 'src/server.ts', 'src/services.ts', 'src/cli/runtime.ts', 'src/db/client.ts', 'src/config/env.ts', 'src/graphql/schema.ts'].includes(m) ||
      /^node_modules\/(type-graphql|@prisma\/client|@electric-sql\/pglite|pg|@apollo\/server|zod)\//.test(m),
  );
  expect(server).toEqual([]);
});
