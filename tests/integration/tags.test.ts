import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  CreateTagDocument,
  CustomerSegmentsDocument,
  RecordTouchpointsDocument,
  TagCustomersDocument,
  TagsDocument,
  UntagCustomersDocument,
  UpdateTagDocument,
  UpsertCustomersDocument,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('tags on %s', (kind) => {
  let t: TestServer;
  let ids: string[];
  beforeAll(async () => {
    t = await startTestServer(kind);
    const r = await t.ok(UpsertCustomersDocument, { input: ['a', 'b', 'c'].map((x) => ({ source: 'crm', externalId: `T-${x}`, country: x === 'c' ? 'DE' : 'CN' })) });
    ids = r.upsertCustomers.results.map((x) => x.customerId!);
  });
  afterAll(() => t?.stop());

  it('manages a catalogue and tags idempotently; hasTag segments follow', async () => {
    const created = (await t.ok(CreateTagDocument, { input: { key: 'vip', name: 'VIP', category: 'value' } })).createTag;
    expect(created.kind).toBe('MANUAL');
    expect((await t.ok(CreateTagDocument, { input: { key: 'vip', name: 'VIP' } })).createTag.id).toBe(created.id);
    const clash = await t.gql(CreateTagDocument, { input: { key: 'vip', name: 'Very important' } });
    expect(clash.errors?.[0]?.extensions?.code).toBe('ALREADY_EXISTS');
    const badKey = await t.gql(CreateTagDocument, { input: { key: 'Not A Key', name: 'x' } });
    expect(badKey.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await t.ok(UpdateTagDocument, { key: 'vip', input: { name: 'V.I.P.' } });

    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'VIPs', rule: { hasTag: 'vip' } } })).createSegment;
    const unknown = '00000000-0000-4000-8000-000000000001';
    const first = (await t.ok(TagCustomersDocument, { tagKey: 'vip', customerIds: [ids[0]!, ids[1]!, unknown] })).tagCustomers;
    expect(first).toEqual({ changed: 2, unchanged: 0, notFound: [unknown] });
    const second = (await t.ok(TagCustomersDocument, { tagKey: 'vip', customerIds: [ids[0]!, ids[1]!] })).tagCustomers;
    expect(second).toEqual({ changed: 0, unchanged: 2, notFound: [] });
    expect((await t.ok(CustomerSegmentsDocument, { id: ids[0]! })).customer!.segments.map((s) => s.id)).toEqual([seg.id]);

    const removed = (await t.ok(UntagCustomersDocument, { tagKey: 'vip', customerIds: [ids[0]!] })).untagCustomers;
    expect(removed).toEqual({ changed: 1, unchanged: 0, notFound: [] });
    expect((await t.ok(CustomerSegmentsDocument, { id: ids[0]! })).customer!.segments).toEqual([]);
    const tags = (await t.ok(TagsDocument, {})).tags;
    expect(tags).toEqual([{ key: 'vip', name: 'V.I.P.', kind: 'MANUAL', rule: null, memberCount: 1 }]);
  });

  it('keeps rule tags current like segments', async () => {
    const tag = (await t.ok(CreateTagDocument, { input: { key: 'cn', name: 'China', rule: { attr: 'country', op: 'eq', value: 'CN' } } })).createTag;
    expect(tag.kind).toBe('RULE');
    const count = async () => (await t.ok(TagsDocument, {})).tags.find((x) => x.key === 'cn')!.memberCount;
    expect(await count()).toBe(2);
    await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: 'T-c', country: 'CN' }] });
    expect(await count()).toBe(3);
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'tg-1', type: 'IDENTIFY', userId: 'tag-user', traits: { country: 'CN' } }] });
    expect(await count()).toBe(4);
    const manual = await t.gql(TagCustomersDocument, { tagKey: 'cn', customerIds: [ids[0]!] });
    expect(manual.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
