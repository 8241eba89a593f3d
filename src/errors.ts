/**
 * Every error code the API returns, in one place. Codes are stable: clients branch on them.
 * Expected failures travel as data (row errors in payloads); GraphQLError is thrown only for a whole
 * request that cannot be served (bad arguments, not found, auth) and for bugs.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  PAGE_SIZE_TOO_LARGE: 'PAGE_SIZE_TOO_LARGE',
  INVALID_CURSOR: 'INVALID_CURSOR',
  INVALID_EMAIL: 'INVALID_EMAIL',
  INVALID_PHONE: 'INVALID_PHONE',
  INVALID_IDENTITY: 'INVALID_IDENTITY',
  INVALID_DATE: 'INVALID_DATE',
  VALUE_TOO_LONG: 'VALUE_TOO_LONG',
  TRAITS_TOO_LARGE: 'TRAITS_TOO_LARGE',
  EXTERNAL_ID_CONFLICT: 'EXTERNAL_ID_CONFLICT',
  NOT_FOUND: 'NOT_FOUND',
  /** A CRM row names an erased person (a suppressed email, phone, user id or CRM record id). */
  SUPPRESSED: 'SUPPRESSED',
  /** A `since` older than the outbox keeps (OUTBOX_RETENTION_DAYS): resume from a newer seq or reload. */
  SINCE_EXPIRED: 'SINCE_EXPIRED',
  MERGE_CONFLICT: 'MERGE_CONFLICT',
  BAD_RULE: 'BAD_RULE',
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
  UNKNOWN_EXPERIMENT: 'UNKNOWN_EXPERIMENT',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  ALREADY_MERGED: 'ALREADY_MERGED',
  ALREADY_UNDONE: 'ALREADY_UNDONE',
  CUSTOMER_ERASED: 'CUSTOMER_ERASED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A request-level failure the client caused; safe to show as is, even in production. */
export class UserError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

export type Result<T, C extends string = ErrorCode> =
  | { ok: true; value: T }
  | { ok: false; code: C; message: string; field?: string };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <C extends string>(code: C, message: string, field?: string): Result<never, C> => ({
  ok: false,
  code,
  message,
  ...(field ? { field } : {}),
});
