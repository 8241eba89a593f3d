/**
 * The checkout's root (the nearest folder above this file with a package.json), for the files the
 * server reads beside its code: migrations, models, the console build, the version. Found by walking
 * up rather than by a fixed number of `..`, so the code reads them from the same place whether it runs
 * from src/ under tsx or bundled into one file elsewhere in the checkout (the tests' CLI build).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(import.meta.dirname);
