/**
 * vitest globalSetup: bundles the CLI (src/cli/index.ts) once per run into one ES module for the tests
 * that start it as a child process. The same esbuild that tsx uses does the same TypeScript transform,
 * but node loads a few files natively instead of each of several hundred modules through tsx's loader
 * hooks, which run on a second thread in Node 20: a server starts in about 4 s instead of 6 on a quiet
 * machine (more under load), `cdp import` in half the time, and the suite starts dozens. Dependencies stay external (node_modules, as under tsx). The bundle lives inside the
 * checkout so that its dependencies resolve and the files the server reads beside its code are found
 * (src/lib/project-root.ts). process.test.ts still starts bin/cdp.js itself, the entry point users run.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    cliBundle: string;
  }
}

const root = path.resolve(import.meta.dirname, '../..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cache = path.join(root, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  // A folder per run: two runs at once (a targeted run beside the full suite) keep their own bundle.
  const dir = await mkdtemp(path.join(cache, 'cdp-test-cli-'));
  await build({
    entryPoints: { cdp: path.join(root, 'src/cli/index.ts') },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // The CLI imports its commands lazily (`cdp import` loads none of the server): split chunks keep
    // that; one file would hoist every dependency's import to the top and load them all.
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node}`,
    tsconfig: path.join(root, 'tsconfig.json'),
    logLevel: 'warning',
  });
  project.provide('cliBundle', path.join(dir, 'cdp.mjs'));
  return () => rm(dir, { recursive: true, force: true });
}
