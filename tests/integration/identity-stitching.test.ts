import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustomerByIdentityDocument,
  CustomerMergesDocument,
  CustomersPageDocument,
  JourneyDocument,
  MergeCustomersDocument,
  RecordTouchpointsDocument,
  UnmergeCustomersDocument,
  UpsertCustomersDocument,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const at = (iso: string) => new Date(iso).toISOString();

describe.each(dbKinds)('identity resolution and journeys on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('an anonymous web visitor who logs in on the app and buys in a store with the same phone is one customer with one journey', async () => {
    // Three channels, three kinds of id, sent in three separate calls as three systems would.
    await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'w-1', type: 'PAGE', event: 'Page Viewed', anonymousId: 'web-anon-1', channel: 'WEB', occurredAt: at('2026-03-01T10:00:00Z') },
        { messageId: 'w-2', event: 'Product Viewed', anonymousId: 'web-anon-1', channel: 'WEB', occurredAt: at('2026-03-01T10:05:00Z') },
      ],
    });
    await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'a-1', type: 'IDENTIFY', userId: 'app-user-1', anonymousId: 'web-anon-1', channel: 'APP', traits: { phone: '+1 415 555 2671', firstName: 'Mia' }, occurredAt: at('2026-03-02T09:00:00Z') },
        { messageId: 'a-2', event: 'Added to Cart', userId: 'app-user-1', channel: 'APP', occurredAt: at('2026-03-02T09:10:00Z') },
      ],
    });
    // The store knows only the phone, written its own way.
    await t.ok(RecordTouchpointsDocument, {
      input: [{ messageId: 's-1', event: 'Store Purchase', identities: [{ type: 'PHONE', value: '(415) 555-2671' }], channel: 'STORE_POS', revenue: 99.9, currency: 'USD', occurredAt: at('2026-03-05T15:00:00Z') }],
    });

    const ids = await Promise.all(
      [
        ['ANONYMOUS_ID', 'web-anon-1'],
        ['USER_ID', 'app-user-1'],
        ['PHONE', '+14155552671'],
      ].map(async ([type, value]) => (await t.ok(CustomerByIdentityDocument, { type: type as 'USER_ID', value: value! })).customerByIdentity!.id),
    );
    expect(new Set(ids).size).toBe(1);
    const j = (await t.ok(JourneyDocument, { id: ids[0]! })).customer!;
    expect(j.stats).toMatchObject({ touchpointCount: 5, lifetimeValue: 99.9, orderCount: 1, firstSeenAt: at('2026-03-01T10:00:00Z'), lastSeenAt: at('2026-03-05T15:00:00Z') });
    expect([...j.stats.channels].sort()).toEqual(['APP', 'STORE_POS', 'WEB']);
    expect(j.journey.edges.map((e) => [e.node.touchpoint.messageId, e.node.session, e.node.stage, e.node.channelSwitch])).toEqual([
      ['w-1', 1, 'AWARENESS', false],
      ['w-2', 1, 'CONSIDERATION', false],
      ['a-1', 2, 'CONSIDERATION', true],
      ['a-2', 2, 'CONSIDERATION', false],
      ['s-1', 3, 'PURCHASE', true],
    ]);
    expect(j.journey.totalCount).toBe(5);
    expect(j.journey.channelSwitches).toBe(2);
    expect(j.journey.sessions.map((s) => [s.session, s.touchpointCount, s.channels])).toEqual([
      [1, 2, ['WEB']],
      [2, 2, ['APP']],
      [3, 1, ['STORE_POS']],
    ]);
    // Paging and filters keep the session numbers of the whole journey.
    const page2 = (await t.ok(JourneyDocument, { id: ids[0]!, first: 2, after: j.journey.edges[1]!.cursor })).customer!.journey;
    expect(page2.edges.map((e) => e.node.touchpoint.messageId)).toEqual(['a-1', 'a-2']);
    const storeOnly = (await t.ok(JourneyDocument, { id: ids[0]!, channels: ['STORE_POS'] })).customer!.journey;
    expect(storeOnly.edges.map((e) => [e.node.touchpoint.messageId, e.node.session])).toEqual([['s-1', 3]]);
    const profile = (await t.ok(CustomerMergesDocument, { id: ids[0]! })).customer!;
    expect(profile.phone).toBe('+14155552671');
    expect(profile.identities.map((i) => i.type).sort()).toEqual(['ANONYMOUS_ID', 'PHONE', 'USER_ID']);
  });

  it('merges two known customers when one event links them, and unmerge restores both exactly', async () => {
    await t.ok(UpsertCustomersDocument, {
      input: [
        { source: 'crm', externalId: 'K-1', email: 'kim@example.com', city: 'Seoul' },
        { identities: [{ type: 'WECHAT_OPEN_ID', value: 'oKim' }], name: 'Kim (WeChat)' },
      ],
    });
    await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'k-1', event: 'Email Opened', identities: [{ type: 'EMAIL', value: 'kim@example.com' }], channel: 'EMAIL', occurredAt: at('2026-04-01T08:00:00Z') },
        { messageId: 'k-2', event: 'Order Completed', identities: [{ type: 'WECHAT_OPEN_ID', value: 'oKim' }], channel: 'MINI_PROGRAM', revenue: 10, occurredAt: at('2026-04-02T08:00:00Z') },
      ],
    });
    const emailSide = (await t.ok(CustomerByIdentityDocument, { type: 'EMAIL', value: 'kim@example.com' })).customerByIdentity!.id;
    const wechatSide = (await t.ok(CustomerByIdentityDocument, { type: 'WECHAT_OPEN_ID', value: 'oKim' })).customerByIdentity!.id;
    expect(emailSide).not.toBe(wechatSide);
    await t.db.prisma.tag.create({ data: { key: 'wechat-fan', name: 'WeChat fan' } }).then((tag) => t.db.prisma.customerTag.create({ data: { customerId: wechatSide, tagId: tag.id } }));
    const before = await Promise.all([emailSide, wechatSide].map(async (id) => (await t.ok(CustomerMergesDocument, { id })).customer!));

    // One event carries both ids: they are one person.
    await t.ok(RecordTouchpointsDocument, {
      input: [{ messageId: 'k-3', event: 'Login', identities: [{ type: 'EMAIL', value: 'kim@example.com' }, { type: 'WECHAT_OPEN_ID', value: 'oKim' }], channel: 'MINI_PROGRAM', occurredAt: at('2026-04-03T08:00:00Z') }],
    });
    const merged = (await t.ok(CustomerMergesDocument, { id: wechatSide })).customer!;
    expect(merged.id).toBe(emailSide); // the older customer wins; the loser's id leads to it
    expect(merged.merges).toEqual([expect.objectContaining({ winnerId: emailSide, loserId: wechatSide, status: 'MERGED', undoneAt: null })]);
    expect(merged.stats).toEqual({ touchpointCount: 3, lifetimeValue: 10 });
    expect(merged.tags.map((x) => x.key)).toEqual(['wechat-fan']);
    expect(merged.identities.map((i) => i.type).sort()).toEqual(['EMAIL', 'WECHAT_OPEN_ID']);
    const list = await t.ok(CustomersPageDocument, { filter: { search: 'kim' }, first: 10 });
    expect(list.customers.edges.map((e) => e.node.id)).toEqual([emailSide]);

    await t.ok(UnmergeCustomersDocument, { mergeId: merged.merges[0]!.id });
    const after = await Promise.all([emailSide, wechatSide].map(async (id) => (await t.ok(CustomerMergesDocument, { id })).customer!));
    // The login that linked them stays with the winner; everything each side had before is back.
    expect(after[1]).toEqual({ ...before[1], merges: [expect.objectContaining({ id: merged.merges[0]!.id, undoneAt: expect.any(String) })] });
    expect(after[0]!.identities).toEqual(before[0]!.identities);
    expect(after[0]!.tags).toEqual(before[0]!.tags);
    expect(after[0]!.stats).toEqual({ touchpointCount: 2, lifetimeValue: 0 });
    const again = await t.gql(UnmergeCustomersDocument, { mergeId: merged.merges[0]!.id });
    expect(again.errors?.[0]?.extensions?.code).toBe('ALREADY_UNDONE');
  });

  it('never links through blocked junk ids, and refuses a merge that would give one person two user ids', async () => {
    const r = (
      await t.ok(RecordTouchpointsDocument, {
        input: [
          { messageId: 'j-1', event: 'Login', userId: 'real-1', anonymousId: 'undefined' },
          { messageId: 'j-2', event: 'Login', userId: 'real-2', anonymousId: 'undefined' },
          { messageId: 'j-3', event: 'Login', anonymousId: 'null' },
        ],
      })
    ).recordTouchpoints;
    expect(r.results.map((x) => x.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'QUARANTINED']);
    expect(r.results[2]!.reason).toBe('blocked_identity');
    expect(r.results[0]!.customerId).not.toBe(r.results[1]!.customerId);

    // A shared device: one anonymous id seen with two different users.
    const shared = (
      await t.ok(RecordTouchpointsDocument, {
        input: [
          { messageId: 'd-1', event: 'Login', userId: 'real-1', anonymousId: 'tablet-1' },
          { messageId: 'd-2', event: 'Login', userId: 'real-2', anonymousId: 'tablet-1' },
        ],
      })
    ).recordTouchpoints;
    expect(shared.results[0]!.customerId).not.toBe(shared.results[1]!.customerId);
    const manual = await t.gql(MergeCustomersDocument, { winnerId: r.results[0]!.customerId!, loserId: r.results[1]!.customerId! });
    expect(manual.errors?.[0]?.extensions?.code).toBe('MERGE_CONFLICT');
  });

  it('merges by hand and a merged-away id still finds the winner', async () => {
    const a = (await t.ok(UpsertCustomersDocument, { input: [{ identities: [{ type: 'COOKIE', value: 'ck-a' }] }, { identities: [{ type: 'COOKIE', value: 'ck-b' }] }] })).upsertCustomers.results;
    const m = (await t.ok(MergeCustomersDocument, { winnerId: a[0]!.customerId!, loserId: a[1]!.customerId!, reason: 'support ticket 42' })).mergeCustomers;
    expect(m).toMatchObject({ winnerId: a[0]!.customerId, loserId: a[1]!.customerId, status: 'MERGED' });
    const viaLoser = (await t.ok(CustomerByIdentityDocument, { type: 'COOKIE', value: 'ck-b' })).customerByIdentity!;
    expect(viaLoser.id).toBe(a[0]!.customerId);
    const same = await t.gql(MergeCustomersDocument, { winnerId: a[0]!.customerId!, loserId: a[1]!.customerId! });
    expect(same.errors?.[0]?.extensions?.code).toBe('ALREADY_MERGED');
  });
});
