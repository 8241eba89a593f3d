/**
 * Authentication in front of /graphql: `Authorization: Bearer <key>`, checked before the body is
 * even parsed, so anonymous traffic costs one header read. No key, a malformed header, an unknown or
 * revoked key → 401; an address over its budget of failed authentications, or a key over its rate →
 * 429 with Retry-After. The key then rides in res.locals.
 */
import type { RequestHandler, Response } from 'express';
import { ErrorCode } from '../errors.ts';
import type { Principal } from '../graphql/context.ts';
import type { AuthGate } from './auth-failures.ts';
import type { RateLimit } from './rate-limit.ts';

/** The key from `Bearer <key>`; undefined when there is no such header, '' when it is malformed. */
export function bearerKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : '';
}

export function sendGraphqlError(res: Response, status: number, code: ErrorCode, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

export function requireApiKey(deps: { gate: AuthGate; rateLimit: RateLimit }): RequestHandler {
  return async (req, res, next) => {
    const secret = bearerKey(req.header('authorization'));
    const auth = await deps.gate.authenticate(req.socket.remoteAddress, secret);
    if (!auth.ok && auth.reason === 'limited') {
      res.setHeader('retry-after', String(auth.retryAfterSeconds));
      return sendGraphqlError(res, 429, ErrorCode.RATE_LIMITED, `too many failed authentications from this address; retry in ${auth.retryAfterSeconds} s`);
    }
    if (!secret) {
      res.setHeader('www-authenticate', 'Bearer realm="cdp"');
      return sendGraphqlError(res, 401, ErrorCode.UNAUTHENTICATED, secret === undefined ? 'send an API key: Authorization: Bearer <key>' : 'malformed Authorization header; expected Bearer <key>');
    }
    if (!auth.ok) {
      res.setHeader('www-authenticate', 'Bearer realm="cdp", error="invalid_token"');
      return sendGraphqlError(res, 401, ErrorCode.UNAUTHENTICATED, 'unknown or revoked API key');
    }
    const key = auth.key;
    const waitMs = await deps.rateLimit.take(key.id);
    if (waitMs !== null) {
      res.setHeader('retry-after', String(Math.ceil(waitMs / 1000)));
      return sendGraphqlError(res, 429, ErrorCode.RATE_LIMITED, `rate limit of this key reached; retry in ${Math.ceil(waitMs / 1000)} s`);
    }
    res.locals.auth = { ...key, keyHash: auth.keyHash } satisfies Principal;
    next();
  };
}
