/**
 * Starts a real server (HTTP + graphql-ws on an ephemeral loopback port) over a fresh database, and
 * gives tests a typed GraphQL client for it.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../../src/config/env.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { ApiKeyRole } from '../../src/generated/prisma/enums.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { databaseConfig, dropDatabase, pgliteSnapshot, redisUrl, type DbKind } from './databases.ts';

export interface GqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  kind: DbKind;
  url: string;
  wsUrl: string;
  baseUrl: string;
  db: Database;
  server: RunningServer;
  config: Config;
  /** One key per role, made at start; gql and wsClient use the ADMIN key unless told otherwise. */
  keys: Record<ApiKeyRole, string>;
  gql<T, V>(doc: TypedDocumentNode<T, V> | string, variables?: V, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T, V>(doc: TypedDocumentNode<T, V>, variables?: V): Promise<T>;
  /** connectionParams default to the ADMIN key; pass your own (or {}) to test other keys. */
  wsClient(connectionParams?: Record<string, unknown>): Client;
  stop(): Promise<void>;
}

export function testConfig(database: Config['database'], overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    database,
    redisUrl,
    logLevel: 'silent',
    nodeEnv: 'test',
    shutdownGraceMs: 5_000,
    // The webhook worker's idle poll would run statements in the middle of tests that count them;
    // webhook tests set their own short interval.
    webhooks: { ...loadConfig({}).webhooks, pollMs: 3_600_000 },
    ...overrides,
  };
}

export interface TestServerOptions {
  /** Injected clock (tests move time). */
  clock?: () => Date;
  /** Join an existing database instead of making a fresh one (it is then not dropped on stop). */
  database?: Config['database'];
}

export async function startTestServer(kind: DbKind, overrides: Partial<Config> = {}, opts: TestServerOptions = {}): Promise<TestServer> {
  const config = testConfig(opts.database ?? databaseConfig(kind), overrides);
  // A fresh in-memory PGlite starts from the suite's migrated snapshot; migrate() then finds nothing to do.
  const fresh = !opts.database && config.database.kind === 'pglite' && config.database.dataDir === null;
  const db = await openDatabase(config.database, fresh ? { pgliteSnapshot: await pgliteSnapshot() } : {});
  await migrate(db);
  const server = await startServer({ config, db, logger: createLogger(config), clock: opts.clock });
  const clients: Client[] = [];
  const keys = {} as Record<ApiKeyRole, string>;
  for (const role of Object.values(ApiKeyRole)) {
    const made = await server.services.apiKeys.create({ name: `test-${role.toLowerCase()}`, role });
    if (!made.ok) throw new Error(made.message);
    keys[role] = made.value.key;
  }
  const gql: TestServer['gql'] = async (doc, variables, headers = {}) => {
    // An explicit authorization header (even '') replaces the ADMIN default; '' sends none.
    const { authorization = `Bearer ${keys.ADMIN}`, ...rest } = headers;
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}), ...rest },
      body: JSON.stringify({ query: typeof doc === 'string' ? doc : print(doc), variables }),
    });
    const body = (await res.json()) as GqlResponse<never>;
    return { ...body, status: res.status };
  };
  return {
    kind,
    url: server.url,
    wsUrl: server.wsUrl,
    baseUrl: server.url.replace(/\/graphql$/, ''),
    db,
    server,
    config,
    keys,
    gql,
    async ok(doc, variables) {
      const r = await gql(doc, variables);
      if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data as never;
    },
    wsClient(connectionParams = { authorization: `Bearer ${keys.ADMIN}` }) {
      const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.dispose()));
      await server.stop();
      await db.close();
      if (!opts.database) await dropDatabase(config.database);
    },
  };
}

/** Counts the SQL statements Prisma sends while fn runs. */
export async function countStatements<T>(db: Database, fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const off = db.onQuery((sql) => statements.push(sql));
  try {
    return { result: await fn(), statements };
  } finally {
    off();
  }
}
