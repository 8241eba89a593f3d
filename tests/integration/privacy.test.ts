import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  CreateTagDocument,
  EraseCustomerDocument,
  ExportCustomerDocument,
  RecordTouchpointsDocument,
  TagCustomersDocument,
  MergeCustomersDocument,
  UpsertCustomersDocument,
} from '../generated/graphql.ts';
import { externalIdValue, suppressionHash } from '../../src/modules/privacy/suppression.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Everything personal the test sends about Ada; none of it may survive the erase, anywhere.
const ADA = {
  email: 'ada@example.com',
  workEmail: 'ada@work.example',
  phone: '+14155552671',
  userId: 'u-ada',
  anon: 'anon-ada-1',
  anon2: 'anon-ada-2',
  externalId: 'ADA-1',
};
const NEEDLES = [ADA.email, ADA.workEmail, ADA.phone, '4155552671', '555-2671', ADA.userId, ADA.anon, ADA.anon2, ADA.externalId, 'Lovelace', 'Analytical Engines', '12 St James Sq', '10.1.2.3', 'Countess'];
const TABLES = ['customer', 'identity', 'touchpoint', 'touchpoint_dedup', 'failed_event', 'merge_event', 'membership_change', 'customer_tag', 'segment_membership', 'audit_log', 'alert'];
const FUTURE = '2999-01-01T00:00:00Z';

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

type Export = {
  customerId: string;
  customerIds: string[];
  customers: { id: string; email: string | null; phone: string | null; firstName: string | null; lastName: string | null; externalId: string | null; traits: Record<string, unknown>; erasedAt: string | null }[];
  identities: { type: string; value: string }[];
  touchpoints: { messageId: string; event: string | null; properties: Record<string, unknown>; context: Record<string, unknown>; anonymousId: string | null }[];
  touchpointsTruncated: boolean;
  tags: { key: string }[];
  segments: { segmentId: string }[];
  membershipChanges: { change: string; reason: { kind?: string } }[];
  merges: { loserId: string; winnerId: string }[];
  failedEvents: { reason: string; payload: { messageId?: string } }[];
  auditLog: { action: string; target: string }[];
  suppressedIdentifiers: { type: string; droppedCount: number }[];
};

describe.each(dbKinds)('privacy: erase and export on %s', (kind) => {
  let t: TestServer;
  let adaId: string;
  let bobId: string;
  let segmentId: string;
  let sentMessageIds: string[];
  let before: Export;
  let analyticsBefore: unknown;
  const writer = () => t.keys.WRITER;

  const track = (body: unknown) =>
    fetch(`${t.baseUrl}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(writer()) }, body: JSON.stringify(body) });
  const exportOf = async (id: string) => (await t.ok(ExportCustomerDocument, { id })).exportCustomer as Export;
  /** Rows of each table whose JSON form contains the needle, per table (only tables with hits). */
  const hitsFor = async (needle: string) => {
    const hits: Record<string, number> = {};
    for (const table of TABLES) {
      const [row] = await t.db.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table} x WHERE strpos(lower(to_jsonb(x)::text), lower($1)) > 0`, needle);
      if (row!.n > 0) hits[table] = row!.n;
    }
    return hits;
  };
  const analytics = () =>
    t.db.prisma.$queryRaw`SELECT event, channel::text AS channel, count(*)::int AS n, COALESCE(sum(revenue), 0)::text AS revenue FROM touchpoint GROUP BY 1, 2 ORDER BY 1, 2`;
  const customerCount = async () => (await t.db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM customer`)[0]!.n;

  beforeAll(async () => {
    t = await startTestServer(kind);
    segmentId = (await t.ok(CreateSegmentDocument, { input: { name: 'Buyers', rule: { event: 'Order Completed', count: { op: 'gte', value: 1 } } } })).createSegment.id;
    await t.ok(CreateTagDocument, { input: { key: 'vip', name: 'VIP' } });

    const upserted = await t.ok(UpsertCustomersDocument, {
      input: [
        {
          source: 'crm', externalId: ADA.externalId, email: ' Ada@Example.com ', phone: '(415) 555-2671', firstName: 'Ada', lastName: 'Lovelace',
          birthday: '1815-12-10', city: 'London', company: 'Analytical Engines', country: 'GB', traits: { plan: 'pro', nickname: 'Countess' },
        },
        { source: 'crm', externalId: 'BOB-1', email: 'bob@example.com', firstName: 'Bob' },
      ],
    });
    [adaId, bobId] = upserted.upsertCustomers.results.map((r) => r.customerId!) as [string, string];

    // A second device, on its own first: it becomes a customer of its own, later merged into Ada.
    const device = await t.ok(RecordTouchpointsDocument, {
      input: [{ messageId: 'm-3', event: 'Page Viewed', anonymousId: ADA.anon2, properties: { path: '/pricing' }, context: { traits: { email: ADA.workEmail } } }],
    });
    expect(device.recordTouchpoints.accepted).toBe(1);
    const recorded = await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'm-1', type: 'IDENTIFY', userId: ADA.userId, anonymousId: ADA.anon, traits: { email: ADA.email, firstName: 'Ada' } },
        {
          messageId: 'm-2', event: 'Order Completed', userId: ADA.userId, revenue: 120, currency: 'USD',
          properties: { revenue: 120, shipTo: '12 St James Sq', email: ADA.email }, context: { ip: '10.1.2.3', traits: { phone: '+1 415 555 2671' } },
        },
        { messageId: 'm-4', type: 'IDENTIFY', anonymousId: ADA.anon2, userId: ADA.userId },
        { messageId: 'm-5', event: 'Order Completed', userId: 'u-bob', identities: [{ type: 'EMAIL', value: 'bob@example.com' }], revenue: 10 },
        // Quarantined with Ada's raw identifiers in the payload (and one of Bob's, which must stay).
        { messageId: 'bad-1', event: 'Order Completed', identities: [{ type: 'PHONE', value: '(415) 555-2671' }, { type: 'EMAIL', value: 'not-an-email' }] },
        { messageId: 'bad-2', event: 'Order Completed', userId: ADA.userId, occurredAt: FUTURE },
        { messageId: 'bad-3', event: 'Order Completed', userId: 'u-bob', occurredAt: FUTURE },
      ],
    });
    expect(recorded.recordTouchpoints).toMatchObject({ accepted: 4, quarantined: 3, dropped: 0 });
    const http = await track({ messageId: 'm-6', userId: ADA.userId, event: 'Order Completed', properties: { revenue: 30, currency: 'USD' } });
    expect(await http.json()).toMatchObject({ accepted: 1 });
    sentMessageIds = ['m-1', 'm-2', 'm-3', 'm-4', 'm-6'];
    await t.ok(TagCustomersDocument, { tagKey: 'vip', customerIds: [adaId] });
  });
  afterAll(() => t?.stop());

  it('exports everything that was sent about the person, and only them', async () => {
    before = await exportOf(adaId);
    expect(before.customerId).toBe(adaId);
    expect(before.customerIds).toHaveLength(2);
    const ada = before.customers.find((c) => c.id === adaId)!;
    expect(ada).toMatchObject({ email: ADA.email, phone: ADA.phone, firstName: 'Ada', lastName: 'Lovelace', externalId: ADA.externalId, erasedAt: null });
    expect(ada.traits).toMatchObject({ plan: 'pro', nickname: 'Countess' });
    expect(before.identities.map((i) => `${i.type}:${i.value}`).sort()).toEqual(
      [`ANONYMOUS_ID:${ADA.anon}`, `ANONYMOUS_ID:${ADA.anon2}`, `EMAIL:${ADA.email}`, `EMAIL:${ADA.workEmail}`, `PHONE:${ADA.phone}`, `USER_ID:${ADA.userId}`].sort(),
    );
    expect(before.touchpoints.map((tp) => tp.messageId).sort()).toEqual(sentMessageIds);
    expect(before.touchpoints.find((tp) => tp.messageId === 'm-2')).toMatchObject({
      event: 'Order Completed',
      properties: { revenue: 120, shipTo: '12 St James Sq', email: ADA.email },
      context: { ip: '10.1.2.3', traits: { phone: '+1 415 555 2671' } },
    });
    expect(before.touchpointsTruncated).toBe(false);
    expect(before.tags.map((x) => x.key)).toEqual(['vip']);
    expect(before.segments.map((s) => s.segmentId)).toEqual([segmentId]);
    expect(before.merges).toHaveLength(1);
    expect(before.merges[0]!.winnerId).toBe(adaId);
    expect(before.failedEvents.map((f) => f.payload.messageId).sort()).toEqual(['bad-1', 'bad-2']);
    expect(before.suppressedIdentifiers).toEqual([]);
    expect(JSON.stringify(before)).not.toContain('bob@example.com');

    // The first export is itself on record, so the next one carries it.
    const again = await exportOf(before.merges[0]!.loserId);
    expect(again.customerId).toBe(adaId);
    expect(again.auditLog).toContainEqual(expect.objectContaining({ action: 'exportCustomer', target: adaId }));
  });

  it('refuses keys that are not ADMIN', async () => {
    for (const role of ['READER', 'OPERATOR', 'WRITER'] as const) {
      const headers = { authorization: `Bearer ${t.keys[role]}` };
      const erase = await t.gql(EraseCustomerDocument, { id: adaId }, headers);
      expect(erase.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
      const exp = await t.gql(ExportCustomerDocument, { id: adaId }, headers);
      expect(exp.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
    }
    expect((await t.db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM customer WHERE erased_at IS NOT NULL`)[0]!.n).toBe(0);
  });

  it('answers NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = '00000000-0000-4000-8000-000000000001';
    expect((await t.gql(EraseCustomerDocument, { id: unknown })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(ExportCustomerDocument, { id: unknown })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(EraseCustomerDocument, { id: 'not-an-id' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('erases every trace of the person in one go and keeps the analytics', async () => {
    analyticsBefore = await analytics();
    const customersBefore = await customerCount();
    for (const needle of NEEDLES) expect(Object.keys(await hitsFor(needle)).length, needle).toBeGreaterThan(0);

    const erased = (await t.ok(EraseCustomerDocument, { id: adaId })).eraseCustomer;
    expect(erased).toMatchObject({
      customerId: adaId,
      alreadyErased: false,
      customersScrubbed: 2,
      identitiesRemoved: before.identities.length,
      touchpointsScrubbed: before.touchpoints.length,
      // two emails, the phone, the user id and the CRM record; anonymous ids are not suppressed
      suppressedIdentifiersAdded: 5,
      failedEventsDeleted: 2,
      tagsRemoved: 1,
      segmentsLeft: 1,
      mergeEntriesScrubbed: 1,
    });
    expect([...erased.customerIds].sort()).toEqual([...before.customerIds].sort());

    for (const needle of NEEDLES) expect(await hitsFor(needle), needle).toEqual({});
    // Bob is untouched.
    expect(await hitsFor('bob@example.com')).toMatchObject({ customer: 1, identity: 1 });
    expect(await hitsFor('u-bob')).toMatchObject({ identity: 1, failed_event: 1 });
    expect(await analytics()).toEqual(analyticsBefore);
    expect(await customerCount()).toBe(customersBefore);

    const profile = await t.gql<{ customer: Record<string, unknown> & { stats: unknown } }, { id: string }>(
      `query($id: ID!) { customer(id: $id) { email phone firstName externalId traits erasedAt identities { type } tags { key } segments { id } stats { touchpointCount lifetimeValue } } }`,
      { id: adaId },
    );
    expect(profile.data!.customer).toMatchObject({ email: null, phone: null, firstName: null, externalId: null, traits: {}, identities: [], tags: [], segments: [], stats: { touchpointCount: 5, lifetimeValue: 150 } });
    expect(profile.data!.customer.erasedAt).toBe(erased.erasedAt);
    const lookup = await t.gql<{ customerByIdentity: unknown }, unknown>(`{ customerByIdentity(type: EMAIL, value: "${ADA.email}") { id } }`);
    expect(lookup.data!.customerByIdentity).toBeNull();

    // The membership left through the outbox, so subscribers and downstream copies hear of it.
    const changes = await t.db.prisma.$queryRaw<{ change: string; kind: string }[]>`
      SELECT change::text AS change, reason->>'kind' AS kind FROM membership_change WHERE customer_id = ${adaId}::uuid ORDER BY seq DESC LIMIT 1`;
    expect(changes).toEqual([{ change: 'LEFT', kind: 'erased' }]);

    const after = await exportOf(adaId);
    expect(after.identities).toEqual([]);
    expect(after.touchpoints.map((tp) => tp.messageId).sort()).toEqual(sentMessageIds);
    expect(after.touchpoints.every((tp) => JSON.stringify([tp.properties, tp.context, tp.anonymousId]) === '[{},{},null]')).toBe(true);
    expect(after.suppressedIdentifiers.map((s) => s.type).sort()).toEqual(['CRM_ID', 'EMAIL', 'EMAIL', 'PHONE', 'USER_ID']);
    expect(after.customers.every((c) => c.erasedAt !== null)).toBe(true);
  });

  it('is idempotent: erasing again changes nothing', async () => {
    const first = await t.db.prisma.$queryRaw`SELECT id, erased_at, updated_at FROM customer WHERE erased_at IS NOT NULL ORDER BY id`;
    const again = (await t.ok(EraseCustomerDocument, { id: adaId })).eraseCustomer;
    expect(again).toMatchObject({
      customerId: adaId,
      alreadyErased: true,
      customersScrubbed: 0,
      identitiesRemoved: 0,
      touchpointsScrubbed: 0,
      suppressedIdentifiersAdded: 0,
      failedEventsDeleted: 0,
      tagsRemoved: 0,
      segmentsLeft: 0,
      mergeEntriesScrubbed: 0,
    });
    expect(await t.db.prisma.$queryRaw`SELECT id, erased_at, updated_at FROM customer WHERE erased_at IS NOT NULL ORDER BY id`).toEqual(first);
  });

  it('refuses to merge with or tag an erased person, which would attach data to them again', async () => {
    const merge = await t.gql(MergeCustomersDocument, { winnerId: bobId, loserId: adaId, reason: 'test' });
    expect(merge.errors?.[0]?.extensions).toMatchObject({ code: 'CUSTOMER_ERASED', field: 'loserId' });
    const into = await t.gql(MergeCustomersDocument, { winnerId: adaId, loserId: bobId, reason: 'test' });
    expect(into.errors?.[0]?.extensions).toMatchObject({ code: 'CUSTOMER_ERASED', field: 'winnerId' });
    const tagged = (await t.ok(TagCustomersDocument, { tagKey: 'vip', customerIds: [adaId, bobId] })).tagCustomers;
    expect(tagged.notFound).toEqual([adaId]);
    expect(await hitsFor(adaId).then((h) => h.customer_tag ?? 0)).toBe(0);
    // Bob is untouched by the refused merges and was tagged.
    expect((await t.db.prisma.customer.findUniqueOrThrow({ where: { id: bobId } })).mergedIntoId).toBeNull();
  });

  it('drops and counts events and rows that name the person again, on both doors', async () => {
    const customersBefore = await customerCount();
    const sent = await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'r-1', event: 'Order Completed', anonymousId: 'fresh-anon', context: { traits: { email: ' ADA@example.com ' } }, revenue: 5 },
        { messageId: 'r-2', event: 'Page Viewed', userId: ADA.userId },
        { messageId: 'r-3', event: 'Call', channel: 'CALL_CENTER', identities: [{ type: 'PHONE', value: '(415) 555-2671' }] },
        { messageId: 'r-4', event: 'Page Viewed', userId: 'u-bob' },
      ],
    });
    expect(sent.recordTouchpoints).toMatchObject({ accepted: 1, dropped: 3, quarantined: 0, duplicates: 0 });
    expect(sent.recordTouchpoints.results.map((r) => [r.status, r.reason, r.customerId])).toEqual([
      ['DROPPED', 'suppressed', null],
      ['DROPPED', 'suppressed', null],
      ['DROPPED', 'suppressed', null],
      ['ACCEPTED', null, bobId],
    ]);
    const http = await track({ messageId: 'r-5', userId: ADA.userId, event: 'Order Completed', properties: { revenue: 99 } });
    expect(http.status).toBe(200);
    expect(await http.json()).toMatchObject({ accepted: 0, dropped: 1 });

    const rows = await t.ok(UpsertCustomersDocument, {
      input: [
        { source: 'crm', externalId: ADA.externalId, firstName: 'Ada' },
        { source: 'crm', externalId: 'NEW-9', email: 'Ada@Example.com' },
        { source: 'crm', externalId: 'CAROL-1', email: 'carol@example.com' },
      ],
    });
    expect(rows.upsertCustomers).toMatchObject({ created: 1, failed: 2 });
    expect(rows.upsertCustomers.errors.map((e) => [e.index, e.field, e.code])).toEqual([
      [0, 'externalId', 'SUPPRESSED'],
      [1, 'email', 'SUPPRESSED'],
    ]);
    expect(rows.upsertCustomers.results.map((r) => r.status)).toEqual(['FAILED', 'FAILED', 'CREATED']);

    expect(await customerCount()).toBe(customersBefore + 1);
    for (const needle of NEEDLES) expect(await hitsFor(needle), needle).toEqual({});
    const dropped = async (type: 'EMAIL' | 'PHONE' | 'USER_ID' | 'CRM_ID', value: string) =>
      (await t.db.prisma.suppressedIdentifier.findUniqueOrThrow({ where: { hash: suppressionHash(type, value) } })).droppedCount;
    expect(await dropped('EMAIL', ADA.email)).toBe(2);
    expect(await dropped('USER_ID', ADA.userId)).toBe(2);
    expect(await dropped('PHONE', ADA.phone)).toBe(1);
    expect(await dropped('CRM_ID', externalIdValue('crm', ADA.externalId))).toBe(1);
    expect(await dropped('EMAIL', ADA.workEmail)).toBe(0);
  });

  it('drops a malformed event that names the person instead of quarantining their data again', async () => {
    const count = async () => (await t.db.prisma.suppressedIdentifier.findUniqueOrThrow({ where: { hash: suppressionHash('USER_ID', ADA.userId) } })).droppedCount;
    const before = await count();
    const failedBefore = await t.db.prisma.failedEvent.count();
    // Both would be quarantined (occurredAt in the future); only the stranger's is.
    const sent = await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'bad-ada', event: 'Order Completed', userId: ADA.userId, occurredAt: FUTURE, properties: { note: ADA.email } },
        { messageId: 'bad-carol', event: 'Order Completed', userId: 'u-carol', occurredAt: FUTURE },
      ],
    });
    expect(sent.recordTouchpoints.results.map((r) => [r.status, r.reason])).toEqual([
      ['DROPPED', 'suppressed'],
      ['QUARANTINED', expect.any(String)],
    ]);
    expect(await t.db.prisma.failedEvent.count()).toBe(failedBefore + 1);
    expect(await count()).toBe(before + 1);
    for (const needle of [ADA.userId, ADA.email]) expect(await hitsFor(needle), needle).toEqual({});
  });

  it('puts both actions in the audit log', async () => {
    const log = await t.gql<{ auditLog: { edges: { node: { action: string; target: string; outcome: string } }[] } }, unknown>(
      `{ auditLog(first: 50) { edges { node { action target outcome } } } }`,
    );
    const entries = log.data!.auditLog.edges.map((e) => e.node);
    expect(entries.filter((e) => e.action === 'eraseCustomer' && e.target === adaId && e.outcome === 'ok')).toHaveLength(2);
    expect(entries).toContainEqual({ action: 'exportCustomer', target: adaId, outcome: 'ok' });
    expect(entries).toContainEqual({ action: 'eraseCustomer', target: '00000000-0000-4000-8000-000000000001', outcome: 'NOT_FOUND' });
  });
});
