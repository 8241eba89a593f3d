/**
 * "The database is not there right now" — refused, reset, timed out, shutting down — as opposed to a
 * bug or a bad statement. Clients get DATABASE_UNAVAILABLE with 503 for these (retry later), not a
 * masked INTERNAL_SERVER_ERROR that reads like our fault.
 */
/** What every 503 DATABASE_UNAVAILABLE answer tells clients to wait before retrying. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const NODE_CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03']);
// "timeout expired" is pg's own connect timeout (client.js), matched whole: the phrase is generic.
const MESSAGES = /^timeout expired$|Can't reach database server|Connection terminated|connection timeout|timeout exceeded when trying to connect|Connection refused|the database system is (starting up|shutting down)|terminating connection due to administrator command|Client has encountered a connection error/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  // Walk the wrapping chain (GraphQL originalError, Prisma/adapter cause) a few levels deep.
  while (e && typeof e === 'object' && !seen.has(e) && seen.size < 6) {
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (PRISMA_CONNECTION_CODES.has(code) || NODE_CONNECTION_CODES.has(code))) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    e = (e as { originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
