/**
 * graphql-ws security through a real socket: keys on connect (4401/4403), READER masking per
 * subscriber on a shared event, a revoked key cut off at its next event (4403), the per-key rate
 * limit (4429 on WS, 429 + Retry-After on HTTP) and the document limits on subscribe.
 */
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, MembershipChangedDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { membershipRepository } from '../../src/modules/segments/membership.repository.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, testConfig, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';

const DOT = '•••';

/** The close code of the client's socket, once it closes (the first subscribe opens it: lazy clients). */
function closeCode(client: Client): Promise<number> {
  return new Promise((resolve) => {
    const off = client.on('closed', (e) => {
      off();
      resolve((e as { code: number }).code);
    });
  });
}

const deepSubscription = `subscription { segmentMembershipChanged { customer { segments { members { edges { node { segments { members { edges { node { segments { members { edges { node { id } } } } } } } } } } } } } } }`;
const aliasBomb = `subscription { pinged { ${Array.from({ length: 60 }, (_, i) => `a${i}: message`).join(' ')} } }`;

describe.each(dbKinds)('graphql-ws security on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('no key or an unknown key: closed with 4401', async () => {
    for (const params of [{}, { authorization: 'Bearer nope' }, { apiKey: `cdp_${'B'.repeat(43)}` }, { authorization: `Basic ${t.keys.ADMIN}` }]) {
      const client = t.wsClient(params);
      const closed = closeCode(client);
      const sub = collect(client, MembershipChangedDocument, {});
      expect(await closed, JSON.stringify(params)).toBe(4401);
      expect(sub.received).toEqual([]);
    }
  });

  it('a WRITER key: closed with 4403; apiKey form is accepted for READER', async () => {
    const writer = t.wsClient({ apiKey: t.keys.WRITER });
    const closed = closeCode(writer);
    collect(writer, MembershipChangedDocument, {});
    expect(await closed).toBe(4403);

    const reader = t.wsClient({ apiKey: t.keys.READER });
    const before = t.server.services.feed.listenerCount;
    const sub = collect(reader, MembershipChangedDocument, {});
    await waitUntil(() => t.server.services.feed.listenerCount > before);
    expect(sub.errors).toEqual([]);
    sub.dispose();
  });

  it('one event, two subscribers: READER gets email/phone masked, ADMIN gets them in full', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'French', rule: { attr: 'country', op: 'eq', value: 'FR' } } })).createSegment;
    const doc = `subscription($ids: [ID!]) { segmentMembershipChanged(segmentIds: $ids) { seq change customerId customer { id email phone firstName traits identities { type value } } } }`;
    type Ev = { segmentMembershipChanged: { seq: string; change: string; customerId: string; customer: { id: string; email: string; phone: string; firstName: string; traits: Record<string, unknown>; identities: { type: string; value: string }[] } } };
    const listen = (client: Client) => {
      const received: Ev[] = [];
      const errors: unknown[] = [];
      client.subscribe<Ev>({ query: doc, variables: { ids: [seg.id] } }, { next: (r) => (r.errors ? errors.push(...r.errors) : received.push(r.data as Ev)), error: (e) => errors.push(e), complete: () => {} });
      return { received, errors };
    };
    const before = t.server.services.feed.listenerCount;
    const reader = listen(t.wsClient({ authorization: `Bearer ${t.keys.READER}` }));
    const admin = listen(t.wsClient());
    await waitUntil(() => t.server.services.feed.listenerCount >= before + 2);

    const person = { email: 'marie.curie@example.fr', phone: '+33612345678', firstName: 'Marie', traits: { plan: 'pro', email: 'marie.curie@example.fr' } };
    await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'FR-1', country: 'FR', ...person }] });
    await waitUntil(() => reader.received.length >= 1 && admin.received.length >= 1);
    await new Promise((r) => setTimeout(r, 200)); // and only one each
    expect(reader.errors).toEqual([]);
    expect(admin.errors).toEqual([]);
    expect(reader.received).toHaveLength(1);
    expect(admin.received).toHaveLength(1);
    const a = admin.received[0]!.segmentMembershipChanged;
    const r = reader.received[0]!.segmentMembershipChanged;
    expect(r.seq).toBe(a.seq); // the same change
    expect(a.customer).toMatchObject({ email: person.email, phone: person.phone, firstName: person.firstName, traits: person.traits });
    expect(a.customer.identities).toEqual(expect.arrayContaining([{ type: 'EMAIL', value: person.email }, { type: 'PHONE', value: person.phone }]));
    expect(r.customer).toMatchObject({
      id: a.customer.id,
      email: `m${DOT}@example.fr`,
      phone: `+${DOT}78`,
      firstName: `M${DOT}`,
      traits: { plan: 'pro', email: `m${DOT}@example.fr` },
    });
    expect(r.customer.identities).toEqual(expect.arrayContaining([{ type: 'EMAIL', value: `m${DOT}@example.fr` }, { type: 'PHONE', value: `+${DOT}78` }]));
    expect(JSON.stringify(reader.received)).not.toContain('curie');
    expect(JSON.stringify(reader.received)).not.toContain('12345678');
  });

  it('revoking the key of a live subscriber: its next event closes the socket with 4403, no data after', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Germans', rule: { attr: 'country', op: 'eq', value: 'DE' } } })).createSegment;
    const made = await t.gql<{ createApiKey: { key: string; apiKey: { id: string } } }, Record<string, never>>(
      'mutation { createApiKey(name: "live-reader", role: READER) { key apiKey { id } } }',
    );
    const { key, apiKey } = made.data!.createApiKey;
    const client = t.wsClient({ authorization: `Bearer ${key}` });
    const closed = closeCode(client);
    const before = t.server.services.feed.listenerCount;
    const sub = collect(client, MembershipChangedDocument, { segmentIds: [seg.id] });
    await waitUntil(() => t.server.services.feed.listenerCount > before);

    // While the key is live, events flow.
    await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'DE-1', country: 'DE' }] });
    await sub.waitFor(1);

    await t.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id });
    await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'DE-2', country: 'DE' }] });
    expect(await closed).toBe(4403);
    await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'DE-3', country: 'DE' }] });
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.received).toHaveLength(1);
    // And it cannot come back.
    const again = t.wsClient({ authorization: `Bearer ${key}` });
    const closedAgain = closeCode(again);
    collect(again, MembershipChangedDocument, {});
    expect(await closedAgain).toBe(4401);
  });

  it('document limits apply on subscribe: deep or alias-bomb documents get QUERY_TOO_COMPLEX, the connection keeps serving', async () => {
    const client = t.wsClient();
    for (const query of [deepSubscription, aliasBomb]) {
      const errors = await new Promise<unknown>((resolve) => {
        client.subscribe({ query }, { next: () => {}, error: resolve, complete: () => resolve('completed without error') });
      });
      expect(Array.isArray(errors), JSON.stringify(errors)).toBe(true);
      expect((errors as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code)).toContain('QUERY_TOO_COMPLEX');
    }
    // Same socket, a legitimate subscription still works.
    const before = t.server.services.feed.listenerCount;
    const ok = collect(client, MembershipChangedDocument, {});
    await waitUntil(() => t.server.services.feed.listenerCount > before);
    expect(ok.errors).toEqual([]);
    ok.dispose();
  });
});

describe.each(dbKinds)('per-key rate limit on %s', (kind) => {
  const LIMIT = 3;
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { security: { ...testConfig({ kind: 'pglite', dataDir: null }).security, rateLimitPerMinute: LIMIT } });
  });
  afterAll(() => t?.stop());

  it('HTTP: over the budget → 429 RATE_LIMITED with Retry-After; other keys unaffected', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await t.gql('{ version }')).status).toBe(200);
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.ADMIN}` }, body: '{"query":"{ version }"}' });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('RATE_LIMITED');
    expect((await t.gql('{ version }', undefined, { authorization: `Bearer ${t.keys.OPERATOR}` })).status).toBe(200);
  });

  it('WebSocket: the subscribe over the budget closes the socket with 4429', async () => {
    const client = t.wsClient({ authorization: `Bearer ${t.keys.READER}` });
    const closed = closeCode(client);
    const subs = [];
    for (let i = 0; i < LIMIT; i++) {
      const before = t.server.services.feed.listenerCount;
      subs.push(collect(client, MembershipChangedDocument, {}));
      await waitUntil(() => t.server.services.feed.listenerCount > before);
    }
    collect(client, MembershipChangedDocument, {});
    expect(await closed).toBe(4429);
    // The READER's HTTP budget is the same budget.
    const http = await t.gql('{ version }', undefined, { authorization: `Bearer ${t.keys.READER}` });
    expect(http.status).toBe(429);
  });
});

describe.each(dbKinds)('graphql-ws errors in production mode on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { production: true, nodeEnv: 'production' });
  });
  afterAll(() => t?.stop());

  /** How a subscription ends: the errors it gets (an `error` message, or a `next` with errors), or what else happened. */
  const ending = (query: string, variables: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      t.wsClient().subscribe({ query, variables }, { next: (r) => resolve(r.errors ?? 'an event'), error: resolve, complete: () => resolve('completed') });
    });

  /** Subscribes with since while the feed's replay reads through `replay` instead of the outbox. */
  async function withReplay(replay: typeof membershipRepository.changesAfterWithHorizon) {
    const original = membershipRepository.changesAfterWithHorizon;
    membershipRepository.changesAfterWithHorizon = replay;
    try {
      return await ending(print(MembershipChangedDocument), { since: '0' });
    } finally {
      membershipRepository.changesAfterWithHorizon = original;
    }
  }

  it('an error after the subscription started is formatted as over HTTP: codes and fields kept, internal detail masked', async () => {
    // The replay runs after the subscription has started: its failure ends it with an `error` message.
    const internal = await withReplay(async () => {
      throw new Error('connection to db-secret-host.internal:5432 refused');
    });
    expect(internal).toEqual([{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    // The pruning overtaking a replay: the same code and fields as a since refused at the start.
    const expired = await withReplay(async () => ({ changes: [], horizon: 42n }));
    expect(expired).toEqual([expect.objectContaining({ extensions: { code: 'SINCE_EXPIRED', field: 'since', prunedThroughSeq: '42' } })]);
    // What the client got wrong keeps its message, with the code HTTP gives it.
    const invalid = (await ending('subscription { noSuchField }')) as { message: string; extensions: unknown }[];
    expect(invalid).toEqual([expect.objectContaining({ message: expect.stringContaining('noSuchField'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const unnamed = await ending('subscription a { pinged { message } } subscription b { pinged { message } }');
    expect(unnamed).toEqual([expect.objectContaining({ extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })]);
  });
});
