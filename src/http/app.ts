/**
 * The HTTP side: request ids and access logs, /healthz, /metrics, and GraphQL at /graphql.
 */
import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import type { Database } from '../db/client.ts';
import { ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { Access, allows } from '../modules/auth/access.ts';
import { bearerKey, sendGraphqlError } from './api-key-auth.ts';
import type { AuthGate } from './auth-failures.ts';
import type { Metrics } from './metrics.ts';

export const MAX_GRAPHQL_BODY = '1mb';

export function requestIds(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const header = req.header('x-request-id');
    const requestId = header && /^[\w.-]{1,128}$/.test(header) ? header : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      // The matched route pattern, never the raw path: label values must stay few.
      const route = req.route ? `${req.baseUrl}${req.route.path}` : req.baseUrl || 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status: res.statusCode }, seconds);
      logger.info({ requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * /metrics tells a stranger how busy we are and which operations run; it stays open to scrapers on
 * the same host (loopback), to everyone with METRICS_PUBLIC=true, and otherwise needs an OPERATOR or
 * ADMIN key. /healthz is always open: load balancers probe it without credentials.
 */
export function metricsAccess(deps: { gate: AuthGate; metricsPublic: boolean }): RequestHandler {
  return async (req, res, next) => {
    if (deps.metricsPublic || LOOPBACK.has(req.socket.remoteAddress ?? '')) return next();
    const auth = await deps.gate.authenticate(req.socket.remoteAddress, bearerKey(req.header('authorization')));
    if (!auth.ok && auth.reason === 'limited') {
      res.setHeader('retry-after', String(auth.retryAfterSeconds));
      return sendGraphqlError(res, 429, ErrorCode.RATE_LIMITED, `too many failed authentications from this address; retry in ${auth.retryAfterSeconds} s`);
    }
    if (!auth.ok) return sendGraphqlError(res, 401, ErrorCode.UNAUTHENTICATED, 'metrics need an OPERATOR or ADMIN key off the loopback');
    const { key } = auth;
    if (!allows(Access.OPERATE, key.role)) return sendGraphqlError(res, 403, ErrorCode.FORBIDDEN, 'metrics need an OPERATOR or ADMIN key');
    next();
  };
}

export function createHttpApp(deps: {
  db: Database;
  logger: Logger;
  metrics: Metrics;
  gate: AuthGate;
  metricsPublic: boolean;
  /** False once the process has begun to stop. */
  accepting: () => boolean;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestIds(deps.logger, deps.metrics));

  app.get('/healthz', async (_req, res) => {
    const up = await deps.db.ping();
    res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'unavailable', database: up ? 'up' : 'down' });
  });

  // Readiness, for an orchestrator's rotation: no while stopping (or the database is down). A process
  // that is migrating has not opened its port yet, so it is not ready either.
  app.get('/readyz', async (_req, res) => {
    if (!deps.accepting()) return void res.status(503).json({ status: 'draining' });
    const up = await deps.db.ping();
    res.status(up ? 200 : 503).json({ status: up ? 'ready' : 'unavailable', database: up ? 'up' : 'down' });
  });

  app.get('/metrics', metricsAccess(deps), async (_req, res) => {
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  return app;
}
