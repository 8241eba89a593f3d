/**
 * Runs before every test file. Workers are reused across files (isolate: false in vitest.config.ts),
 * so module-level hooks would run for the first file only: per-file clean-up is registered here.
 */
import { afterAll } from 'vitest';
import { killChildren } from './helpers/cli-process.ts';

afterAll(killChildren);
