// Lint runs in `npm test`. Besides typescript-eslint's recommended rules it enforces the layout
// (lint/layers.js): thin resolvers, SQL only in repositories, modules talk through services.
import tseslint from 'typescript-eslint';
import layers from './lint/layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', 'tests/generated/', 'coverage/', '.cdp/', 'bench/results/', 'console/dist/', 'console/src/generated/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { layers },
    rules: {
      'layers/boundaries': 'error',
      // Unused arguments are how type-graphql and express signatures are written (`_root`, `_next`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config reads the environment.' }],
    },
  },
);
