/**
 * Accounts (B2B) from Segment `group` calls: the real @segment/analytics-node client, trait merging
 * (later event time wins, key by key), resends, segments on account traits and membership kept current
 * when an account changes, merges and unmerges of members, erasure, refused input, READER masking; and
 * the Olist closed deals (sellers as accounts, their lead and sales rep as members) checked against a
 * reference computed here from the CSV.
 */
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../src/generated/prisma/client.ts';
import { accountQueries } from '../../src/modules/accounts/account.queries.ts';
import {
  AccountByGroupIdDocument,
  AccountByIdDocument,
  AccountMembersPageDocument,
  AccountsPageDocument,
  CreateSegmentDocument,
  CustomerAccountsDocument,
  CustomerMergesDocument,
  EraseCustomerDocument,
  PreviewSegmentDocument,
  RecomputeSegmentDocument,
  RecordTouchpointsDocument,
  SegmentDetailDocument,
  UnmergeCustomersDocument,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface IngestBody {
  success: true;
  accepted: number;
  duplicates: number;
  quarantined: number;
  dropped: number;
}

const MIN = 60_000;
/** Event times a day back, a minute apart, so every call is in the past and their order is plain. */
const BASE = Date.now() - 24 * 60 * MIN;
const T = (minute: number) => new Date(BASE + minute * MIN);

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe.each(dbKinds)('accounts from group calls on %s', (kind) => {
  let t: TestServer;
  const ids: Record<string, string> = {};

  const basic = () => ({ authorization: `Basic ${Buffer.from(`${t.keys.WRITER}:`).toString('base64')}` });
  const v1 = async (path: 'group' | 'identify' | 'batch', body: unknown): Promise<IngestBody> => {
    const res = await fetch(`${t.baseUrl}/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as IngestBody;
  };
  const account = async (groupId: string) => (await t.ok(AccountByGroupIdDocument, { groupId })).accountByGroupId;
  const customerOf = async (type: 'USER_ID' | 'ANONYMOUS_ID', value: string) => (await t.ok(CustomerAccountsDocument, { type, value })).customerByIdentity!;
  const memberIds = async (groupId: string) => sorted((await account(groupId))!.members.edges.map((e) => e.node.id));
  const segmentMembers = async (id: string) => sorted((await t.ok(SegmentDetailDocument, { id })).segment!.members.edges.map((e) => e.node.id));
  const segmentSize = async (id: string) => (await t.ok(SegmentDetailDocument, { id })).segment!.size;

  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('@segment/analytics-node group + identify + track make accounts with merged traits and members', async () => {
    const analytics = new Analytics({ writeKey: t.keys.WRITER, host: t.baseUrl, path: '/v1/batch', flushAt: 4, flushInterval: 50, maxRetries: 2, httpRequestTimeout: 20_000 });
    const failures: unknown[] = [];
    const done = (err?: unknown) => {
      if (err) failures.push(err);
    };
    analytics.identify({ userId: 'u-ada', traits: { email: 'ada@acme.test', firstName: 'Ada' }, timestamp: T(0) }, done);
    analytics.group({ userId: 'u-ada', groupId: 'acme', traits: { name: 'Acme Inc', plan: 'enterprise', seats: 40, email: 'billing@acme.test' }, timestamp: T(1) }, done);
    analytics.track({ userId: 'u-ada', event: 'Report Exported', timestamp: T(2) }, done);
    analytics.identify({ userId: 'u-bob', traits: { email: 'bob@acme.test' }, timestamp: T(0) }, done);
    analytics.group({ userId: 'u-bob', groupId: 'acme', traits: { seats: 45 }, timestamp: T(3) }, done);
    analytics.group({ userId: 'u-bob', groupId: 'globex', traits: { name: 'Globex', plan: 'free' }, timestamp: T(3) }, done);
    analytics.track({ userId: 'u-bob', event: 'Report Exported', timestamp: T(4) }, done);
    await analytics.closeAndFlush({ timeout: 30_000 });
    expect(failures).toEqual([]);

    ids.ada = (await customerOf('USER_ID', 'u-ada')).id;
    ids.bob = (await customerOf('USER_ID', 'u-bob')).id;
    const acme = (await account('acme'))!;
    // seats: bob's later call wins; the rest from ada's.
    expect(acme.traits).toEqual({ name: 'Acme Inc', plan: 'enterprise', seats: 45, email: 'billing@acme.test' });
    expect(acme.memberCount).toBe(2);
    expect(await memberIds('acme')).toEqual(sorted([ids.ada, ids.bob]));
    ids.acme = acme.id;
    // The group traits' email is the account's, not the person's: nobody got it as an identity.
    expect((await customerOf('USER_ID', 'u-ada')).accounts.map((a) => a.groupId)).toEqual(['acme']);
    expect((await customerOf('USER_ID', 'u-bob')).accounts).toEqual([
      { groupId: 'acme', traits: acme.traits },
      { groupId: 'globex', traits: { name: 'Globex', plan: 'free' } },
    ]);

    expect((await t.ok(AccountByIdDocument, { id: acme.id })).account).toEqual({ id: acme.id, groupId: 'acme', memberCount: 2 });
    expect((await t.ok(AccountByIdDocument, { id: 'not-an-id' })).account).toBeNull();
    const found = (await t.ok(AccountsPageDocument, { search: 'GLOB' })).accounts;
    expect(found.totalCount).toBe(1);
    expect(found.edges.map((e) => e.node)).toEqual([{ groupId: 'globex', memberCount: 1 }]);
    // By the name trait too, and paged in group id order.
    expect((await t.ok(AccountsPageDocument, { search: 'acme inc' })).accounts.edges.map((e) => e.node.groupId)).toEqual(['acme']);
    const first = (await t.ok(AccountsPageDocument, { first: 1 })).accounts;
    expect(first.totalCount).toBe(2);
    expect(first.edges.map((e) => e.node.groupId)).toEqual(['acme']);
    const second = (await t.ok(AccountsPageDocument, { first: 1, after: first.pageInfo.endCursor })).accounts;
    expect(second.edges.map((e) => e.node.groupId)).toEqual(['globex']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const page1 = (await t.ok(AccountMembersPageDocument, { id: acme.id, first: 1 })).account!.members;
    const page2 = (await t.ok(AccountMembersPageDocument, { id: acme.id, first: 1, after: page1.pageInfo.endCursor })).account!.members;
    expect(sorted([...page1.edges, ...page2.edges].map((e) => e.node.id))).toEqual(sorted([ids.ada, ids.bob]));
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  it('merges key by key by event time whatever the arrival order, and a resend changes nothing', async () => {
    const late = { messageId: 'g-late', userId: 'u-ada', groupId: 'acme', traits: { plan: 'enterprise', region: 'EU' }, timestamp: T(30).toISOString() };
    const early = { messageId: 'g-early', userId: 'u-ada', groupId: ' acme ', traits: { plan: 'starter', region: 'US', founded: 1999 }, timestamp: T(20).toISOString() };
    expect(await v1('group', late)).toMatchObject({ accepted: 1 });
    expect(await v1('group', early)).toMatchObject({ accepted: 1 });
    const acme = (await account('acme'))!;
    // plan and region were set later by `late`; founded only `early` has.
    expect(acme.traits).toEqual({ name: 'Acme Inc', plan: 'enterprise', seats: 45, email: 'billing@acme.test', region: 'EU', founded: 1999 });
    expect(await v1('group', early)).toEqual({ success: true, accepted: 0, duplicates: 1, quarantined: 0, dropped: 0 });
    const again = (await account('acme'))!;
    expect(again.traits).toEqual(acme.traits);
    expect(again.updatedAt).toBe(acme.updatedAt);
    expect(again.memberCount).toBe(2);
  });

  it('segments on account traits follow trait changes: members of the account enter and leave', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Enterprise accounts', rule: { account: { where: [{ trait: 'plan', op: 'eq', value: 'enterprise' }] } } } })).createSegment;
    const follower = (await t.ok(CreateSegmentDocument, { input: { name: 'Reads enterprise', rule: { inSegment: seg.id } } })).createSegment;
    const anyAccount = (await t.ok(CreateSegmentDocument, { input: { name: 'In any account', rule: { account: {} } } })).createSegment;
    const globex = (await t.ok(CreateSegmentDocument, { input: { name: 'Globex', rule: { account: { groupId: 'globex' } } } })).createSegment;
    ids.enterprise = seg.id;
    expect(await segmentMembers(seg.id)).toEqual(sorted([ids.ada!, ids.bob!]));
    expect(await segmentMembers(follower.id)).toEqual(sorted([ids.ada!, ids.bob!]));
    expect(await segmentMembers(anyAccount.id)).toEqual(sorted([ids.ada!, ids.bob!]));
    expect(await segmentMembers(globex.id)).toEqual([ids.bob]);
    const since = (await t.ok(SegmentDetailDocument, { id: seg.id })).segment!.changes.lastSeq;

    // Ada downgrades acme: bob, who sent nothing, leaves too (and so does the segment that reads it).
    expect(await v1('group', { messageId: 'g-pro', userId: 'u-ada', groupId: 'acme', traits: { plan: 'pro' }, timestamp: T(40).toISOString() })).toMatchObject({ accepted: 1 });
    expect(await segmentMembers(seg.id)).toEqual([]);
    expect(await segmentMembers(follower.id)).toEqual([]);
    expect(await segmentMembers(anyAccount.id)).toEqual(sorted([ids.ada!, ids.bob!]));
    const left = (await t.ok(SegmentDetailDocument, { id: seg.id, since })).segment!.changes.nodes;
    expect(sorted(left.map((c) => `${c.customerId}:${c.change}`))).toEqual(sorted([`${ids.ada}:LEFT`, `${ids.bob}:LEFT`]));
    expect(left.find((c) => c.customerId === ids.bob)!.reason).toMatchObject({ kind: 'account_traits', accounts: ['acme'] });

    // A new member (carol) upgrades it again: everyone in acme enters.
    expect(await v1('group', { messageId: 'g-ent', userId: 'u-carol', groupId: 'acme', traits: { plan: 'enterprise' }, timestamp: T(50).toISOString() })).toMatchObject({ accepted: 1 });
    ids.carol = (await customerOf('USER_ID', 'u-carol')).id;
    expect(await segmentMembers(seg.id)).toEqual(sorted([ids.ada!, ids.bob!, ids.carol]));
    expect(await segmentMembers(follower.id)).toEqual(sorted([ids.ada!, ids.bob!, ids.carol]));
    // The incremental decisions equal a full recompute from the compiled rule.
    for (const s of [seg, follower, anyAccount, globex]) expect((await t.ok(RecomputeSegmentDocument, { id: s.id })).recomputeSegment).toEqual({ entered: 0, left: 0 });
  });

  it('merging two members counts them once and gives the winner both sets of accounts; unmerge gives them back', async () => {
    expect(
      await v1('batch', {
        batch: [
          { type: 'group', messageId: 'eve-1', anonymousId: 'anon-eve', groupId: 'initech', traits: { name: 'Initech', plan: 'enterprise' }, timestamp: T(60).toISOString() },
          { type: 'group', messageId: 'eve-2', anonymousId: 'anon-eve', groupId: 'acme', timestamp: T(60).toISOString() },
        ],
      }),
    ).toMatchObject({ accepted: 2 });
    const eve = (await customerOf('ANONYMOUS_ID', 'anon-eve')).id;
    const initechSeg = (await t.ok(CreateSegmentDocument, { input: { name: 'Initech', rule: { account: { groupId: 'initech' } } } })).createSegment;
    expect(await segmentMembers(initechSeg.id)).toEqual([eve]);
    expect((await account('acme'))!.memberCount).toBe(4);

    // Eve logs in as ada: the anonymous profile merges into ada's.
    expect(await v1('identify', { messageId: 'eve-login', userId: 'u-ada', anonymousId: 'anon-eve', timestamp: T(61).toISOString() })).toMatchObject({ accepted: 1 });
    expect((await customerOf('ANONYMOUS_ID', 'anon-eve')).id).toBe(ids.ada);
    expect((await account('acme'))!.memberCount).toBe(3);
    expect(await memberIds('acme')).toEqual(sorted([ids.ada!, ids.bob!, ids.carol!]));
    expect(await memberIds('initech')).toEqual([ids.ada]);
    expect((await customerOf('USER_ID', 'u-ada')).accounts.map((a) => a.groupId)).toEqual(['acme', 'initech']);
    expect(await segmentMembers(initechSeg.id)).toEqual([ids.ada]);
    expect(await segmentMembers(ids.enterprise!)).toEqual(sorted([ids.ada!, ids.bob!, ids.carol!]));

    const merge = (await t.ok(CustomerMergesDocument, { id: ids.ada! })).customer!.merges.find((m) => m.loserId === eve && m.status === 'MERGED')!;
    await t.ok(UnmergeCustomersDocument, { mergeId: merge.id });
    expect(await memberIds('initech')).toEqual([eve]);
    expect((await account('acme'))!.memberCount).toBe(4);
    expect((await customerOf('USER_ID', 'u-ada')).accounts.map((a) => a.groupId)).toEqual(['acme']);
    expect(await segmentMembers(initechSeg.id)).toEqual([eve]);
    expect((await t.ok(RecomputeSegmentDocument, { id: initechSeg.id })).recomputeSegment).toEqual({ entered: 0, left: 0 });
    ids.eve = eve;
  });

  it('refuses bad group calls with reason codes and leaves accounts untouched', async () => {
    const before = (await account('acme'))!;
    const accountsBefore = await t.db.prisma.account.count();
    const bad = [
      { type: 'group', messageId: 'bad-no-group', userId: 'u-ada', traits: { plan: 'x' } },
      { type: 'group', messageId: 'bad-traits', userId: 'u-ada', groupId: 'acme', traits: ['plan', 'x'] },
      { type: 'group', messageId: 'bad-big', userId: 'u-ada', groupId: 'acme', traits: { blob: 'x'.repeat(17 * 1024) } },
      { type: 'group', messageId: 'bad-long', userId: 'u-ada', groupId: 'g'.repeat(257), traits: { plan: 'x' } },
    ];
    expect(await v1('batch', { batch: bad })).toEqual({ success: true, accepted: 0, duplicates: 0, quarantined: 4, dropped: 0 });
    expect(await v1('group', { messageId: 'bad-single', userId: 'u-ada', groupId: '   ', traits: { plan: 'x' } })).toMatchObject({ quarantined: 1 });
    const failed = await t.db.prisma.failedEvent.findMany({ where: { reason: { in: ['missing_group_id', 'invalid_properties', 'traits_too_large', 'invalid_group_id'] } }, orderBy: { reason: 'asc' } });
    expect(failed.map((f) => f.reason).sort()).toEqual(['invalid_group_id', 'invalid_properties', 'missing_group_id', 'missing_group_id', 'traits_too_large']);
    const after = (await account('acme'))!;
    expect(after.traits).toEqual(before.traits);
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(await t.db.prisma.account.count()).toBe(accountsBefore);

    // The GraphQL door takes group calls too.
    const recorded = await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'gql-group', type: 'GROUP', userId: 'u-dan', groupId: 'hooli', traits: { name: 'Hooli', plan: 'free' } },
        { messageId: 'gql-group-bad', type: 'GROUP', userId: 'u-dan' },
      ],
    });
    expect(recorded.recordTouchpoints.results.map((r) => [r.status, r.reason])).toEqual([
      ['ACCEPTED', null],
      ['QUARANTINED', 'missing_group_id'],
    ]);
    const hooli = (await account('hooli'))!;
    expect(hooli.traits).toEqual({ name: 'Hooli', plan: 'free' });
    expect(hooli.members.edges.map((e) => e.node.id)).toEqual([recorded.recordTouchpoints.results[0]!.customerId]);
    const resent = await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'gql-group', type: 'GROUP', userId: 'u-dan', groupId: 'hooli', traits: { plan: 'pro' } }] });
    expect(resent.recordTouchpoints.duplicates).toBe(1);
    expect((await account('hooli'))!.traits).toEqual({ name: 'Hooli', plan: 'free' });
  });

  it('READER keys see personal account traits and members masked, and may not search or test them', async () => {
    const reader = { authorization: `Bearer ${t.keys.READER}` };
    const r = await t.gql(AccountByGroupIdDocument, { groupId: 'acme' }, reader);
    expect(r.errors).toBeUndefined();
    const acme = r.data!.accountByGroupId!;
    expect(acme.traits).toMatchObject({ email: 'b•••@acme.test', name: 'A•••', plan: 'enterprise', seats: 45, region: 'EU' });
    const emails = acme.members.edges.map((e) => e.node.email).filter((e) => e !== null);
    expect(emails.length).toBeGreaterThan(0);
    for (const e of emails) expect(e).toMatch(/^.•••@acme\.test$/);
    const customer = await t.gql(CustomerAccountsDocument, { type: 'USER_ID', value: 'u-bob' }, reader);
    expect(customer.data!.customerByIdentity!.accounts[0]!.traits).toMatchObject({ email: 'b•••@acme.test', name: 'A•••' });

    const search = await t.gql(AccountsPageDocument, { search: 'acme' }, reader);
    expect(search.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', paths: ['search'] });
    expect((await t.gql(AccountsPageDocument, { first: 10 }, reader)).errors).toBeUndefined();
    const preview = await t.gql(PreviewSegmentDocument, { rule: { account: { where: [{ trait: 'email', op: 'exists' }, { trait: 'plan', op: 'eq', value: 'pro' }] } } }, reader);
    expect(preview.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', paths: ['rule.account.where[0].trait'] });
    const allowed = await t.gql(PreviewSegmentDocument, { rule: { account: { where: [{ trait: 'plan', op: 'eq', value: 'enterprise' }] } } }, reader);
    expect(allowed.data!.previewSegment.size).toBe(4); // ada, bob, carol (acme) and eve (initech)
    // A full-rights key is not masked.
    expect((await account('acme'))!.traits).toMatchObject({ email: 'billing@acme.test', name: 'Acme Inc' });
  });

  it('erasing a member removes their links; a bad account rule is refused with its path', async () => {
    await t.ok(EraseCustomerDocument, { id: ids.carol! });
    expect(await memberIds('acme')).toEqual(sorted([ids.ada!, ids.bob!, ids.eve!]));
    expect(await t.db.prisma.accountMember.count({ where: { customerId: ids.carol! } })).toBe(0);
    expect(await segmentMembers(ids.enterprise!)).toEqual(sorted([ids.ada!, ids.bob!, ids.eve!]));

    const bad = await t.gql(CreateSegmentDocument, { input: { name: 'bad', rule: { account: { where: [{ trait: 'plan', op: 'between', value: 1 }] } } } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_RULE', path: '$.account.where[0].op' });
    const unknownKey = await t.gql(CreateSegmentDocument, { input: { name: 'bad', rule: { account: { group: 'acme' } } } });
    expect(unknownKey.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_RULE', path: '$.account.group' });
  });

  describe('Olist closed deals: sellers as accounts, their lead and sales rep as members', () => {
    const deals = readCsv('olist_closed_deals_dataset.csv').slice(0, 150);
    const wonAt = (d: Record<string, string>) => new Date(`${d.won_date!.replace(' ', 'T')}Z`);
    const traitsOf = (d: Record<string, string>) => ({
      ...(d.business_segment ? { segment: d.business_segment } : {}),
      ...(d.lead_type ? { leadType: d.lead_type } : {}),
      ...(d.business_type ? { businessType: d.business_type } : {}),
    });
    // Reference state, updated as the test changes traits.
    const sellerTraits = new Map(deals.map((d) => [d.seller_id!, traitsOf(d) as Record<string, string>]));
    const membersOf = new Map(deals.map((d) => [d.seller_id!, new Set([`lead-${d.mql_id}`, `sr-${d.sr_id}`])]));
    const usersWhere = (pass: (traits: Record<string, string>) => boolean) => {
      const users = new Set<string>();
      for (const [seller, traits] of sellerTraits) if (pass(traits)) for (const u of membersOf.get(seller)!) users.add(u);
      return users;
    };
    const customerIdOf = new Map<string, string>();
    const sizeOf = (users: Set<string>) => users.size;

    it('are loaded through the Segment client and counted as the CSV says', async () => {
      const analytics = new Analytics({ writeKey: t.keys.WRITER, host: t.baseUrl, path: '/v1/batch', flushAt: 50, flushInterval: 50, maxRetries: 2, httpRequestTimeout: 30_000 });
      const failures: unknown[] = [];
      const done = (err?: unknown) => {
        if (err) failures.push(err);
      };
      for (const d of deals) {
        analytics.group({ userId: `lead-${d.mql_id}`, groupId: d.seller_id!, traits: traitsOf(d), timestamp: wonAt(d) }, done);
        analytics.group({ userId: `sr-${d.sr_id}`, groupId: d.seller_id!, timestamp: wonAt(d) }, done);
      }
      await analytics.closeAndFlush({ timeout: 60_000 });
      expect(failures).toEqual([]);

      const users = new Set(deals.flatMap((d) => [`lead-${d.mql_id}`, `sr-${d.sr_id}`]));
      const rows = await t.db.prisma.identity.findMany({ where: { type: 'USER_ID', value: { in: [...users] } }, select: { value: true, customerId: true } });
      for (const r of rows) customerIdOf.set(r.value, r.customerId);
      expect(customerIdOf.size).toBe(users.size);

      // Every seller: its traits and its members, as the CSV says.
      const stored = await t.db.prisma.account.findMany({ where: { groupId: { in: [...sellerTraits.keys()] } }, include: { members: true } });
      expect(stored).toHaveLength(sellerTraits.size);
      for (const a of stored) {
        expect(a.traits, a.groupId).toEqual(sellerTraits.get(a.groupId));
        expect(sorted(a.members.map((m) => m.customerId)), a.groupId).toEqual(sorted([...membersOf.get(a.groupId)!].map((u) => customerIdOf.get(u)!)));
      }
      // The API agrees for a sample, and a sales rep belongs to every seller they closed.
      for (const d of deals.slice(0, 5)) expect((await account(d.seller_id!))!.memberCount).toBe(membersOf.get(d.seller_id!)!.size);
      const rep = deals[0]!.sr_id!;
      const repSellers = deals.filter((d) => d.sr_id === rep).map((d) => d.seller_id!);
      expect(sorted((await customerOf('USER_ID', `sr-${rep}`)).accounts.map((a) => a.groupId))).toEqual(sorted(repSellers));
    });

    it('segment sizes on seller traits match the CSV, and follow trait changes', async () => {
      const bigOrIndustry = (tr: Record<string, string>) => tr.leadType === 'online_big' || tr.leadType === 'industry';
      const segA = (await t.ok(CreateSegmentDocument, { input: { name: 'Big sellers', rule: { account: { where: [{ trait: 'leadType', op: 'in', value: ['online_big', 'industry'] }] } } } })).createSegment;
      expect(await segmentSize(segA.id)).toBe(sizeOf(usersWhere(bigOrIndustry)));

      // "the same account" versus "some account each": they differ for reps with several sellers.
      const top = [...sellerTraits.values()].map((tr) => tr.segment).filter(Boolean);
      const common = [...new Set(top)].sort((a, b) => top.filter((x) => x === b).length - top.filter((x) => x === a).length || (a! < b! ? -1 : 1))[0]!;
      const both = (await t.ok(CreateSegmentDocument, {
        input: { name: 'Same seller', rule: { account: { where: [{ trait: 'segment', op: 'eq', value: common }, { trait: 'leadType', op: 'eq', value: 'online_medium' }] } } },
      })).createSegment;
      const each = (await t.ok(CreateSegmentDocument, {
        input: {
          name: 'Each some seller',
          rule: { and: [{ account: { where: [{ trait: 'segment', op: 'eq', value: common }] } }, { account: { where: [{ trait: 'leadType', op: 'eq', value: 'online_medium' }] } }] },
        },
      })).createSegment;
      const sameRef = usersWhere((tr) => tr.segment === common && tr.leadType === 'online_medium');
      const a1 = usersWhere((tr) => tr.segment === common);
      const a2 = usersWhere((tr) => tr.leadType === 'online_medium');
      const eachRef = new Set([...a1].filter((u) => a2.has(u)));
      expect(await segmentSize(both.id)).toBe(sameRef.size);
      expect(await segmentSize(each.id)).toBe(eachRef.size);
      expect(eachRef.size).toBeGreaterThan(sameRef.size); // the case is not vacuous

      // The first ten big sellers go offline (their leads say so, later than the deal).
      const changed = deals.filter((d) => bigOrIndustry(sellerTraits.get(d.seller_id!)!)).slice(0, 10);
      const later = new Date(Date.now() - 60 * MIN).toISOString();
      const res = await v1('batch', {
        batch: changed.map((d) => ({ type: 'group', messageId: `offline-${d.seller_id}`, userId: `lead-${d.mql_id}`, groupId: d.seller_id, traits: { leadType: 'offline' }, timestamp: later })),
      });
      expect(res).toMatchObject({ accepted: changed.length });
      for (const d of changed) sellerTraits.get(d.seller_id!)!.leadType = 'offline';
      const expected = usersWhere(bigOrIndustry);
      expect(await segmentSize(segA.id)).toBe(expected.size);
      const members = new Set((await t.ok(SegmentDetailDocument, { id: segA.id })).segment!.members.edges.map((e) => e.node.id));
      if (expected.size <= 100) expect(members).toEqual(new Set([...expected].map((u) => customerIdOf.get(u))));
      for (const s of [segA, both, each]) expect((await t.ok(RecomputeSegmentDocument, { id: s.id })).recomputeSegment).toEqual({ entered: 0, left: 0 });
    });

    it('accountTraitSql gives each person the trait of the account they joined first', async () => {
      // Reference: among a person's sellers with the trait, the earliest deal (then the smallest seller id).
      const refOf = new Map<string, string>();
      const joined = new Map<string, { at: number; seller: string }[]>();
      for (const d of deals) for (const u of [`lead-${d.mql_id}`, `sr-${d.sr_id}`]) joined.set(u, [...(joined.get(u) ?? []), { at: wonAt(d).getTime(), seller: d.seller_id! }]);
      for (const [u, list] of joined) {
        const withTrait = list.filter((j) => sellerTraits.get(j.seller)!.segment !== undefined).sort((a, b) => a.at - b.at || (a.seller < b.seller ? -1 : 1));
        if (withTrait.length) refOf.set(u, sellerTraits.get(withTrait[0]!.seller)!.segment!);
      }
      const people = [...customerIdOf.values()];
      const rows = await t.db.prisma.$queryRaw<{ id: string; v: string | null }[]>(
        Prisma.sql`SELECT c.id::text AS id, ${accountQueries.traitSql(Prisma.sql`c.id`, 'segment')} AS v FROM customer c WHERE c.id = ANY(${people}::uuid[])`,
      );
      const got = new Map(rows.map((r) => [r.id, r.v]));
      for (const [u, id] of customerIdOf) expect(got.get(id), u).toBe(refOf.get(u) ?? null);
    });
  });
});
