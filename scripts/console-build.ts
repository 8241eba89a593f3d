/**
 * Builds the console (console/ → console/dist) when its sources changed since the last build, then
 * writes gzip and brotli copies of every text asset so the server sends them without compressing
 * per request. `npm start` runs it first (prestart); the tests run it once (globalSetup).
 *
 *   tsx scripts/console-build.ts          build when stale
 *   tsx scripts/console-build.ts --force  build anyway
 *   tsx scripts/console-build.ts --size   print the Live page's first-load JavaScript, compressed
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const consoleDir = join(root, 'console');
export const distDir = join(consoleDir, 'dist');
const stampFile = join(distDir, '.build-stamp');
const TEXT = /\.(js|css|html|svg|json|map|txt)$/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return ['dist', 'node_modules', 'generated'].includes(e.name) ? [] : files(p);
    return [p];
  });
}

/** The console is always built for production: what the tests measure and drive is what users get. */
const MODE = 'production';

/** What the build reads: the console's sources, the schema its documents are typed by, the locked dependency versions (and the mode). */
function sourceHash(): string {
  const h = createHash('sha256');
  h.update(`mode=${MODE}`);
  for (const f of [...files(consoleDir), join(root, 'schema.graphql'), join(root, 'package-lock.json')].sort()) {
    h.update(relative(root, f));
    h.update(readFileSync(f));
  }
  return h.digest('hex');
}

export function isStale(): boolean {
  return !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== sourceHash();
}

function precompress() {
  for (const f of files(distDir)) {
    if (!TEXT.test(f)) continue;
    const body = readFileSync(f);
    writeFileSync(`${f}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(`${f}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  }
}

export async function buildConsole(opts: { force?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !isStale()) return false;
  const hash = sourceHash();
  // The typed documents are generated (not committed): a fresh clone has none before this.
  execFileSync(join(root, 'node_modules', '.bin', 'graphql-codegen'), ['--config', 'codegen.ts', '--silent'], { cwd: root, stdio: 'inherit' });
  const { build } = await import('vite');
  // Vite takes NODE_ENV over the mode when it is set: vitest sets it to "test", which would define
  // process.env.NODE_ENV as "test" in the bundle (React's development build in the Explorer chunk).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = MODE;
  try {
    await build({ configFile: join(consoleDir, 'vite.config.ts'), logLevel: 'warn', mode: MODE });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  precompress();
  writeFileSync(stampFile, hash);
  return true;
}

/**
 * The JavaScript a browser fetches to show the Live page: the entry module and the chunks it imports
 * statically (modulepreload links in index.html), not the lazily loaded pages.
 */
export function liveFirstLoad(): { files: { name: string; raw: number; gzip: number; brotli: number }[]; gzip: number; brotli: number } {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const names = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const list = [...new Set(names)].map((name) => {
    const p = join(distDir, name);
    return { name, raw: statSync(p).size, gzip: statSync(`${p}.gz`).size, brotli: statSync(`${p}.br`).size };
  });
  return { files: list, gzip: list.reduce((s, f) => s + f.gzip, 0), brotli: list.reduce((s, f) => s + f.brotli, 0) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  const built = await buildConsole({ force });
  if (built) console.log('console built into console/dist');
  if (process.argv.includes('--size')) console.log(JSON.stringify(liveFirstLoad(), null, 2));
}
