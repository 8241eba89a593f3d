import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustomerByIdDocument,
  CustomerByIdentityDocument,
  CustomersPageDocument,
  UpsertCustomersDocument,
  type CustomerInput,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('upsertCustomers on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  const crmBatch: CustomerInput[] = [
    { source: 'crm', externalId: 'A-1', email: ' Ada@Example.COM ', firstName: 'Ada', lastName: 'Lovelace', country: 'gb', traits: { plan: 'pro' } },
    { source: 'crm', externalId: 'A-2', phone: '(415) 555-2671', name: 'Grace Hopper', birthday: '1906-12-09' },
    { identities: [{ type: 'WECHAT_OPEN_ID', value: 'oWx-123' }, { type: 'EMAIL', value: 'linus@example.com' }], city: 'Helsinki' },
  ];

  it('creates, then the same batch again changes nothing', async () => {
    const first = (await t.ok(UpsertCustomersDocument, { input: crmBatch })).upsertCustomers;
    expect(first).toMatchObject({ created: 3, updated: 0, unchanged: 0, failed: 0, errors: [] });
    expect(first.results.map((r) => r.status)).toEqual(['CREATED', 'CREATED', 'CREATED']);
    const ada = first.results[0]!.customer!;
    expect(ada.email).toBe('ada@example.com');
    expect(ada.country).toBe('GB');
    expect(ada.identities).toContainEqual({ type: 'EMAIL', value: 'ada@example.com', source: 'crm' });
    expect(first.results[1]!.customer!.phone).toBe('+14155552671');

    const second = (await t.ok(UpsertCustomersDocument, { input: crmBatch })).upsertCustomers;
    expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 3, failed: 0, errors: [] });
    expect(second.results.map((r) => r.customerId)).toEqual(first.results.map((r) => r.customerId));
    // Nothing was rewritten: updatedAt and the identities are exactly as before.
    expect(second.results.map((r) => r.customer)).toEqual(first.results.map((r) => r.customer));
    const page = await t.ok(CustomersPageDocument, { first: 10 });
    expect(page.customers.totalCount).toBe(3);
  });

  it('matches by externalId first, else by any identity, and merges traits key by key', async () => {
    const r = (
      await t.ok(UpsertCustomersDocument, {
        input: [
          { source: 'crm', externalId: 'A-1', traits: { score: 7 }, lastName: null },
          { identities: [{ type: 'EMAIL', value: 'LINUS@example.com' }], company: 'Linux Foundation' },
        ],
      })
    ).upsertCustomers;
    expect(r).toMatchObject({ created: 0, updated: 2, unchanged: 0 });
    const ada = r.results[0]!.customer!;
    expect(ada.traits).toEqual({ plan: 'pro', score: 7 });
    expect(ada.lastName).toBeNull(); // explicit null clears
    expect(ada.firstName).toBe('Ada'); // absent keeps
    const linus = r.results[1]!.customer!;
    expect(linus.city).toBe('Helsinki');
    expect(linus.company).toBe('Linux Foundation');
    expect(linus.identities.map((i) => i.type).sort()).toEqual(['EMAIL', 'WECHAT_OPEN_ID']);
  });

  it('finds a customer by an identity written any way the normaliser accepts', async () => {
    const byEmail = await t.ok(CustomerByIdentityDocument, { type: 'EMAIL', value: ' Ada@EXAMPLE.com ' });
    expect(byEmail.customerByIdentity?.externalId).toBe('A-1');
    const byPhone = await t.ok(CustomerByIdentityDocument, { type: 'PHONE', value: '+1 415-555-2671' });
    expect(byPhone.customerByIdentity?.name).toBe('Grace Hopper');
    const none = await t.ok(CustomerByIdentityDocument, { type: 'EMAIL', value: 'nobody@example.com' });
    expect(none.customerByIdentity).toBeNull();
    const bad = await t.gql(CustomerByIdentityDocument, { type: 'PHONE', value: 'not a phone' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_PHONE');
  });

  it('reports bad rows as row errors and still applies the good ones', async () => {
    const r = (
      await t.ok(UpsertCustomersDocument, {
        input: [
          { source: 'crm', externalId: 'B-1', email: 'not-an-email' },
          { source: 'crm', externalId: 'B-2', email: 'good@example.com' },
          { source: 'crm', externalId: 'B-3', phone: '12' },
          { identities: [{ type: 'USER_ID', value: '   ' }] },
          { source: 'crm', externalId: 'B-4', birthday: '1990-02-30' },
        ],
      })
    ).upsertCustomers;
    expect(r).toMatchObject({ created: 1, failed: 4 });
    expect(r.results.map((x) => x.status)).toEqual(['FAILED', 'CREATED', 'FAILED', 'FAILED', 'FAILED']);
    expect(r.errors.map((e) => [e.index, e.field, e.code])).toEqual([
      [0, 'email', 'INVALID_EMAIL'],
      [2, 'phone', 'INVALID_PHONE'],
      [3, 'identities.0.value', 'INVALID_IDENTITY'],
      [4, 'birthday', 'INVALID_DATE'],
    ]);
    const stored = await t.ok(CustomersPageDocument, { filter: { source: 'crm' }, first: 100 });
    expect(stored.customers.edges.map((e) => e.node.externalId).sort()).toEqual(['A-1', 'A-2', 'B-2']);
  });

  it('refuses more than 1,000 rows with BATCH_TOO_LARGE and stores none of them', async () => {
    const input = Array.from({ length: 1001 }, (_, i) => ({ source: 'bulk', externalId: `X-${i}` }));
    const r = await t.gql(UpsertCustomersDocument, { input });
    expect(r.errors?.[0]?.extensions?.code).toBe('BATCH_TOO_LARGE');
    const stored = await t.ok(CustomersPageDocument, { filter: { source: 'bulk' } });
    expect(stored.customers.totalCount).toBe(0);
  });

  it('rows of one batch that share an identity land on one customer', async () => {
    const r = (
      await t.ok(UpsertCustomersDocument, {
        input: [
          { identities: [{ type: 'ANONYMOUS_ID', value: 'anon-77' }], city: 'Lyon' },
          { identities: [{ type: 'ANONYMOUS_ID', value: 'anon-77' }, { type: 'EMAIL', value: 'zoe@example.com' }], firstName: 'Zoe' },
        ],
      })
    ).upsertCustomers;
    expect(r.results[0]!.customerId).toBe(r.results[1]!.customerId);
    expect(r.results.map((x) => x.status)).toEqual(['CREATED', 'UPDATED']);
    const c = await t.ok(CustomerByIdDocument, { id: r.results[0]!.customerId! });
    expect(c.customer).toMatchObject({ city: 'Lyon', firstName: 'Zoe' });
    expect(c.customer!.stats).toEqual({ touchpointCount: 0, channels: [], firstSeenAt: null, lastSeenAt: null, lifetimeValue: 0, orderCount: 0 });
  });

  it('a CRM row that ties two known customers together merges them (and the merge can be undone)', async () => {
    const crm = (await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'M-1', city: 'Porto' }] })).upsertCustomers.results[0]!.customerId!;
    const web = (await t.ok(UpsertCustomersDocument, { input: [{ identities: [{ type: 'EMAIL', value: 'mo@example.com' }], firstName: 'Mo' }] })).upsertCustomers.results[0]!.customerId!;
    expect(crm).not.toBe(web);
    const r = (await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'M-1', email: 'mo@example.com' }] })).upsertCustomers;
    expect(r.results[0]).toMatchObject({ status: 'UPDATED', customerId: crm });
    expect(r.results[0]!.customer).toMatchObject({ city: 'Porto', firstName: 'Mo', email: 'mo@example.com' });
    const found = await t.ok(CustomerByIdentityDocument, { type: 'EMAIL', value: 'mo@example.com' });
    expect(found.customerByIdentity!.id).toBe(crm);
    const merges = await t.db.prisma.mergeEvent.findMany({ where: { winnerId: crm } });
    expect(merges.map((m) => [m.loserId, m.status, m.performedBy])).toEqual([[web, 'MERGED', 'crm-sync']]);
    // Sending the row again is a no-op.
    const again = (await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'M-1', email: 'mo@example.com' }] })).upsertCustomers;
    expect(again).toMatchObject({ unchanged: 1 });
  });
});
