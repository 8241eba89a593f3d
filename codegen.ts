import type { CodegenConfig } from '@graphql-codegen/cli';

const scalars = { DateTimeISO: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' };

/**
 * Typed documents for tests and clients: every operation in tests/documents/*.graphql becomes a
 * TypedDocumentNode whose result and variables types come from schema.graphql. The console's
 * operations become typed strings instead: the browser then needs no GraphQL parser to send them.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'tests/generated/graphql.ts': {
      documents: ['tests/documents/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: { useTypeImports: true, enumsAsTypes: true, scalars },
    },
    'console/src/generated/graphql.ts': {
      documents: ['console/src/documents/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: { useTypeImports: true, enumsAsTypes: true, scalars, documentMode: 'string' },
    },
  },
};
export default config;
