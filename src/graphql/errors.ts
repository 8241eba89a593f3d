/**
 * What clients see of an error. Every error carries extensions.code. Errors the client caused keep
 * their message; anything else is logged in full and, in production, reaches the client only as
 * INTERNAL_SERVER_ERROR with a generic message and no stack.
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';

const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export function createFormatError(opts: { production: boolean; logger: Logger }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = (formatted.extensions?.code as string | undefined) ?? ErrorCode.INTERNAL_SERVER_ERROR;
    if (CLIENT_CODES.has(code)) {
      if (!opts.production) return { ...formatted, extensions: { ...formatted.extensions, code } };
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, code } };
    }
    const original = unwrapResolverError(error);
    opts.logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
    if (!opts.production) return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
