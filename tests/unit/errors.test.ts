/**
 * One error type with codes: the domain error knows nothing of GraphQL, and the GraphQL layer turns it
 * into the same wire error as before (message, extensions.code and its extra fields), in production too.
 */
import { readFile } from 'node:fs/promises';
import { GraphQLError, locatedError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ErrorCode, UserError } from '../../src/errors.ts';
import { createFormatError } from '../../src/graphql/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { loadConfig } from '../../src/config/env.ts';

const logger = createLogger({ ...loadConfig({}), logLevel: 'silent' });

/** What graphql-js hands Apollo's formatError for an error a resolver threw. */
function asResolverError(err: Error) {
  const located = locatedError(err, undefined, ['customers']);
  return { formatted: located.toJSON(), error: located };
}

describe('UserError', () => {
  it('is a plain Error carrying a code and extensions, and errors.ts does not import graphql', async () => {
    const e = new UserError(ErrorCode.PAGE_SIZE_TOO_LARGE, '`first` may be at most 100', { max: 100 });
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(GraphQLError);
    expect(e.code).toBe('PAGE_SIZE_TOO_LARGE');
    expect(e.extensions).toEqual({ code: 'PAGE_SIZE_TOO_LARGE', max: 100 });
    const source = await readFile(new URL('../../src/errors.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from 'graphql'/);
  });

  it.each([false, true])('reaches clients with the same message, code and fields (production: %s)', (production) => {
    const format = createFormatError({ production, logger });
    const { formatted, error } = asResolverError(new UserError(ErrorCode.PAGE_SIZE_TOO_LARGE, '`first` may be at most 100', { max: 100 }));
    const out = format(formatted, error);
    expect(out.message).toBe('`first` may be at most 100');
    expect(out.path).toEqual(['customers']);
    expect(out.extensions).toEqual({ code: 'PAGE_SIZE_TOO_LARGE', max: 100 });
  });

  it('an unexpected error is still masked in production', () => {
    const format = createFormatError({ production: true, logger });
    const { formatted, error } = asResolverError(new Error('relation "customer" does not exist'));
    expect(format(formatted, error)).toEqual({ message: 'Internal server error', path: ['customers'], locations: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('the HTTP-only codes are error codes like the others', () => {
    for (const code of ['BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'METHOD_NOT_ALLOWED', 'UNSUPPORTED_MEDIA_TYPE']) expect(Object.values(ErrorCode)).toContain(code);
  });
});
