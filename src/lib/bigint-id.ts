/** The largest PostgreSQL bigint: outbox seqs and queue ids are bigints. */
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/**
 * A decimal string a PostgreSQL bigint holds (0 to 2^63 − 1). Nineteen digits alone allow larger
 * values, which the database would refuse with its own error, an internal one to the client.
 */
export const isBigintId = (s: string): boolean => /^\d{1,19}$/.test(s) && BigInt(s) <= MAX_BIGINT;
