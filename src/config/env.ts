/**
 * The only reader of process.env. Every setting is parsed once with zod; all problems are reported
 * together so a misconfigured deployment fails fast with one clear message.
 */
import path from 'node:path';
import { z } from 'zod';
import { IdentityType } from '../generated/prisma/enums.ts';
import { DEFAULT_STAGE_MAP, STAGES, type Stage } from './stage-map.ts';

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);

const EnvModel = z.object({
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(4000)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  DATABASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  CDP_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./.cdp/data')),
  REDIS_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^rediss?$/ }).optional()),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('development')),
  DEFAULT_PHONE_REGION: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as US or CN').default('US'),
  ),
  // The currency every stored amount is converted to (docs/analytics.md#money-in-several-currencies).
  BASE_CURRENCY: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD or CNY').default('USD')),
  SHUTDOWN_GRACE_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(10_000)),
  // On stop, /readyz answers 503 this long before the server stops accepting: a load balancer probing
  // readiness takes the process out of rotation first, so no new request meets a closed port.
  SHUTDOWN_UNREADY_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(300_000).default(0)),
  // Idle keep-alive connections stay open longer than a load balancer's idle timeout (60 s on the
  // usual ones): a server that closes first races the balancer reusing the socket, and that request fails.
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1_000).max(290_000).default(65_000)),
  // Above the keep-alive timeout (else a reused connection can be cut while its next request's headers
  // arrive), and at most Node's 300 s request timeout.
  HTTP_HEADERS_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1_000).max(300_000).default(66_000)),
  // Identity values that never link anything: junk that clients send when they have no real id.
  BLOCKED_IDENTITY_VALUES: z.preprocess(
    emptyToUndefined,
    z.string().default('null,undefined,none,nil,0,-1,anonymous,unknown,guest,test,test@test.com,test@example.com,[object object],00000000-0000-0000-0000-000000000000'),
  ),
  // Most identities of one type a customer may hold, e.g. "USER_ID=1,EMAIL=5". A merge that would
  // break a cap is refused and recorded as a conflict.
  IDENTITY_CAPS: z.preprocess(emptyToUndefined, z.string().regex(/^([A-Z_]+=\d+)(,[A-Z_]+=\d+)*$/, 'TYPE=N,TYPE=N').default('USER_ID=1')),
  MERGE_WINNER: z.preprocess(emptyToUndefined, z.enum(['user_id_then_oldest', 'oldest']).default('user_id_then_oldest')),
  // Extra or overriding event → lifecycle stage entries, as JSON: {"Trial Started": "CONSIDERATION"}.
  STAGE_MAP: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('{}')
      .transform((s, ctx) => {
        try {
          return z.record(z.string(), z.enum(STAGES)).parse(JSON.parse(s));
        } catch {
          ctx.addIssue({ code: 'custom', message: `a JSON object of event name → one of ${STAGES.join(', ')}` });
          return z.NEVER;
        }
      }),
  ),
  // How often segments whose rules depend on time are re-checked (members leave when a window passes).
  SEGMENT_RECHECK_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(3_600_000).default(20_000)),
  // How often the RFM cut points that profile tiers and rfmTier rules score against are retaken.
  RFM_REFRESH_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(86_400_000).default(300_000)),
  // Membership changes older than this are pruned from the outbox; a `since` before them is SINCE_EXPIRED.
  OUTBOX_RETENTION_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().positive().max(3650).default(30)),
  OUTBOX_PRUNE_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(86_400_000).default(600_000)),
  // Monthly partitions of the history tables (docs/scaling.md#partitioning): months made ahead, how
  // often the leader maintains them, and how many months each table keeps (unset: forever).
  PARTITION_MONTHS_AHEAD: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(120).default(3)),
  PARTITION_MAINTAIN_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(604_800_000).default(86_400_000)),
  TOUCHPOINT_RETENTION_MONTHS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1200).optional()),
  AUDIT_RETENTION_MONTHS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1200).optional()),
  FAILED_EVENT_RETENTION_MONTHS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1200).optional()),
  // Events buffered for one subscriber before it is closed with 4410 (resume with since).
  SUBSCRIBER_MAX_LAG: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1_000).max(1_000_000).default(10_000)),
  // How often a follower tries to become the leader (and the leader checks its lock connection).
  LEADER_ELECTION_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(600_000).default(5_000)),
  SESSION_TIMEOUT_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(24 * 60).default(30)),
  // Alerts: how often the checker runs, what counts as churn risk, and when an hour is an anomaly.
  ALERT_CHECK_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(3_600_000).default(60_000)),
  ALERT_CHURN_EVENT: z.preprocess(emptyToUndefined, z.string().max(200).default('Login')),
  ALERT_CHURN_SILENCE_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().positive().max(3650).default(7)),
  ALERT_ANOMALY_Z: z.preprocess(emptyToUndefined, z.coerce.number().positive().default(3)),
  ALERT_ANOMALY_MIN_HOURS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(2).max(168).default(24)),
  // Per API key, per process: requests (HTTP) and subscribe messages (WebSocket) a minute.
  RATE_LIMIT_PER_MINUTE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(6_000)),
  // Per client address, per process: authentications with a well-formed but unknown or revoked key a minute.
  AUTH_FAILURES_PER_MINUTE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(60)),
  // /metrics answers any caller when true; otherwise only loopback callers or an OPERATOR/ADMIN key.
  METRICS_PUBLIC: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false')),
  QUERY_MAX_DEPTH: z.preprocess(emptyToUndefined, z.coerce.number().int().min(2).max(100).default(12)),
  QUERY_MAX_ALIASES: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(1000).default(30)),
  QUERY_MAX_DIRECTIVES: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(1000).default(20)),
  QUERY_MAX_TOKENS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(100_000).default(2_000)),
  QUERY_MAX_COST: z.preprocess(emptyToUndefined, z.coerce.number().int().min(10).max(10_000_000).default(100_000)),
  // Webhooks (docs/webhooks.md): hosts or CIDR ranges a destination may reach although they are
  // private, loopback or link-local (and over plain http); everything else must be public https.
  WEBHOOK_ALLOWED_HOSTS: z.preprocess(emptyToUndefined, z.string().default('')),
  WEBHOOK_BATCH_SIZE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1_000).default(100)),
  WEBHOOK_REQUEST_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(50).max(120_000).default(10_000)),
  WEBHOOK_MAX_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(64).default(4)),
  WEBHOOK_RETRY_BASE_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(3_600_000).default(1_000)),
  WEBHOOK_RETRY_MAX_DELAY_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(86_400_000).default(600_000)),
  WEBHOOK_RETRY_WINDOW_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(30 * 86_400_000).default(86_400_000)),
  WEBHOOK_PAUSE_AFTER_DEAD: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1_000_000).default(10)),
  WEBHOOK_POLL_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(10).max(600_000).default(1_000)),
});

export type Config = {
  port: number;
  host: string;
  database: { kind: 'postgres'; url: string; schema: string } | { kind: 'pglite'; dataDir: string | null };
  redisUrl?: string;
  logLevel: z.infer<typeof EnvModel>['LOG_LEVEL'];
  production: boolean;
  nodeEnv: z.infer<typeof EnvModel>['NODE_ENV'];
  defaultPhoneRegion: string;
  /** ISO 4217: what revenue and spend are converted to before anything sums them. */
  baseCurrency: string;
  shutdownGraceMs: number;
  shutdownUnreadyMs: number;
  http: HttpConfig;
  identity: IdentityConfig;
  sessionTimeoutMinutes: number;
  stageMap: Record<string, Stage>;
  segmentRecheckMs: number;
  rfmRefreshMs: number;
  outbox: { retentionDays: number; pruneMs: number };
  partitions: PartitionSettings;
  subscriberMaxLag: number;
  leaderElectionMs: number;
  alerts: AlertConfig;
  security: SecurityConfig;
  webhooks: WebhookConfig;
};

export interface PartitionSettings {
  monthsAhead: number;
  maintainMs: number;
  /** Months kept per table (null: forever). The outbox follows OUTBOX_RETENTION_DAYS instead. */
  retentionMonths: { touchpoint: number | null; audit_log: number | null; failed_event: number | null };
}

export interface WebhookConfig {
  /** Host names and CIDR ranges (v4 or v6) that may be private and reached over http. */
  allowedHosts: string[];
  batchSize: number;
  requestTimeoutMs: number;
  /** Requests in flight to one destination, per server process. */
  maxConcurrency: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** How long an item is retried after its first failure before it goes to the dead letters. */
  retryWindowMs: number;
  /** Consecutive dead-lettered items (no success between) that pause a destination and raise WEBHOOK_FAILING. */
  pauseAfterDead: number;
  pollMs: number;
}

export interface HttpConfig {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
}

export interface SecurityConfig {
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  metricsPublic: boolean;
  limits: QueryLimits;
}

/** Bounds on one GraphQL document, the same over HTTP and WebSocket. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
}

export interface AlertConfig {
  checkMs: number;
  churnEvent: string;
  churnSilenceDays: number;
  anomalyZ: number;
  /** Least baseline hours with at least one event for a channel to be checked for anomalies. */
  anomalyMinHours: number;
}

export interface IdentityConfig {
  blockedValues: Set<string>;
  caps: Map<IdentityType, number>;
  winner: 'user_id_then_oldest' | 'oldest';
}

export class ConfigError extends Error {}

function parseCaps(spec: string): Map<IdentityType, number> {
  const caps = new Map<IdentityType, number>();
  for (const [k, v] of spec.split(',').map((kv) => kv.split('=') as [string, string])) {
    if (!(k in IdentityType)) throw new ConfigError(`IDENTITY_CAPS: ${k} is not an identity type (${Object.keys(IdentityType).join(', ')})`);
    caps.set(k as IdentityType, Number(v));
  }
  return caps;
}

/** Postgres keeps its schema in the `?schema=` parameter, as Prisma's own URLs do. */
function postgresDatabase(url: string) {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ConfigError(`DATABASE_URL: schema "${schema}" is not a plain identifier`);
  parsed.searchParams.delete('schema');
  return { kind: 'postgres' as const, url: parsed.toString(), schema };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvModel.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.HTTP_HEADERS_TIMEOUT_MS <= e.HTTP_KEEP_ALIVE_TIMEOUT_MS) {
    throw new ConfigError(
      `invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: must be more than HTTP_KEEP_ALIVE_TIMEOUT_MS (${e.HTTP_HEADERS_TIMEOUT_MS} <= ${e.HTTP_KEEP_ALIVE_TIMEOUT_MS})`,
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? postgresDatabase(e.DATABASE_URL)
      : { kind: 'pglite', dataDir: path.resolve(e.CDP_DATA_DIR) },
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
    nodeEnv: e.NODE_ENV,
    defaultPhoneRegion: e.DEFAULT_PHONE_REGION,
    baseCurrency: e.BASE_CURRENCY,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    shutdownUnreadyMs: e.SHUTDOWN_UNREADY_MS,
    http: { keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS, headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS },
    identity: {
      blockedValues: new Set(e.BLOCKED_IDENTITY_VALUES.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean)),
      caps: parseCaps(e.IDENTITY_CAPS),
      winner: e.MERGE_WINNER,
    },
    sessionTimeoutMinutes: e.SESSION_TIMEOUT_MINUTES,
    stageMap: { ...DEFAULT_STAGE_MAP, ...e.STAGE_MAP },
    segmentRecheckMs: e.SEGMENT_RECHECK_MS,
    rfmRefreshMs: e.RFM_REFRESH_MS,
    outbox: { retentionDays: e.OUTBOX_RETENTION_DAYS, pruneMs: e.OUTBOX_PRUNE_MS },
    partitions: {
      monthsAhead: e.PARTITION_MONTHS_AHEAD,
      maintainMs: e.PARTITION_MAINTAIN_MS,
      retentionMonths: {
        touchpoint: e.TOUCHPOINT_RETENTION_MONTHS ?? null,
        audit_log: e.AUDIT_RETENTION_MONTHS ?? null,
        failed_event: e.FAILED_EVENT_RETENTION_MONTHS ?? null,
      },
    },
    subscriberMaxLag: e.SUBSCRIBER_MAX_LAG,
    leaderElectionMs: e.LEADER_ELECTION_MS,
    alerts: {
      checkMs: e.ALERT_CHECK_MS,
      churnEvent: e.ALERT_CHURN_EVENT,
      churnSilenceDays: e.ALERT_CHURN_SILENCE_DAYS,
      anomalyZ: e.ALERT_ANOMALY_Z,
      anomalyMinHours: e.ALERT_ANOMALY_MIN_HOURS,
    },
    security: {
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
      metricsPublic: e.METRICS_PUBLIC === 'true',
      limits: {
        maxDepth: e.QUERY_MAX_DEPTH,
        maxAliases: e.QUERY_MAX_ALIASES,
        maxDirectives: e.QUERY_MAX_DIRECTIVES,
        maxTokens: e.QUERY_MAX_TOKENS,
        maxCost: e.QUERY_MAX_COST,
      },
    },
    webhooks: {
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
      batchSize: e.WEBHOOK_BATCH_SIZE,
      requestTimeoutMs: e.WEBHOOK_REQUEST_TIMEOUT_MS,
      maxConcurrency: e.WEBHOOK_MAX_CONCURRENCY,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxDelayMs: e.WEBHOOK_RETRY_MAX_DELAY_MS,
      retryWindowMs: e.WEBHOOK_RETRY_WINDOW_MS,
      pauseAfterDead: e.WEBHOOK_PAUSE_AFTER_DEAD,
      pollMs: e.WEBHOOK_POLL_MS,
    },
  };
}

/** Settings the test helpers read; kept here so nothing else touches process.env. */
export function testEnv(env: Record<string, string | undefined> = process.env) {
  return {
    databaseUrl: emptyToUndefined(env.TEST_DATABASE_URL) as string | undefined,
    redisUrl: emptyToUndefined(env.REDIS_URL) as string | undefined,
  };
}

