import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveTagDocument,
  CreateSegmentDocument,
  CreateTagDocument,
  CustomerSegmentsDocument,
  RecordTouchpointsDocument,
  TagCustomersDocument,
  TagDetailDocument,
  TagsAllDocument,
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

describe.each(dbKinds)('tag versions and archiving on %s', (kind) => {
  let t: TestServer;
  let ids: string[];
  beforeAll(async () => {
    t = await startTestServer(kind);
    const r = await t.ok(UpsertCustomersDocument, { input: ['a', 'b', 'c'].map((x) => ({ source: 'crm', externalId: `V-${x}`, country: x === 'c' ? 'DE' : 'CN' })) });
    ids = r.upsertCustomers.results.map((x) => x.customerId!);
  });
  afterAll(() => t?.stop());

  it('a rule tag gets a new rule as a new version; the kind is fixed', async () => {
    await t.ok(CreateTagDocument, { input: { key: 'where', name: 'Where', rule: { attr: 'country', op: 'eq', value: 'CN' } } });
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'where', rule: { hasTag: 'where' } } })).createSegment;
    await t.ok(UpdateTagDocument, { key: 'where', input: { rule: { attr: 'country', op: 'eq', value: 'DE' } } });
    const detail = (await t.ok(TagDetailDocument, { key: 'where' })).tag!;
    expect(detail).toMatchObject({ version: 2, memberCount: 1, rule: { attr: 'country', op: 'eq', value: 'DE' } });
    expect(detail.versions.map((v) => [v.version, (v.rule as { value: string }).value])).toEqual([[1, 'CN'], [2, 'DE']]);
    // The segment saying hasTag followed the new rule in the same write.
    expect((await t.ok(CustomerSegmentsDocument, { id: ids[2]! })).customer!.segments.map((s) => s.id)).toEqual([seg.id]);
    expect((await t.ok(CustomerSegmentsDocument, { id: ids[0]! })).customer!.segments).toEqual([]);

    await t.ok(CreateTagDocument, { input: { key: 'hand', name: 'Hand' } });
    const toRule = await t.gql(UpdateTagDocument, { key: 'hand', input: { rule: { attr: 'country', op: 'exists' } } });
    expect(toRule.errors?.[0]?.extensions?.code).toBe('TAG_KIND_FIXED');
    const self = await t.gql(UpdateTagDocument, { key: 'where', input: { rule: { hasTag: 'where' } } });
    expect(self.errors?.[0]?.extensions?.code).toBe('BAD_RULE');
  });

  it('ten concurrent updates of one tag give ten versions', async () => {
    await t.ok(CreateTagDocument, { input: { key: 'busy', name: 'busy' } });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.gql(UpdateTagDocument, { key: 'busy', input: { name: `busy ${i}` } })));
    expect(results.map((r) => r.errors ?? null)).toEqual(Array(10).fill(null));
    expect((await t.ok(TagDetailDocument, { key: 'busy' })).tag!.versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('an archived tag is held by no one, hidden unless asked, cannot be set, and hasTag segments follow', async () => {
    await t.ok(CreateTagDocument, { input: { key: 'old', name: 'Old' } });
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'old holders', rule: { hasTag: 'old' } } })).createSegment;
    await t.ok(TagCustomersDocument, { tagKey: 'old', customerIds: [ids[0]!, ids[1]!] });
    expect((await t.ok(CustomerSegmentsDocument, { id: ids[0]! })).customer!.segments.map((s) => s.id)).toContain(seg.id);
    const archived = (await t.ok(ArchiveTagDocument, { key: 'old' })).archiveTag;
    expect(archived.archivedAt).not.toBeNull();
    expect((await t.ok(CustomerSegmentsDocument, { id: ids[0]! })).customer!.segments.map((s) => s.id)).not.toContain(seg.id);
    expect((await t.ok(CustomerSegmentsDocument, { id: ids[0]! })).customer!.tags.map((x) => x.key)).not.toContain('old');
    expect((await t.ok(TagsAllDocument, {})).tags.map((x) => x.key)).not.toContain('old');
    expect((await t.ok(TagsAllDocument, { includeArchived: true })).tags.find((x) => x.key === 'old')).toMatchObject({ memberCount: 0 });
    const set = await t.gql(TagCustomersDocument, { tagKey: 'old', customerIds: [ids[0]!] });
    expect(set.errors?.[0]?.extensions?.code).toBe('ARCHIVED');
    expect((await t.ok(TagDetailDocument, { key: 'old' })).tag!.versions.map((v) => v.archived)).toEqual([false, true]);
  });
});
