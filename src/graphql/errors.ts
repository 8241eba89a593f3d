/**
 * What clients see of an error, over HTTP (Apollo's formatError) and WebSocket (graphql-ws onNext and onError).
 * Every error carries extensions.code. A UserError (the domain's error, which knows nothing of
 * GraphQL) becomes a GraphQL error with its message, code and fields; errors the client caused keep
 * their message; anything else is logged in full and, in production, reaches the client only as
 * INTERNAL_SERVER_ERROR with a generic message and no stack.
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, UserError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { isTokenLimitError } from './limits.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';

export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable; retry later';

const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Apollo re-labels every validation error GRAPHQL_VALIDATION_FAILED and every parse error
 * GRAPHQL_PARSE_FAILED; a document over a limit (tokens, depth, cost, ...) is neither, and clients
 * should be able to tell "fix your query" from "make it smaller".
 */
function limitCode(formatted: GraphQLFormattedError, error: unknown): string | undefined {
  const original = (error as { originalError?: { extensions?: { code?: unknown } } } | null)?.originalError;
  if (original?.extensions?.code === ErrorCode.QUERY_TOO_COMPLEX || isTokenLimitError(formatted.message)) return ErrorCode.QUERY_TOO_COMPLEX;
  return undefined;
}

/**
 * graphql-js appends suggestions to many messages — field names (armor's blockFieldSuggestion masks
 * only those), argument names, enum values (in documents and in variables), type names. Each one
 * names a part of the schema, which is what turning introspection off is meant to hide.
 */
const SUGGESTION = /\s*Did you mean [^]*\?$/;
export const withoutSuggestions = (message: string): string => message.replace(SUGGESTION, '');

export function createFormatError(opts: { production: boolean; logger: Logger }) {
  const format = formatter(opts);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const out = format(formatted, error);
    return SUGGESTION.test(out.message) ? { ...out, message: withoutSuggestions(out.message) } : out;
  };
}

/** The UserError behind a GraphQL error (graphql-js and Apollo wrap what resolvers and plugins throw), if any. */
function userErrorOf(error: unknown): UserError | null {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { originalError?: unknown }).originalError, depth++) if (e instanceof UserError) return e;
  return null;
}

function formatter(opts: { production: boolean; logger: Logger }) {
  return (given: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const user = userErrorOf(error);
    const formatted = user ? { ...given, message: user.message, extensions: { ...given.extensions, ...user.extensions } } : given;
    const code = limitCode(formatted, error) ?? (formatted.extensions?.code as string | undefined) ?? ErrorCode.INTERNAL_SERVER_ERROR;
    if (CLIENT_CODES.has(code)) {
      if (!opts.production) return { ...formatted, extensions: { ...formatted.extensions, code } };
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, code } };
    }
    const original = unwrapResolverError(error);
    if (isDatabaseUnavailable(original)) {
      opts.logger.warn({ err: (original as Error)?.message, path: formatted.path }, 'database unavailable');
      return { message: DATABASE_UNAVAILABLE_MESSAGE, path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.DATABASE_UNAVAILABLE } };
    }
    opts.logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
    if (!opts.production) return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
