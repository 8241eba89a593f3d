import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomersWithRelationsDocument, ProfileReadDocument, RecordTouchpointsDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { countStatements, startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('field resolvers batch through DataLoaders on %s', (kind) => {
  let t: TestServer;
  let ids: string[];
  beforeAll(async () => {
    t = await startTestServer(kind);
    const input = Array.from({ length: 150 }, (_, i) => ({
      source: 'crm',
      externalId: `L-${i}`,
      email: `person${i}@example.com`,
      identities: [{ type: 'USER_ID' as const, value: `u-${i}` }],
    }));
    const r = await t.ok(UpsertCustomersDocument, { input });
    ids = r.upsertCustomers.results.map((x) => x.customerId!);
    // Tags and segments have no API yet (a later issue); give every customer some rows directly.
    const p = t.db.prisma;
    const tags = await Promise.all(['vip', 'newsletter'].map((key) => p.tag.create({ data: { key, name: key } })));
    const segment = await p.segment.create({ data: { name: 'Everyone', rule: {} } });
    await p.customerTag.createMany({ data: ids.flatMap((customerId, i) => tags.slice(0, 1 + (i % 2)).map((tag) => ({ customerId, tagId: tag.id }))) });
    await p.segmentMembership.createMany({ data: ids.map((customerId) => ({ customerId, segmentId: segment.id })) });
  });
  afterAll(() => t?.stop());

  it('customers(first: 100) runs as many statements as customers(first: 10)', async () => {
    // The key check is cached for 5 s and costs two statements when it is not (a slow, loaded
    // machine gets there): warm it right before each count so only the query's own statements count.
    await t.ok(CustomersWithRelationsDocument, { first: 1 });
    const small = await countStatements(t.db, () => t.ok(CustomersWithRelationsDocument, { first: 10 }));
    await t.ok(CustomersWithRelationsDocument, { first: 1 });
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

  it('a whole profile (identities, tags, segments, stats, a journey page) costs two statements: the customer, then its parts', async () => {
    // 25 touchpoints on alternating channels, an hour apart: more than one page, a switch at every step.
    const channels = ['WEB', 'EMAIL'] as const;
    const start = Date.parse('2026-03-01T00:00:00Z');
    const input = Array.from({ length: 25 }, (_, i) => ({
      messageId: `profile-${i}`,
      event: `Step ${i}`,
      channel: channels[i % 2],
      identities: [{ type: 'USER_ID' as const, value: 'u-7' }],
      occurredAt: new Date(start + i * 3_600_000).toISOString(),
    }));
    const rec = await t.ok(RecordTouchpointsDocument, { input });
    expect(rec.recordTouchpoints.accepted).toBe(25);
    const id = ids[7]!;
    await t.ok(ProfileReadDocument, { id }); // warms the key check (see above)
    const { result, statements } = await countStatements(t.db, () => t.ok(ProfileReadDocument, { id }));
    const c = result.customer!;
    expect(c.id).toBe(id);
    expect(c.identities.map((i) => `${i.type}:${i.value}`).sort()).toEqual(['EMAIL:person7@example.com', 'USER_ID:u-7']);
    expect(c.tags.map((x) => x.key)).toEqual(['newsletter', 'vip']); // odd index: both tags, by key
    expect(c.segments).toEqual([{ name: 'Everyone' }]);
    expect(c.stats.touchpointCount).toBe(25);
    expect([...c.stats.channels].sort()).toEqual(['EMAIL', 'WEB']);
    expect(c.journey.pageInfo.hasNextPage).toBe(true);
    expect(c.journey.edges.map((e) => e.node.touchpoint.event)).toEqual(input.slice(0, 20).map((x) => x.event));
    expect(c.journey.edges.map((e) => e.node.touchpoint.occurredAt)).toEqual(input.slice(0, 20).map((x) => x.occurredAt));
    // An hour apart is more than the 30-minute session gap: every touchpoint starts a session.
    expect(c.journey.edges.map((e) => e.node.session)).toEqual(input.slice(0, 20).map((_, i) => i + 1));
    expect(c.journey.edges.map((e) => e.node.channelSwitch)).toEqual(input.slice(0, 20).map((_, i) => i > 0));
    expect(statements, statements.join('\n')).toHaveLength(2);
  });
});
