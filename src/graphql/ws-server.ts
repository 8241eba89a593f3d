/**
 * graphql-ws on /graphql: the key comes in connectionParams (`{ authorization: "Bearer <key>" }` or
 * `{ apiKey: "<key>" }`) and is checked on connect: none or unknown → close 4401, a role that may not
 * read (WRITER) → 4403, an address over its budget of failed authentications → 4429. Every subscribe message spends the key's rate budget (over it → 4429) and
 * goes through the same document limits as HTTP. Each operation gets a fresh context (loaders); a live
 * event is executed once per cohort of like subscriptions (cohort-subscribe.ts), and the messages a
 * turn of the event loop sends on one socket go out in one write (ws-batched-writes.ts).
 */
import type http from 'node:http';
import { GraphQLError, getOperationAST, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { Access, allows } from '../modules/auth/access.ts';
import type { AuthGate } from '../http/auth-failures.ts';
import type { RateLimit } from '../http/rate-limit.ts';
import type { Metrics } from '../http/metrics.ts';
import { bearerKey } from '../http/api-key-auth.ts';
import { cohortSubscribe, joinCohort } from './cohort-subscribe.ts';
import { batchWritesPerTurn } from './ws-batched-writes.ts';
import { createContext, type ContextDeps, type Principal } from './context.ts';
import type { QueryGuards } from './limits.ts';
import { findUnstorableArgument, unstorableArgumentError } from './storable-arguments.ts';
import { WS_CLOSE_FORBIDDEN } from './subscription-guard.ts';

const WS_CLOSE_UNAUTHORIZED = 4401;
const WS_CLOSE_TOO_MANY = 4429;
/** Largest message a client may send (a subscribe document with variables). */
export const MAX_WS_MESSAGE_BYTES = 256 * 1024;

type Extra = {
  socket: WebSocket;
  request: http.IncomingMessage;
  auth?: Principal;
};

/** `authorization: "Bearer <key>"` (as on HTTP) or `apiKey: "<key>"`; '' when present but malformed. */
function keyFromParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const auth = params.authorization ?? params.Authorization;
  if (typeof auth === 'string') return bearerKey(auth);
  if (typeof params.apiKey === 'string') return params.apiKey;
  return undefined;
}

/**
 * Apollo labels the validation errors it answers over HTTP; graphql-js leaves them without a code,
 * which the formatter would take for an internal error (and mask in production).
 */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, originalError: error.originalError, extensions: { ...error.extensions, code } });
}

export function startWsServer(opts: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  deps: ContextDeps;
  gate: AuthGate;
  rateLimit: RateLimit;
  guards: QueryGuards;
  metrics: Metrics;
  logger: Logger;
  /** The same error formatting as HTTP (codes, UserError mapping, production masking). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}) {
  const log = opts.logger.child({ module: 'graphql-ws' });
  /**
   * Parse, validate (the same limits as HTTP) and check arguments for unstorable text, as Apollo does
   * over HTTP; returning the arguments tells graphql-ws not to parse and validate again.
   */
  const operationArgs = (payload: SubscribePayload): ExecutionArgs | readonly GraphQLError[] => {
    // A parse failure throws, as graphql-ws's own parse would (same handling as before this hook).
    const document = opts.guards.parse(payload.query);
    const invalid = opts.guards.validate(opts.schema, document);
    if (invalid.length > 0) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
    // graphql-ws would refuse this itself, with no code, which onError would then mask as internal.
    if (!getOperationAST(document, payload.operationName))
      return [new GraphQLError('Unable to identify operation', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
    const unstorable = findUnstorableArgument(opts.schema, document, payload.variables);
    if (unstorable) return [unstorableArgumentError(unstorable)];
    return { schema: opts.schema, document, operationName: payload.operationName, variableValues: payload.variables };
  };
  /** Every error sent to a client goes through the same formatting as HTTP (codes, UserError mapping, production masking). */
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => opts.formatError(e.toJSON(), e));
  const wsServer = new WebSocketServer({ server: opts.httpServer, path: '/graphql', maxPayload: MAX_WS_MESSAGE_BYTES });
  wsServer.on('connection', batchWritesPerTurn);
  const cleanup = useServer<Record<string, unknown>, Extra>(
    {
      schema: opts.schema,
      parse: opts.guards.parse,
      validate: opts.guards.validate,
      subscribe: cohortSubscribe,
      onConnect: async (ctx) => {
        const secret = keyFromParams(ctx.connectionParams);
        const auth = await opts.gate.authenticate(ctx.extra.request.socket.remoteAddress, secret);
        if (!auth.ok && auth.reason === 'limited') {
          ctx.extra.socket.close(WS_CLOSE_TOO_MANY, `Too many failed authentications from this address: retry in ${auth.retryAfterSeconds} s`);
          return false;
        }
        if (!auth.ok) {
          ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, 'Unauthorized: send connectionParams { authorization: "Bearer <key>" }');
          return false;
        }
        const { key, keyHash } = auth;
        if (!allows(Access.READ, key.role)) {
          log.info({ apiKeyId: key.id, role: key.role }, 'websocket refused for role');
          ctx.extra.socket.close(WS_CLOSE_FORBIDDEN, `Forbidden: a ${key.role} key cannot subscribe`);
          return false;
        }
        ctx.extra.auth = { ...key, keyHash };
        opts.metrics.wsConnections.inc();
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const waitMs = await opts.rateLimit.take(ctx.extra.auth!.id);
        if (waitMs === null) {
          const args = operationArgs(payload);
          return Array.isArray(args) ? args : joinCohort(args as ExecutionArgs, payload, ctx.extra.auth!.role);
        }
        const message = `Too many requests: retry in ${Math.ceil(waitMs / 1000)} s`;
        ctx.extra.socket.close(WS_CLOSE_TOO_MANY, message);
        return [new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED } })];
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        // graphql-ws sends what this returns; formatted errors are plain JSON, as over HTTP.
        return { ...result, errors: format(result.errors) as unknown as GraphQLError[] };
      },
      // The error message: what onSubscribe refused, and what a stream throws once it has started
      // (the membership feed failing a replay, say), which graphql-ws would otherwise send raw.
      onError: (_ctx, _id, _payload, errors) => format(errors),
      context: (ctx) =>
        createContext(opts.deps, ctx.extra.auth!, { closeConnection: (code, reason) => ctx.extra.socket.close(code, reason) }),
    },
    wsServer,
  );
  let closing: Promise<void> | undefined;
  return {
    /** Idempotent: Apollo's drain and the server's stop both call it. */
    close() {
      closing ??= (async () => {
        await cleanup.dispose();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      })();
      return closing;
    },
  };
}
