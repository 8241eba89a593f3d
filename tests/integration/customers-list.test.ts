import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomersPageDocument, type CustomersPageQuery, UpsertCustomersDocument, type CustomerInput } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Real data: the Olist customers sample. customer_unique_id is the person; customer_id is per order,
// so several rows can be one customer.
const rows = readCsv('olist_sample_customers_dataset.csv');
const input: CustomerInput[] = rows.map((r) => ({
  source: 'olist',
  externalId: r.customer_unique_id,
  identities: [{ type: 'CUSTOM', value: `olist-order-customer:${r.customer_id}` }],
  country: 'BR',
  city: r.customer_city,
  traits: { state: r.customer_state, zip: r.customer_zip_code_prefix },
}));
const people = new Set(rows.map((r) => r.customer_unique_id));
const lastRowOf = new Map(rows.map((r) => [r.customer_unique_id, r]));

describe.each(dbKinds)('customers() on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    const r = await t.ok(UpsertCustomersDocument, { input });
    expect(r.upsertCustomers.failed).toBe(0);
    expect(r.upsertCustomers.created).toBe(people.size);
  });
  afterAll(() => t?.stop());

  it('pages through every customer exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const conn: CustomersPageQuery['customers'] = (await t.ok(CustomersPageDocument, { first: 7, after })).customers;
      expect(conn.totalCount).toBe(people.size);
      seen.push(...conn.edges.map((e) => e.node.externalId!));
      pages++;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(people.size / 7));
    expect(seen.length).toBe(people.size);
    expect(new Set(seen)).toEqual(people);
  });

  it('filters by city, trait and text, with totalCount over all pages', async () => {
    const city = rows[0]!.customer_city;
    const expectedCity = [...lastRowOf.values()].filter((r) => r.customer_city === city).length;
    const byCity = await t.ok(CustomersPageDocument, { filter: { city }, first: 1 });
    expect(byCity.customers.totalCount).toBe(expectedCity);

    const expectedSP = [...lastRowOf.values()].filter((r) => r.customer_state === 'SP').length;
    const bySP = await t.ok(CustomersPageDocument, { filter: { traits: [{ key: 'state', equals: 'SP' }] } });
    expect(bySP.customers.totalCount).toBe(expectedSP);
    expect(expectedSP).toBeGreaterThan(0);

    const absent = await t.ok(CustomersPageDocument, { filter: { traits: [{ key: 'missing', exists: false }] } });
    expect(absent.customers.totalCount).toBe(people.size);
    const present = await t.ok(CustomersPageDocument, { filter: { traits: [{ key: 'zip', exists: true }] } });
    expect(present.customers.totalCount).toBe(people.size);

    const bySearch = await t.ok(CustomersPageDocument, { filter: { search: 'nobody-matches-this' } });
    expect(bySearch.customers.totalCount).toBe(0);
  });

  it('orders by a key in either direction and pages consistently', async () => {
    const asc = await t.ok(CustomersPageDocument, { orderBy: { field: 'CREATED_AT', direction: 'ASC' }, first: 100 });
    const desc = await t.ok(CustomersPageDocument, { orderBy: { field: 'CREATED_AT', direction: 'DESC' }, first: 100 });
    const ascAll = asc.customers.edges.map((e) => e.node.id);
    expect(desc.customers.edges.map((e) => e.node.id).slice(0, 5)).not.toEqual(ascAll.slice(0, 5));
    // Nullable keys (no touchpoints yet, so lastSeenAt is null for everyone) still page without loss.
    const seen = new Set<string>();
    let after: string | null | undefined;
    do {
      const p = await t.ok(CustomersPageDocument, { orderBy: { field: 'LAST_SEEN_AT', direction: 'DESC' }, first: 50, after });
      p.customers.edges.forEach((e) => seen.add(e.node.id));
      after = p.customers.pageInfo.hasNextPage ? p.customers.pageInfo.endCursor : undefined;
    } while (after);
    expect(seen.size).toBe(people.size);
  });

  it('rejects oversized pages and foreign cursors with codes', async () => {
    const big = await t.gql(CustomersPageDocument, { first: 101 });
    expect(big.errors?.[0]?.extensions?.code).toBe('PAGE_SIZE_TOO_LARGE');
    const bad = await t.gql(CustomersPageDocument, { after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    const badSegment = await t.gql(CustomersPageDocument, { filter: { segmentId: 'x' } });
    expect(badSegment.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
