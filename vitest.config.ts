import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './tests/sequencer.ts';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships ESM under "module" and CJS under "main" (no "exports"). Node — and so the
    // server under tsx and every dependency here (Apollo, type-graphql, graphql-ws, graphql-armor) —
    // loads the CJS build; Vite would hand our own files the ESM one, and graphql refuses a schema
    // or error class from "another realm". One graphql in tests, the same one as in production.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    // Once per run: a migrated PGlite snapshot for test servers, the CLI bundle for tests that start it
    // as a process, and the console's build (only when its sources changed) for the browser tests.
    globalSetup: ['tests/global-setup.ts', 'tests/helpers/cli-build.ts', 'tests/helpers/console-build.ts'],
    // Integration tests start servers and databases; a hang (e.g. a PGlite deadlock) fails fast.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // A worker runs file after file without importing the server again for each (the imports cost
    // several seconds of CPU per file). Files share no state: each starts its own servers on its own
    // databases; per-file clean-up is in tests/setup-file.ts.
    isolate: false,
    setupFiles: ['tests/setup-file.ts'],
    sequence: { sequencer: LongestFirstSequencer },
  },
});
