/**
 * Every error code the API returns, over GraphQL and plain HTTP, in one place. Codes are stable:
 * clients branch on them. Expected failures travel as data (row errors in payloads); UserError is
 * thrown only for a whole request that cannot be served (bad arguments, not found, auth). It knows
 * nothing of GraphQL: the GraphQL layer (graphql/errors.ts) and the HTTP routes write it in their
 * own formats, with the same code and fields.
 */

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
  /** An analytics `timezone` that is not an IANA zone name the database knows ("Europe/Paris", "UTC"). */
  UNKNOWN_TIMEZONE: 'UNKNOWN_TIMEZONE',
  /** A breakdown dimension that cannot be read: unknown attribute (`extensions.allowed`), missing or stray key, bad key path. */
  BAD_BREAKDOWN: 'BAD_BREAKDOWN',
  /** More breakdown dimensions than allowed (`extensions.max`). */
  TOO_MANY_BREAKDOWNS: 'TOO_MANY_BREAKDOWNS',
  /** A trend range cut into more buckets than allowed at its interval (`extensions.max`, `extensions.buckets`). */
  TOO_MANY_BUCKETS: 'TOO_MANY_BUCKETS',
  /** More trend series in one query than allowed (`extensions.max`). */
  TOO_MANY_SERIES: 'TOO_MANY_SERIES',
  /** An amount in a currency that has no exchange rate in effect on its date (setExchangeRates first). */
  NO_EXCHANGE_RATE: 'NO_EXCHANGE_RATE',
  /** `sentiment(language)` names a language no shipped model reads. */
  UNKNOWN_LANGUAGE: 'UNKNOWN_LANGUAGE',
  /** clusterCustomers or trainPropensity would read more customers than one run may (`extensions.max`). */
  TOO_MANY_CUSTOMERS: 'TOO_MANY_CUSTOMERS',
  /** Too few customers (or no positive and negative examples) to cluster or train and evaluate on. */
  NOT_ENOUGH_DATA: 'NOT_ENOUGH_DATA',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  ALREADY_MERGED: 'ALREADY_MERGED',
  ALREADY_UNDONE: 'ALREADY_UNDONE',
  /** The tag (or segment) is archived: it cannot be set, edited or evaluated any more. */
  ARCHIVED: 'ARCHIVED',
  /** A MANUAL tag cannot get a rule, nor a RULE tag lose it: the kind is fixed at creation. */
  TAG_KIND_FIXED: 'TAG_KIND_FIXED',
  CUSTOMER_ERASED: 'CUSTOMER_ERASED',
  /** A webhook URL that is not https, or whose host is (or resolves to) a private, loopback or link-local address not in WEBHOOK_ALLOWED_HOSTS. */
  WEBHOOK_URL_FORBIDDEN: 'WEBHOOK_URL_FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  // Plain HTTP: a request that never reached an operation.
  BAD_REQUEST: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * A request-level failure the client caused; safe to show as is, even in production. `extensions` is
 * what clients read beside the message: the code and any extra fields.
 */
export class UserError extends Error {
  readonly code: ErrorCode;
  readonly extensions: Readonly<{ code: ErrorCode } & Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.extensions = { code, ...extra };
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
