/**
 * Builds and starts one server: HTTP (express 5 + Apollo Server 5) and graphql-ws on the same
 * /graphql path, over a database that is already migrated. Stopping happens in reverse order.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express from 'express';
import type { Config } from './config/env.ts';
import type { Database } from './db/client.ts';
import { createContext, type Context, type Principal } from './graphql/context.ts';
import { createFormatError, DATABASE_UNAVAILABLE_MESSAGE } from './graphql/errors.ts';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './db/unavailable.ts';
import { ErrorCode } from './errors.ts';
import { createQueryGuards } from './graphql/limits.ts';
import { buildAppSchema } from './graphql/schema.ts';
import { startWsServer } from './graphql/ws-server.ts';
import { storableArgumentsPlugin } from './graphql/storable-arguments.ts';
import { requireApiKey, sendGraphqlError } from './http/api-key-auth.ts';
import { createHttpApp, MAX_GRAPHQL_BODY } from './http/app.ts';
import { consoleStatic } from './http/console-static.ts';
import { createAuthGate } from './http/auth-failures.ts';
import { createLimiterStore } from './http/limiter-store.ts';
import { createRateLimit } from './http/rate-limit.ts';
import { createMetrics, rootFieldLabels, type Metrics } from './http/metrics.ts';
import { createSegmentRouter } from './http/segment-routes.ts';
import type { Logger } from './logger.ts';
import { channelPrefix } from './pubsub/channel-prefix.ts';
import { createPubSub } from './pubsub/pubsub.ts';
import { createServices, type Services } from './services.ts';
import { startSegmentScheduler } from './modules/segments/segment.scheduler.ts';
import { startRfmRefresher } from './modules/analytics/rfm.refresher.ts';
import { startAlertChecker } from './modules/alerts/alert.checker.ts';
import { startOutboxPruner } from './modules/segments/outbox.pruner.ts';
import { startPartitionMaintainer } from './modules/system/partition.maintainer.ts';
import { startLeaderElection } from './db/leader.ts';
import { WebhookWorker } from './modules/webhooks/webhook.worker.ts';
import { Topic, type MembershipChangedPayload } from './pubsub/topics.ts';

export interface RunningServer {
  url: string;
  wsUrl: string;
  /** The operator console (the browser app). */
  consoleUrl: string;
  port: number;
  services: Services;
  /** The listening HTTP server (its timeouts are part of the deployment's contract with a load balancer). */
  httpServer: http.Server;
  stop(): Promise<void>;
}

/** A request that failed only because the database is away answers 503 + Retry-After: clients retry. */
const databaseUnavailablePlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const { data, errors } = response.body.singleResult;
        if (data == null && errors?.some((e) => e.extensions?.code === ErrorCode.DATABASE_UNAVAILABLE)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        }
      },
    };
  },
};

function metricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ schema, document, operation, errors }) {
          const type = operation?.operation ?? 'unknown';
          const outcome = errors?.length ? 'error' : 'ok';
          for (const field of rootFieldLabels(schema, document, operation)) metrics.graphqlOperations.inc({ type, field, outcome });
        },
      };
    },
  };
}

/** How long a start waits for the rate limiter's Redis connection; past it, limits count in memory until it is up. */
const LIMITER_READY_WAIT_MS = 2_000;

export async function startServer(opts: { config: Config; db: Database; logger: Logger; clock?: () => Date }): Promise<RunningServer> {
  const { config, db, logger } = opts;
  const metrics = createMetrics();
  const pubsub = createPubSub({
    redisUrl: config.redisUrl,
    logger,
    channelPrefix: channelPrefix(config.database),
    observe: (topic, payload) => {
      if (topic === Topic.MEMBERSHIP_CHANGED) metrics.membershipPublishChanges.observe((payload as MembershipChangedPayload).changes.length);
    },
  });
  const services = createServices({ db, config, logger, pubsub, clock: opts.clock });
  // Every process makes the months ahead before it serves (idempotent, under a lock), so writes land in
  // month partitions even before the first daily run. A failure is not fatal: DEFAULT takes the rows.
  await services.partitions.ensureMonths().catch((err: unknown) => logger.error({ err }, 'could not create partitions ahead'));
  // Amounts the 0013 migration left waiting that this base currency (or a stored rate) can convert.
  await services.currency.convertPending();
  // Recurring jobs run in the leader process only (one per database).
  const leadership = startLeaderElection(db, { intervalMs: config.leaderElectionMs, logger, onChange: (leader) => metrics.leader.set(leader ? 1 : 0) });
  metrics.leader.set(leadership.isLeader ? 1 : 0);
  const jobs = { when: () => leadership.isLeader, onRun: (job: string) => metrics.recurringRuns.inc({ job }) };
  for (const job of ['segment-scheduler', 'alert-checker', 'outbox-pruner', 'rfm-refresher', 'partition-maintainer']) metrics.recurringRuns.inc({ job }, 0);
  services.audit.onFailure(() => metrics.auditWriteFailures.inc());
  const scheduler = startSegmentScheduler(services.segments, { intervalMs: config.segmentRecheckMs, logger, ...jobs });
  const rfmRefresher = startRfmRefresher(services.rfm, { intervalMs: config.rfmRefreshMs, logger, ...jobs });
  const alertChecker = startAlertChecker(services.alerts, { intervalMs: config.alerts.checkMs, logger, ...jobs });
  const outboxPruner = startOutboxPruner(services.segments, { intervalMs: config.outbox.pruneMs, logger, ...jobs });
  const partitionMaintainer = startPartitionMaintainer(services.partitions, { intervalMs: config.partitions.maintainMs, logger, ...jobs });
  // Webhook delivery runs in every process: the database hands each item to one of them.
  const webhookWorker = new WebhookWorker(services.webhooks, {
    db,
    logger,
    pubsub,
    observe: (o) => {
      const destination = o.destinationId;
      for (const [outcome, n] of [['delivered', o.delivered], ['retried', o.retried], ['failed', o.failed], ['dead_lettered', o.dead]] as const)
        if (n) metrics.webhookDeliveries.inc({ destination, outcome }, n);
      if (o.latencyMs !== null) metrics.webhookLatency.observe({ destination }, o.latencyMs / 1000);
    },
    raiseFailing: async (dest, details) => {
      await services.alerts.raise({ kind: 'WEBHOOK_FAILING', key: `WEBHOOK_FAILING:${dest.id}:${new Date().toISOString()}`, details });
    },
  });
  services.webhooks.onRemoved((destination) => {
    for (const outcome of ['delivered', 'retried', 'failed', 'dead_lettered']) metrics.webhookDeliveries.remove({ destination, outcome });
    metrics.webhookLatency.remove({ destination });
  });
  await webhookWorker.start();
  const schema = await buildAppSchema(pubsub);
  const deps = { db, logger, services, pubsub };

  const limiterStore = createLimiterStore({ redisUrl: config.redisUrl, prefix: channelPrefix(config.database), logger });
  await limiterStore.ready(LIMITER_READY_WAIT_MS);
  const rateLimit = createRateLimit(config.security.rateLimitPerMinute, limiterStore);
  const gate = createAuthGate({ apiKeys: services.apiKeys, failuresPerMinute: config.security.authFailuresPerMinute, store: limiterStore });
  const guards = createQueryGuards(config.security.limits);
  let stopping: Promise<void> | undefined;
  const app = createHttpApp({ db, logger, metrics, gate, metricsPublic: config.security.metricsPublic, accepting: () => !stopping });
  const httpServer = http.createServer(app);
  httpServer.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  httpServer.headersTimeout = config.http.headersTimeoutMs;
  const formatError = createFormatError({ production: config.production, logger });
  const ws = startWsServer({ httpServer, schema, deps, gate, rateLimit, guards, metrics, logger, formatError });

  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: !config.production,
    introspection: !config.production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGINT/SIGTERM. Apollo's own handler (on outside NODE_ENV=test) re-raised the signal
    // after stopping, which main.ts took for an operator's second signal and exited 1.
    stopOnTerminationSignals: false,
    validationRules: guards.apollo.validationRules,
    parseOptions: guards.apollo.parseOptions,
    plugins: [
      // Draining closes idle keep-alive connections at once (their timer may run for minutes) and, after the
      // grace period, cuts the requests still running.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      { async serverWillStart() { return { async drainServer() { await ws.close(); } }; } },
      metricsPlugin(metrics),
      databaseUnavailablePlugin,
      storableArgumentsPlugin,
      ...guards.apollo.plugins,
    ],
    logger: logger.child({ module: 'apollo' }),
  });
  await apollo.start();

  // The Segment-compatible tracking door (write keys); its own JSON errors, its own body limits.
  app.use('/v1', createSegmentRouter({ services, gate, logger, rateLimit }));
  app.use(
    '/graphql',
    requireApiKey({ gate, rateLimit }),
    express.json({ limit: MAX_GRAPHQL_BODY }),
    expressMiddleware(apollo, {
      context: async ({ res }) => createContext(deps, res.locals.auth as Principal, { requestId: res.locals.requestId as string }),
    }),
  );
  // The operator console: every other GET is the browser app (after the API routes, so they win).
  app.use(consoleStatic());
  // Malformed JSON and oversized bodies get a JSON error with a code, not an HTML page.
  app.use(((err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (isDatabaseUnavailable(err)) {
      res.setHeader('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return sendGraphqlError(res, 503, ErrorCode.DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE);
    }
    const status = (err as { status?: number }).status ?? 500;
    const code = status === 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status < 500 ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL_SERVER_ERROR;
    if (status >= 500) logger.error({ err }, 'unhandled http error');
    sendGraphqlError(res, status, code, status < 500 ? (err as Error).message : 'Internal server error');
  }) as express.ErrorRequestHandler);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  return {
    url: `http://${host}:${port}/graphql`,
    consoleUrl: `http://${host}:${port}/`,
    wsUrl: `ws://${host}:${port}/graphql`,
    port,
    services,
    httpServer,
    stop() {
      stopping ??= (async () => {
        if (config.shutdownUnreadyMs > 0) await new Promise((r) => setTimeout(r, config.shutdownUnreadyMs));
        await webhookWorker.stop();
        await scheduler.stop();
        await alertChecker.stop();
        await rfmRefresher.stop();
        await outboxPruner.stop();
        await partitionMaintainer.stop();
        await leadership.stop();
        await apollo.stop(); // stops accepting, drains HTTP, closes graphql-ws
        await services.feed.close();
        await ws.close();
        await pubsub.close();
        await limiterStore.close();
      })();
      return stopping;
    },
  };
}
