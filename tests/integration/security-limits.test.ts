/**
 * Limits and HTTP hardening through the real interface: document limits (depth, aliases, directives,
 * tokens, cost) with QUERY_TOO_COMPLEX, realistic documents passing under the defaults, page-size
 * caps, body size, batching, CSRF, production-mode masking, /metrics and /healthz.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { metricsAccess } from '../../src/http/app.ts';
import { createAuthGate } from '../../src/http/auth-failures.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DEFAULTS = loadConfig({}).security.limits;
const fields = (n: number, field = 'version') => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');
/**
 * customers → edges → node → segments → members → edges → node → ... `levels` times, then id. Pages of
 * one, so the document tests depth alone (the default pages of 20, nested, would also hit the cost limit).
 */
function deep(levels: number): string {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `segments { members(first: 1) { edges { node { ${inner} } } } }`;
  return `{ customers(first: 1) { edges { node { ${inner} } } } }`;
}
const depthOf = (levels: number) => 3 + 4 * levels + 1;

const codes = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => (r.errors ?? []).map((e) => e.extensions?.code);

/** Each operation of tests/documents with exactly the fragments it uses. */
function documentOperations(): { file: string; op: OperationDefinitionNode; doc: DocumentNode }[] {
  const dir = path.resolve(import.meta.dirname, '../documents');
  const out: { file: string; op: OperationDefinitionNode; doc: DocumentNode }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
    const parsed = parse(readFileSync(path.join(dir, file), 'utf8'));
    const fragments = new Map(parsed.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
    for (const op of parsed.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)) {
      const used = new Set<string>();
      const walk = (node: DefinitionNode) =>
        visit(node, {
          FragmentSpread(s) {
            if (used.has(s.name.value)) return;
            used.add(s.name.value);
            walk(fragments.get(s.name.value)!);
          },
        });
      walk(op);
      out.push({ file, op, doc: { kind: Kind.DOCUMENT, definitions: [op, ...[...used].map((n) => fragments.get(n)!)] } });
    }
  }
  return out;
}

describe.each(dbKinds)('limits and HTTP hardening on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.ADMIN}`, ...headers }, body });

  describe('document limits over HTTP → 400 QUERY_TOO_COMPLEX', () => {
    const levelsOver = Math.ceil((DEFAULTS.maxDepth - 3) / 4);
    const cases: [string, string][] = [
      [`depth (${depthOf(levelsOver)} > ${DEFAULTS.maxDepth})`, deep(levelsOver)],
      [`aliases (${DEFAULTS.maxAliases + 1})`, `{ ${fields(DEFAULTS.maxAliases + 1)} }`],
      [`directives (${DEFAULTS.maxDirectives + 1})`, `{ ${Array.from({ length: DEFAULTS.maxDirectives + 1 }, () => '__typename @skip(if: false)').join(' ')} }`],
      [`tokens (> ${DEFAULTS.maxTokens})`, `{ ${'__typename '.repeat(DEFAULTS.maxTokens)} }`],
      // Each literal first multiplies the cost of what it pages: 100 × 100 profiles with their segments.
      ['cost', `{ customers(first: 100) { edges { node { id email segments { id members(first: 100) { edges { node { id email phone tags { id key } } } } } } } } }`],
      // The same bomb with the page sizes in variables: costed at the largest page each server would serve.
      ['cost, page sizes in variables', `query($a: Int, $b: Int) { customers(first: $a) { edges { node { id email segments { id members(first: $b) { edges { node { id email phone tags { id key } } } } } } } } }`],
    ];
    it.each(cases)('%s', async (_name, query) => {
      const res = await post(JSON.stringify({ query }));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
      expect(body.data).toBeUndefined();
      expect(codes(body)).toContain('QUERY_TOO_COMPLEX');
    });

    it('just under each limit passes', async () => {
      expect(depthOf(levelsOver - 1)).toBeLessThanOrEqual(DEFAULTS.maxDepth);
      for (const query of [deep(levelsOver - 1), `{ ${fields(DEFAULTS.maxAliases)} }`, `{ ${Array.from({ length: DEFAULTS.maxDirectives }, () => '__typename @skip(if: false)').join(' ')} }`]) {
        const r = await t.gql(query);
        expect(r.errors, query.slice(0, 80)).toBeUndefined();
        expect(r.status).toBe(200);
      }
    });

    it('every document of tests/documents passes under the default limits (HTTP and WebSocket)', async () => {
      const ops = documentOperations();
      expect(ops.length).toBeGreaterThan(30);
      const refused = new Set(['QUERY_TOO_COMPLEX', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);
      for (const { file, op, doc } of ops) {
        const name = `${file} ${op.name?.value}`;
        if (op.operation === 'subscription') {
          // No required variables on our subscriptions: it must start and stay quiet.
          const client = t.wsClient();
          const result = await new Promise<unknown>((resolve) => {
            const off = client.subscribe({ query: print(doc) }, { next: () => {}, error: resolve, complete: () => resolve('complete') });
            setTimeout(() => {
              off();
              resolve('started');
            }, 300);
          });
          expect(result, name).toBe('started');
          continue;
        }
        // Without variables the required ones fail coercion (BAD_USER_INPUT) — after the limits and
        // validation have passed, and before anything runs.
        const r = await t.gql(print(doc));
        expect(codes(r).filter((c) => refused.has(c as string)), `${name}: ${JSON.stringify(r.errors)}`).toEqual([]);
      }
    });
  });

  it('page size caps: first: 101 → PAGE_SIZE_TOO_LARGE', async () => {
    for (const query of ['{ customers(first: 101) { totalCount } }', '{ alerts(first: 101) { totalCount } }', '{ auditLog(first: 101) { pageInfo { hasNextPage } } }']) {
      const r = await t.gql(query);
      expect(codes(r), query).toEqual(['PAGE_SIZE_TOO_LARGE']);
    }
    expect(codes(await t.gql('query($n: Int) { customers(first: $n) { totalCount } }', { n: 101 }))).toEqual(['PAGE_SIZE_TOO_LARGE']);
    expect((await t.gql('{ customers(first: 100) { totalCount } }')).errors).toBeUndefined();
  });

  it('a body over 1 MB → 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post(JSON.stringify({ query: '{ version }', variables: { pad: 'x'.repeat(1_100_000) } }));
    expect(res.status).toBe(413);
    expect(codes((await res.json()) as never)).toEqual(['PAYLOAD_TOO_LARGE']);
    // Under the limit, the same shape is fine.
    const small = await post(JSON.stringify({ query: '{ version }', variables: { pad: 'x'.repeat(900_000) } }));
    expect(small.status).toBe(200);
  });

  it('a JSON argument nested deeper than 64 levels → BAD_USER_INPUT; at 64 it reaches the resolver', async () => {
    const query = 'query($r: JSON!) { previewSegment(rule: $r) { size } }';
    const nested = (levels: number) => `{"query":${JSON.stringify(query)},"variables":{"r":${'['.repeat(levels)}1${']'.repeat(levels)}}}`;
    // 3,000 levels overflowed the stack in type-graphql's argument copy: INTERNAL_SERVER_ERROR.
    for (const levels of [65, 3_000, 100_000]) {
      const r = (await (await post(nested(levels))).json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
      expect(codes(r), `${levels} levels`).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0]!.message).toContain('nest at most 64 levels');
    }
    const atBound = (await (await post(nested(64))).json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(codes(atBound)).toEqual(['BAD_RULE']);
  });

  it('batched requests (a JSON array) are refused', async () => {
    const res = await post(JSON.stringify([{ query: '{ version }' }, { query: '{ version }' }]));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain('"data"');
  });

  it('CSRF: a GET query without content-type or preflight header is refused; with one it runs', async () => {
    const url = `${t.url}?query=${encodeURIComponent('{ version }')}`;
    const auth = { authorization: `Bearer ${t.keys.ADMIN}` };
    const simple = await fetch(url, { headers: auth });
    expect(simple.status).toBe(400);
    expect(await simple.text()).toMatch(/CSRF/i);
    const preflighted = await fetch(url, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
    expect(((await preflighted.json()) as { data: { version: string } }).data.version).toEqual(expect.any(String));
    // A mutation never runs over GET.
    const mutation = await fetch(`${t.url}?query=${encodeURIComponent('mutation { ping(message: "x") { message } }')}`, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    expect(mutation.status).toBe(405);
    // A "simple" POST content type (a cross-site form) is refused.
    const form = await post('{"query":"{ version }"}', { 'content-type': 'text/plain' });
    expect(form.status).toBe(400);
  });

  it('/healthz is open; /metrics is open on loopback', async () => {
    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'up' });
    const metrics = await fetch(`${t.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE');
  });

  it('/metrics off the loopback needs an OPERATOR or ADMIN key (unless METRICS_PUBLIC)', async () => {
    const gate = createAuthGate({ apiKeys: t.server.services.apiKeys, failuresPerMinute: 1 });
    const run = async (opts: { remote: string; authorization?: string; metricsPublic?: boolean }) => {
      const handler = metricsAccess({ gate, metricsPublic: opts.metricsPublic ?? false });
      const req = { socket: { remoteAddress: opts.remote }, header: (n: string) => (n.toLowerCase() === 'authorization' ? opts.authorization : undefined) } as unknown as Request;
      const out: { status?: number; code?: string; next: boolean } = { next: false };
      const res = {
        status(s: number) {
          out.status = s;
          return this;
        },
        json(b: { errors: { extensions: { code: string } }[] }) {
          out.code = b.errors[0]!.extensions.code;
          return this;
        },
        setHeader() {
          return this;
        },
      } as unknown as Response;
      await handler(req, res, () => {
        out.next = true;
      });
      return out;
    };
    const remote = '203.0.113.9';
    expect(await run({ remote })).toEqual({ status: 401, code: 'UNAUTHENTICATED', next: false });
    expect(await run({ remote, authorization: 'Bearer nope' })).toEqual({ status: 401, code: 'UNAUTHENTICATED', next: false });
    for (const role of ['READER', 'WRITER'] as const) expect(await run({ remote, authorization: `Bearer ${t.keys[role]}` })).toEqual({ status: 403, code: 'FORBIDDEN', next: false });
    for (const role of ['OPERATOR', 'ADMIN'] as const) expect(await run({ remote, authorization: `Bearer ${t.keys[role]}` })).toEqual({ next: true });
    expect(await run({ remote, metricsPublic: true })).toEqual({ next: true });
    for (const loop of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(await run({ remote: loop })).toEqual({ next: true });
    // Not loopback just because it starts like one.
    expect((await run({ remote: '::ffff:10.0.0.1' })).status).toBe(401);
    // Failed authentication here counts like on every other door (this gate allows one a minute).
    const stranger = '198.51.100.4';
    expect(await run({ remote: stranger, authorization: `Bearer cdp_${'C'.repeat(43)}` })).toEqual({ status: 401, code: 'UNAUTHENTICATED', next: false });
    expect(await run({ remote: stranger, authorization: `Bearer ${t.keys.ADMIN}` })).toEqual({ status: 429, code: 'RATE_LIMITED', next: false });
  });
});

describe.each(dbKinds.slice(0, 1))('production mode on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { production: true, nodeEnv: 'production' });
  });
  afterAll(() => t?.stop());

  it('refuses introspection', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Customer") { fields { name } } }']) {
      const r = await t.gql(query);
      expect(r.status).toBe(400);
      expect(r.data).toBeUndefined();
      expect(JSON.stringify(r)).not.toContain('Customer"');
      expect(codes(r)).toContain('GRAPHQL_VALIDATION_FAILED');
    }
    // __typename is not introspection of the schema, and stays.
    expect((await t.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('masks internal errors: generic message, code, no stack, no detail', async () => {
    const segments = t.server.services.segments;
    const original = segments.list;
    segments.list = async () => {
      throw new Error('connection to db-secret-host.internal:5432 refused');
    };
    try {
      const r = await t.gql('{ segments { id } }');
      expect(r.status).toBe(200);
      expect(r.errors).toEqual([{ message: 'Internal server error', path: ['segments'], locations: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      expect(JSON.stringify(r)).not.toContain('secret');
    } finally {
      segments.list = original;
    }
    // Client errors keep their message and code but never a stack.
    const forbidden = await t.gql('{ apiKeys { id } }', undefined, { authorization: `Bearer ${t.keys.READER}` });
    expect(forbidden.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(forbidden.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
  });

  it('gives no field suggestions', async () => {
    for (const query of ['{ custome(id: "x") { id } }', '{ segments { nam } }', '{ version(verbose: true) }']) {
      const r = await t.gql(query);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.errors)).not.toMatch(/Did you mean/i);
      expect(r.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
    }
    // Suggestions of other kinds name the schema just as well: enum values, arguments, types.
    const typos: [string, Record<string, unknown> | undefined][] = [
      ['{ customerByIdentity(type: EMAL, value: "x") { id } }', undefined],
      ['query($t: IdentityType!) { customerByIdentity(type: $t, value: "x") { id } }', { t: 'EMAL' }],
      ['{ customers(frist: 1) { totalCount } }', undefined],
      ['query($f: CustomerFiltr) { customers(filter: $f) { totalCount } }', undefined],
      ['{ customers { edges { node { ... on Custmer { id } } } } }', undefined],
    ];
    for (const [query, variables] of typos) {
      const r = await t.gql(query, variables);
      expect(r.status, query).toBe(400);
      expect(r.errors?.length, query).toBeGreaterThan(0);
      expect(JSON.stringify(r.errors), query).not.toMatch(/Did you mean|EMAIL|"first"|CustomerFilterInput|"Customer"/);
    }
  });
});
