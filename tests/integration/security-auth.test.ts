/**
 * Keys and roles through the real HTTP interface: 401 for missing/bad keys, each role against one
 * operation of each ability, key management, the /v1 door, and the audit log of every mutation run
 * here (including the refused ones).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRole } from '../../src/generated/prisma/enums.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type GqlResponse, type TestServer } from '../helpers/server.ts';

type Role = keyof typeof ApiKeyRole;
const ROLES: Role[] = ['READER', 'WRITER', 'OPERATOR', 'ADMIN'];
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

/** What the audit log must hold at the end: one entry per mutation this file sent. */
interface Expected {
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
}

describe.each(dbKinds)('keys, roles and audit on %s', (kind) => {
  let t: TestServer;
  const expected: Expected[] = [];
  const actor = (role: Role) => `test-${role.toLowerCase()}`;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  const as = <T = Record<string, unknown>>(role: Role, query: string, variables?: Record<string, unknown>) =>
    t.gql(query, variables, bearer(t.keys[role])) as Promise<GqlResponse<T>>;

  describe('authentication', () => {
    it('no key: 401 UNAUTHENTICATED with a Bearer challenge, before any GraphQL runs', async () => {
      const r = await t.gql('{ version }', undefined, { authorization: '' });
      expect(r.status).toBe(401);
      expect(r.data).toBeUndefined();
      expect(r.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
      const raw = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ version }"}' });
      expect(raw.status).toBe(401);
      expect(raw.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('malformed header, unknown key and revoked key: 401', async () => {
      for (const authorization of ['Basic abc', 'Bearer', 'Bearer  ', `Bearer ${t.keys.ADMIN} extra`, t.keys.ADMIN, `Token ${t.keys.ADMIN}`]) {
        const r = await t.gql('{ version }', undefined, { authorization });
        expect(r.status, authorization).toBe(401);
        expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      // Well-formed but never issued; and not even our format.
      const unknownKey = `cdp_${'A'.repeat(43)}`;
      for (const key of [unknownKey, 'not-a-key', t.keys.ADMIN.slice(0, -1)]) {
        const r = await t.gql('{ version }', undefined, bearer(key));
        expect(r.status, key).toBe(401);
        expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      // The scheme is case-blind, as RFC 7235 says.
      expect((await t.gql('{ version }', undefined, { authorization: `bearer ${t.keys.READER}` })).status).toBe(200);

      const made = await as<{ createApiKey: { key: string; apiKey: { id: string } } }>('ADMIN', 'mutation { createApiKey(name: "short-lived", role: READER) { key apiKey { id } } }');
      const { key, apiKey } = made.data!.createApiKey;
      expected.push({ actor: actor('ADMIN'), action: 'createApiKey', target: apiKey.id, outcome: 'ok' });
      expect((await t.gql('{ version }', undefined, bearer(key))).status).toBe(200);
      await as('ADMIN', 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id });
      expected.push({ actor: actor('ADMIN'), action: 'revokeApiKey', target: apiKey.id, outcome: 'ok' });
      const after = await t.gql('{ version }', undefined, bearer(key));
      expect(after.status).toBe(401);
      expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('roles as abilities', () => {
    let tagN = 0;
    // One representative operation per ability; each answers data or FORBIDDEN on its own field.
    const abilities = {
      READ: { op: 'query', field: 'segments', allowed: ['READER', 'OPERATOR', 'ADMIN'], doc: () => '{ segments { id } }' },
      INGEST: {
        op: 'mutation',
        field: 'upsertCustomers',
        allowed: ['WRITER', 'ADMIN'],
        doc: () => `mutation { upsertCustomers(input: [{ source: "crm", externalId: "role-${++tagN}" }]) { created } }`,
      },
      OPERATE: {
        op: 'mutation',
        field: 'createTag',
        allowed: ['OPERATOR', 'ADMIN'],
        doc: () => `mutation { createTag(input: { key: "tag-${++tagN}", name: "Tag" }) { id key } }`,
      },
      ADMIN: { op: 'query', field: 'apiKeys', allowed: ['ADMIN'], doc: () => '{ apiKeys { id } }' },
    } as const;

    const table = ROLES.flatMap((role) => Object.entries(abilities).map(([ability, a]) => ({ role, ability, ...a })));
    it.each(table)('$role → $ability ($field)', async ({ role, op, field, allowed, doc }) => {
      const query = doc();
      const r = await as(role, query);
      expect(r.status).toBe(200);
      if ((allowed as readonly string[]).includes(role)) {
        expect(r.errors).toBeUndefined();
        expect(r.data?.[field]).toBeTruthy();
        // A created record is the target, by its id; a batch has none.
        const target = field === 'createTag' ? (r.data![field] as { id: string; key: string }).id : null;
        if (field === 'createTag') expect((r.data![field] as { key: string }).key).toBe(/key: "([^"]+)"/.exec(query)![1]);
        if (op === 'mutation') expected.push({ actor: actor(role), action: field, target, outcome: 'ok' });
      } else {
        expect(r.data).toBeNull(); // the root field is non-null, so FORBIDDEN nulls the whole answer
        expect(r.errors).toHaveLength(1);
        expect(r.errors![0]).toMatchObject({ path: [field], extensions: { code: 'FORBIDDEN', requiredRoles: [...allowed] } });
        if (op === 'mutation') expected.push({ actor: actor(role), action: field, target: null, outcome: 'FORBIDDEN' });
      }
    });

    it('a mixed query gives the allowed fields and FORBIDDEN on the others (partial data)', async () => {
      const id = '00000000-0000-4000-8000-000000000001';
      const writer = await as('WRITER', `{ version customer(id: "${id}") { id } }`);
      expect(writer.status).toBe(200);
      expect(writer.data).toEqual({ version: expect.any(String), customer: null });
      expect(writer.errors).toEqual([expect.objectContaining({ path: ['customer'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
      const reader = await as('READER', `{ version customer(id: "${id}") { id } }`);
      expect(reader).toMatchObject({ status: 200, data: { version: expect.any(String), customer: null } });
      expect(reader.errors).toBeUndefined();
    });

    it('WRITER cannot read a profile back through upsertCustomers', async () => {
      const email = 'victim@example.com';
      const input = [{ source: 'crm', externalId: 'victim-1', email, firstName: 'Vic' }];
      const admin = await as<{ upsertCustomers: { results: { customerId: string; customer: { email: string } }[] } }>(
        'ADMIN',
        'mutation($in: [CustomerInput!]!) { upsertCustomers(input: $in) { results { customerId customer { email } } } }',
        { in: input },
      );
      expected.push({ actor: actor('ADMIN'), action: 'upsertCustomers', target: null, outcome: 'ok' });
      expect(admin.data!.upsertCustomers.results[0]!.customer.email).toBe(email);

      // The same email from a tracking client's key: the write is taken, the profile is not shown.
      const w = await as<{ upsertCustomers: { created: number; updated: number; unchanged: number; results: { index: number; customerId: string | null; customer: unknown }[] } }>(
        'WRITER',
        'mutation($in: [CustomerInput!]!) { upsertCustomers(input: $in) { created updated unchanged results { index customerId customer { email } } } }',
        { in: [{ source: 'web', externalId: 'w-1', email }] },
      );
      expected.push({ actor: actor('WRITER'), action: 'upsertCustomers', target: null, outcome: 'ok' });
      expect(w.status).toBe(200);
      expect(w.data!.upsertCustomers.results).toEqual([{ index: 0, customerId: expect.any(String), customer: null }]);
      expect(w.errors).toEqual([
        expect.objectContaining({ path: ['upsertCustomers', 'results', 0, 'customer'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
      ]);
      expect(JSON.stringify(w)).not.toContain(email);
    });
  });

  describe('API keys', () => {
    it('createApiKey shows the secret once; apiKeys never does; the key works; revokeApiKey stops it at once', async () => {
      const c = await as<{ createApiKey: { key: string; apiKey: { id: string; name: string; role: string; prefix: string; revokedAt: string | null } } }>(
        'ADMIN',
        'mutation { createApiKey(name: "dashboard", role: OPERATOR) { key apiKey { id name role prefix revokedAt } } }',
      );
      const { key, apiKey } = c.data!.createApiKey;
      expected.push({ actor: actor('ADMIN'), action: 'createApiKey', target: apiKey.id, outcome: 'ok' });
      expect(apiKey).toMatchObject({ name: 'dashboard', role: 'OPERATOR', revokedAt: null });
      expect(key.startsWith(apiKey.prefix)).toBe(true);
      expect(apiKey.prefix.length).toBeLessThan(key.length / 2);

      const listed = await as<{ apiKeys: Record<string, unknown>[] }>('ADMIN', '{ apiKeys { id name prefix role createdAt lastUsedAt revokedAt } }');
      const body = JSON.stringify(listed);
      for (const secret of [key, ...Object.values(t.keys)]) expect(body).not.toContain(secret);
      expect(listed.data!.apiKeys.find((k) => k.id === apiKey.id)).toMatchObject({ name: 'dashboard', role: 'OPERATOR', revokedAt: null });
      // ApiKey has no field that could carry the secret.
      const probe = await as('ADMIN', '{ apiKeys { key } }');
      expect(probe.status).toBe(400);
      expect(probe.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

      // The new key works with its role, right away.
      const op = (await t.gql(`mutation { createTag(input: { key: "by-new-key", name: "N" }) { id } }`, undefined, bearer(key))) as GqlResponse<{ createTag: { id: string } }>;
      expect(op.errors).toBeUndefined();
      expected.push({ actor: 'dashboard', action: 'createTag', target: op.data!.createTag.id, outcome: 'ok' });

      const rv = await as<{ revokeApiKey: { id: string; revokedAt: string | null } }>('ADMIN', 'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', { id: apiKey.id });
      expected.push({ actor: actor('ADMIN'), action: 'revokeApiKey', target: apiKey.id, outcome: 'ok' });
      expect(rv.data!.revokeApiKey.revokedAt).not.toBeNull();
      const denied = await t.gql('{ segments { id } }', undefined, bearer(key));
      expect(denied.status).toBe(401);

      // Revoking again: NOT_FOUND (and on record as such).
      const again = await as('ADMIN', 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id });
      expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expected.push({ actor: actor('ADMIN'), action: 'revokeApiKey', target: apiKey.id, outcome: 'NOT_FOUND' });

      // Only ADMIN manages keys.
      const byOperator = await as('OPERATOR', 'mutation { createApiKey(name: "sneaky", role: ADMIN) { key } }');
      expect(byOperator.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expected.push({ actor: actor('OPERATOR'), action: 'createApiKey', target: null, outcome: 'FORBIDDEN' });
      const byOperatorRevoke = await as('OPERATOR', 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id });
      expect(byOperatorRevoke.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expected.push({ actor: actor('OPERATOR'), action: 'revokeApiKey', target: apiKey.id, outcome: 'FORBIDDEN' });
      const bad = await as('ADMIN', 'mutation { createApiKey(name: "   ", role: READER) { key } }');
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expected.push({ actor: actor('ADMIN'), action: 'createApiKey', target: null, outcome: 'BAD_USER_INPUT' });
    });

    it('/v1 still takes WRITER keys over Basic and refuses READER with 403', async () => {
      const send = (key: string) =>
        fetch(`${t.baseUrl}/v1/track`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...basic(key) },
          body: JSON.stringify({ messageId: `v1-${key.slice(-6)}`, userId: 'v1-user', event: 'Signed Up' }),
        });
      const ok = await send(t.keys.WRITER);
      expect(ok.status).toBe(200);
      const reader = await send(t.keys.READER);
      expect(reader.status).toBe(403);
      expect(((await reader.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      // A Bearer WRITER key on /graphql reads nothing.
      const r = await as('WRITER', '{ customers(first: 1) { totalCount } }');
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  describe('audit log', () => {
    interface Entry extends Expected {
      id: string;
      apiKeyId: string | null;
      at: string;
    }
    const page = (role: Role, first: number, after?: string) =>
      as<{ auditLog: { edges: { cursor: string; node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
        role,
        'query($first: Int, $after: String) { auditLog(first: $first, after: $after) { edges { cursor node { id at apiKeyId actor action target outcome } } pageInfo { hasNextPage endCursor } } }',
        { first, after },
      );

    it('holds every mutation run above — key name, action, target, outcome — and pages without gaps or duplicates', async () => {
      // One more, failing inside the resolver: its code is the outcome.
      const missing = '00000000-0000-4000-8000-00000000dead';
      const r = await as('OPERATOR', 'mutation($id: ID!) { archiveSegment(id: $id) { id } }', { id: missing });
      const code = r.errors?.[0]?.extensions?.code as string;
      expect(code).toBe('NOT_FOUND');
      expected.push({ actor: actor('OPERATOR'), action: 'archiveSegment', target: missing, outcome: code });

      const all = (await page('ADMIN', 100)).data!.auditLog;
      expect(all.pageInfo.hasNextPage).toBe(false);
      const entries = all.edges.map((e) => e.node);
      // Exactly the mutations sent here: nothing missing, nothing extra.
      const project = (e: Expected) => ({ actor: e.actor, action: e.action, target: e.target, outcome: e.outcome });
      const key = (e: Expected) => JSON.stringify(project(e));
      expect(entries.map(key).sort()).toEqual(expected.map(key).sort());
      // Newest first.
      const ids = entries.map((e) => BigInt(e.id));
      expect([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(ids);
      // The key id is the acting key's.
      const keys = (await as<{ apiKeys: { id: string; name: string }[] }>('ADMIN', '{ apiKeys { id name } }')).data!.apiKeys;
      for (const e of entries) expect(keys.find((k) => k.id === e.apiKeyId)?.name, JSON.stringify(e)).toBe(e.actor);

      // Pages of 4 give the same entries in the same order.
      const paged: Entry[] = [];
      let after: string | undefined;
      for (let i = 0; i < 50; i++) {
        const p = (await page('ADMIN', 4, after)).data!.auditLog;
        paged.push(...p.edges.map((e) => e.node));
        if (!p.pageInfo.hasNextPage) break;
        expect(p.edges).toHaveLength(4);
        after = p.pageInfo.endCursor!;
      }
      expect(paged.map((e) => e.id)).toEqual(entries.map((e) => e.id));
      expect(entries.length).toBe(expected.length);
    });

    it('is ADMIN only; page size is capped', async () => {
      for (const role of ['READER', 'WRITER', 'OPERATOR'] as const) {
        const r = await page(role, 5);
        expect(r.errors?.[0]).toMatchObject({ path: ['auditLog'], extensions: { code: 'FORBIDDEN' } });
      }
      const big = await page('ADMIN', 101);
      expect(big.errors?.[0]?.extensions?.code).toBe('PAGE_SIZE_TOO_LARGE');
      const bad = await page('ADMIN', 5, 'not-a-cursor');
      expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    });
  });
});
