import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console: a Preact single-page app served by the CDP server itself (src/http/console-static.ts).
 * Pages other than Live are separate chunks, and ECharts and GraphiQL (with React) load only on the
 * pages that draw or explore, so the Live page's first load stays small.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      // GraphiQL's React dependencies carry "use client" directives, meaningless outside a React server.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
