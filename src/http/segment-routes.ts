/**
 * The Segment-compatible door: POST /v1/track, /identify, /page, /screen, /group, /alias (one event,
 * its type fixed by the path) and /v1/batch, authenticated with a write key the way Segment clients
 * send it (HTTP Basic, key as user name, empty password; or `writeKey` in the body). Handlers only
 * parse, authenticate and shape events; the ingestion service does everything else.
 *
 * Errors are `{ error: { code, message } }` with a stable code. Segment clients only look at the
 * status: 2xx delivered, 400/401/403/413 dropped, 5xx and 429 retried (messageIds make retries safe).
 */
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/unavailable.ts';
import { ErrorCode, UserError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { Access, allows } from '../modules/auth/access.ts';
import type { VerifiedKey } from '../modules/auth/api-key.service.ts';
import { dedupScopeOfKey, MAX_BATCH_BYTES, MAX_EVENT_BYTES, MAX_EVENTS_PER_CALL } from '../modules/ingestion/ingestion.model.ts';
import type { Services } from '../services.ts';
import type { AuthGate } from './auth-failures.ts';
import type { RateLimit } from './rate-limit.ts';

/** Path → the `type` every event sent to it carries. */
const SINGLE_EVENT_ROUTES = { track: 'track', identify: 'identify', page: 'page', screen: 'screen', group: 'group', alias: 'alias' } as const;

type JsonObject = Record<string, unknown>;
type SegmentRouterDeps = { services: Pick<Services, 'ingestion'>; gate: AuthGate; logger: Logger; rateLimit: RateLimit };

/** The status a request-level error answers with: the ones Segment clients act on, else 400 (dropped). */
const STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429 };
const statusOf = (code: ErrorCode): number => STATUS[code] ?? 400;

function sendError(res: Response, status: number, code: ErrorCode, message: string, extra: JsonObject = {}): void {
  if (status === 401) res.setHeader('www-authenticate', 'Basic realm="cdp", charset="UTF-8"');
  res.status(status).json({ error: { code, message, ...extra } });
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The write key from `Authorization: Basic base64(key:)`, else from the body; undefined when neither. */
export function writeKeyFrom(req: Request): string | undefined {
  const header = req.header('authorization');
  if (header !== undefined) {
    const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
    if (!m) return '';
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? decoded : decoded.slice(0, colon);
  }
  const body: unknown = req.body;
  return isObject(body) && typeof body.writeKey === 'string' ? body.writeKey : undefined;
}

/** Segment events in our pipeline's terms: the secret write key never travels with a stored payload. */
function withoutWriteKey(event: JsonObject): JsonObject {
  if (!('writeKey' in event)) return event;
  const { writeKey: _secret, ...rest } = event;
  return rest;
}

/** Batch-level sentAt fills in for events without one; batch context and integrations are merged under each event's own. */
export function eventsFromBatch(body: JsonObject): unknown[] {
  const batch = body.batch as unknown[];
  const { sentAt, context, integrations } = body;
  return batch.map((raw) => {
    if (!isObject(raw)) return raw; // the pipeline quarantines it with its reason
    const event = withoutWriteKey(raw);
    return {
      ...event,
      ...(event.sentAt == null && sentAt != null ? { sentAt } : {}),
      ...(isObject(context) ? { context: isObject(event.context) ? { ...context, ...event.context } : (event.context ?? context) } : {}),
      ...(isObject(integrations) ? { integrations: isObject(event.integrations) ? { ...integrations, ...event.integrations } : (event.integrations ?? integrations) } : {}),
    };
  });
}

export function createSegmentRouter(deps: SegmentRouterDeps): Router {
  const log = deps.logger.child({ module: 'segment-http' });
  const router = Router();

  // Any content type is read as JSON (some clients send text/plain); gzip/deflate bodies are inflated,
  // and the limit applies to the inflated size.
  const json = (limit: number) => express.json({ limit, type: () => true, strict: false });

  const tooManyFailures = (res: Response, retryAfterSeconds: number) => {
    res.setHeader('retry-after', String(retryAfterSeconds));
    return new UserError(ErrorCode.RATE_LIMITED, `too many failed authentications from this address; retry in ${retryAfterSeconds} s`);
  };
  const check = async (req: Request, res: Response, key: string | undefined) => {
    const auth = await deps.gate.authenticate(req.socket.remoteAddress, key);
    if (!auth.ok && auth.reason === 'limited') throw tooManyFailures(res, auth.retryAfterSeconds);
    if (!key) throw new UserError(ErrorCode.UNAUTHENTICATED, 'send the write key as the HTTP Basic user name (empty password), or as "writeKey" in the body');
    if (!auth.ok) throw new UserError(ErrorCode.UNAUTHENTICATED, 'unknown or revoked write key');
    const verified = auth.key;
    if (!allows(Access.INGEST, verified.role)) throw new UserError(ErrorCode.FORBIDDEN, `a ${verified.role} key cannot send events; use a WRITER key`);
    const waitMs = await deps.rateLimit.take(verified.id);
    if (waitMs !== null) {
      res.setHeader('retry-after', String(Math.ceil(waitMs / 1000)));
      throw new UserError(ErrorCode.RATE_LIMITED, `rate limit of this key reached; retry in ${Math.ceil(waitMs / 1000)} s`);
    }
    res.locals.apiKey = verified;
  };
  // With an Authorization header the key is checked before the body is read, so a stranger cannot
  // make us parse 500 KB; a key in the body can only be checked after (but an address over its
  // budget of failed authentications is refused before).
  const authenticateHeader: RequestHandler = async (req, res, next) => {
    if (req.header('authorization') === undefined) {
      const wait = await deps.gate.blockedFor(req.socket.remoteAddress);
      if (wait !== null) throw tooManyFailures(res, wait);
      return next();
    }
    await check(req, res, writeKeyFrom(req));
    next();
  };
  const authenticateBody: RequestHandler = async (req, res, next) => {
    if (!res.locals.apiKey) await check(req, res, writeKeyFrom(req));
    next();
  };
  const door = (limit: number) => [authenticateHeader, json(limit), authenticateBody];

  const ingest = async (res: Response, events: unknown[]) => {
    const key = res.locals.apiKey as VerifiedKey;
    const outcome = await deps.services.ingestion.ingest(events, { source: dedupScopeOfKey(key.id), receivedAt: new Date() });
    const { accepted, duplicates, quarantined, dropped } = outcome;
    res.status(200).json({ success: true, accepted, duplicates, quarantined, dropped });
  };

  for (const [path, type] of Object.entries(SINGLE_EVENT_ROUTES)) {
    router.post(`/${path}`, ...door(MAX_EVENT_BYTES), async (req, res) => {
      const body: unknown = req.body;
      if (!isObject(body)) throw new UserError(ErrorCode.BAD_REQUEST, 'the body must be a JSON object (one event)');
      await ingest(res, [{ ...withoutWriteKey(body), type }]);
    });
  }

  router.post('/batch', ...door(MAX_BATCH_BYTES), async (req, res) => {
    const body: unknown = req.body;
    if (!isObject(body) || !Array.isArray(body.batch)) throw new UserError(ErrorCode.BAD_REQUEST, 'the body must be a JSON object with a "batch" array of events');
    if (body.batch.length > MAX_EVENTS_PER_CALL) {
      throw new UserError(ErrorCode.BATCH_TOO_LARGE, `a batch holds at most ${MAX_EVENTS_PER_CALL} events; got ${body.batch.length}`, { max: MAX_EVENTS_PER_CALL });
    }
    await ingest(res, eventsFromBatch(body));
  });

  const paths = [...Object.keys(SINGLE_EVENT_ROUTES), 'batch'].map((p) => `/${p}`);
  router.all(paths, (req, res) => {
    res.setHeader('allow', 'POST');
    sendError(res, 405, ErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed here; use POST`);
  });
  router.use((req, res) => sendError(res, 404, ErrorCode.NOT_FOUND, `no such endpoint: ${req.method} ${req.baseUrl}${req.path}`));

  // Every failure, from the body parser included, is JSON with a code.
  router.use(((err, _req, res, next) => {
    if (res.headersSent) return next(err);
    // Refusals from the handlers above and request-level errors from the service keep their code.
    if (err instanceof UserError) {
      const { code, ...extra } = err.extensions;
      return sendError(res, statusOf(code), code, err.message, extra);
    }
    const e = err as { status?: number; type?: string; limit?: number; message?: string };
    if (e.type === 'entity.too.large') {
      return sendError(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, `the body is over the ${e.limit}-byte limit (${MAX_EVENT_BYTES} bytes for one event, ${MAX_BATCH_BYTES} for a batch)`, { limit: e.limit });
    }
    if (e.type === 'entity.parse.failed') return sendError(res, 400, ErrorCode.BAD_REQUEST, `malformed JSON: ${e.message}`);
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return sendError(res, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, e.message ?? 'unsupported encoding');
    const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 500;
    if (status < 500) return sendError(res, status, ErrorCode.BAD_REQUEST, e.message ?? 'bad request');
    if (isDatabaseUnavailable(err)) {
      res.setHeader('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return sendError(res, 503, ErrorCode.DATABASE_UNAVAILABLE, 'the database is unavailable; retry later (messageIds make the retry safe)');
    }
    log.error({ err, requestId: res.locals.requestId }, 'segment ingestion failed');
    return sendError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'internal error; retry later');
  }) as ErrorRequestHandler);

  return router;
}
