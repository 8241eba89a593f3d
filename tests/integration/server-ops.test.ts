import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PingDocument, PingedDocument, type PingedSubscription } from '../generated/graphql.ts';
import { dbKinds, redisUrl } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { print } from 'graphql';

describe.each(dbKinds)('operations on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('answers /healthz and /metrics', async () => {
    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'up' });
    await t.gql('{ version }');
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain('cdp_http_request_duration_seconds_bucket');
    expect(metrics).toMatch(/cdp_graphql_operations_total\{type="query",field="version",outcome="ok"\} \d+/);
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('gives every response a request id, and echoes a sane one', async () => {
    const own = await fetch(`${t.baseUrl}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(own.headers.get('x-request-id')).toBe('abc-123');
    const generated = await fetch(`${t.baseUrl}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('every error carries extensions.code', async () => {
    const syntax = await t.gql('{ customers(first: ');
    expect(syntax.status).toBe(400);
    expect(syntax.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknown = await t.gql('{ nope }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const auth = { authorization: `Bearer ${t.keys.ADMIN}` };
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"query": ' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    const huge = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query: 'x'.repeat(1_100_000) }) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it(`delivers a subscription over graphql-ws (${redisUrl ? 'Redis' : 'in-process'} pub/sub)`, async () => {
    const client = t.wsClient();
    const received: PingedSubscription[] = [];
    const iterator = client.iterate<PingedSubscription>({ query: print(PingedDocument) });
    const first = iterator.next();
    // The subscription is live once the server has registered it; retry the publish until it lands.
    let delivered: IteratorResult<{ data?: PingedSubscription | null }> | undefined;
    for (let i = 0; i < 50 && !delivered; i++) {
      await t.ok(PingDocument, { message: `hello-${i}` });
      delivered = await Promise.race([first, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    }
    expect(delivered?.done).toBe(false);
    received.push(delivered!.value.data!);
    expect(received[0]!.pinged.message).toMatch(/^hello-\d+$/);
    await iterator.return?.();
  });
});

describe('production mode', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('pglite', { production: true, nodeEnv: 'production' });
  });
  afterAll(() => t?.stop());

  it('hides stack traces and internals, keeps codes', async () => {
    const r = await t.gql('{ customers(first: 1000) { totalCount } }');
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'PAGE_SIZE_TOO_LARGE', max: 100 });
    const introspection = await t.gql('{ __schema { types { name } } }');
    expect(introspection.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('masks unexpected errors as INTERNAL_SERVER_ERROR', async () => {
    await t.db.prisma.$executeRawUnsafe('ALTER TABLE customer RENAME TO customer_gone');
    try {
      const r = await t.gql('{ customers(first: 1) { totalCount } }');
      expect(r.errors?.[0]).toEqual({ message: 'Internal server error', path: ['customers'], locations: [{ line: 1, column: 3 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    } finally {
      await t.db.prisma.$executeRawUnsafe('ALTER TABLE customer_gone RENAME TO customer');
    }
  });
});

describe('/healthz when the database is gone', () => {
  it('answers 503', async () => {
    const t = await startTestServer('pglite');
    try {
      await t.db.close();
      const r = await fetch(`${t.baseUrl}/healthz`);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ status: 'unavailable', database: 'down' });
    } finally {
      await t.server.stop();
    }
  });
});
