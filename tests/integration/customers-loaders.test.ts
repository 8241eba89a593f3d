import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomersWithRelationsDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { countStatements, startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('field resolvers batch through DataLoaders on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    const input = Array.from({ length: 150 }, (_, i) => ({
      source: 'crm',
      externalId: `L-${i}`,
      email: `person${i}@example.com`,
      identities: [{ type: 'USER_ID' as const, value: `u-${i}` }],
    }));
    const r = await t.ok(UpsertCustomersDocument, { input });
    const ids = r.upsertCustomers.results.map((x) => x.customerId!);
    // Tags and segments have no API yet (a later issue); give every customer some rows directly.
    const p = t.db.prisma;
    const tags = await Promise.all(['vip', 'newsletter'].map((key) => p.tag.create({ data: { key, name: key } })));
    const segment = await p.segment.create({ data: { name: 'Everyone', rule: {} } });
    await p.customerTag.createMany({ data: ids.flatMap((customerId, i) => tags.slice(0, 1 + (i % 2)).map((tag) => ({ customerId, tagId: tag.id }))) });
    await p.segmentMembership.createMany({ data: ids.map((customerId) => ({ customerId, segmentId: segment.id })) });
  });
  afterAll(() => t?.stop());

  it('customers(first: 100) runs as many statements as customers(first: 10)', async () => {
    const small = await countStatements(t.db, () => t.ok(CustomersWithRelationsDocument, { first: 10 }));
    const large = await countStatements(t.db, () => t.ok(CustomersWithRelationsDocument, { first: 100 }));
    expect(small.result.customers.edges).toHaveLength(10);
    expect(large.result.customers.edges).toHaveLength(100);
    // The relations really were loaded, so the count below is not of a query that skipped them.
    for (const { node } of large.result.customers.edges) {
      expect(node.identities.map((i) => i.type).sort()).toEqual(['EMAIL', 'USER_ID']);
      expect(node.tags.length).toBeGreaterThanOrEqual(1);
      expect(node.segments).toEqual([expect.objectContaining({ name: 'Everyone' })]);
    }
    expect(large.statements.length).toBe(small.statements.length);
    // page + totalCount + identities + tags + segments + channel stats
    expect(large.statements.length).toBeLessThanOrEqual(6);
  });
});
