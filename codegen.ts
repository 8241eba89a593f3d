import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for tests and clients: every operation in tests/documents/*.graphql becomes a
 * TypedDocumentNode whose result and variables types come from schema.graphql.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['tests/documents/*.graphql'],
  generates: {
    'tests/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTimeISO: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};
export default config;
