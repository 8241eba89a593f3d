/**
 * Writes that race each other still leave memberships equal to the rule. A segment that reads both a
 * tag and an event is decided by two kinds of writes (tagging, ingestion); each must decide from what
 * the other committed, or a person whose tag and event arrive at the same moment is left out for good.
 * On PostgreSQL the two writes run on their own connections at once; PGlite runs transactions one at a
 * time, so there the test checks the same outcome without the overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  CreateTagDocument,
  RecordTouchpointsDocument,
  SegmentDetailDocument,
  TagCustomersDocument,
  UpdateSegmentDocument,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('derived state under racing writes on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  const members = async (id: string) => (await t.ok(SegmentDetailDocument, { id })).segment!.members.edges.map((e) => e.node.id).sort();
  const seen = async (prefix: string, n: number) => {
    const input = Array.from({ length: n }, (_, i) => ({ messageId: `${prefix}-seen-${i}`, event: 'Seen', userId: `${prefix}-${i}`, channel: 'WEB' as const, occurredAt: '2026-03-01T10:00:00Z' }));
    return (await t.ok(RecordTouchpointsDocument, { input })).recordTouchpoints.results.map((r) => r.customerId!);
  };

  it('a tag and an event written at the same moment: the person who has both is a member', async () => {
    await t.ok(CreateTagDocument, { input: { key: 'race-vip', name: 'race vip' } });
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'vip buyers', rule: { and: [{ hasTag: 'race-vip' }, { event: 'Race Purchase', count: { op: 'gte', value: 1 } }] } } })).createSegment;
    const n = 30;
    const ids = await seen('race', n);
    // Each person gets the tag and their purchase in two requests sent together.
    await Promise.all(
      ids.flatMap((id, i) => [
        t.ok(TagCustomersDocument, { tagKey: 'race-vip', customerIds: [id] }),
        t.ok(RecordTouchpointsDocument, { input: [{ messageId: `race-buy-${i}`, event: 'Race Purchase', userId: `race-${i}`, channel: 'WEB', occurredAt: '2026-03-01T11:00:00Z' }] }),
      ]),
    );
    // Everyone has both now, so the rule selects everyone.
    expect(await members(seg.id)).toEqual([...ids].sort());
  });

  it('a segment edited while events arrive: the members are those of the new rule', async () => {
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'edited under load', rule: { event: 'Race Ping', count: { op: 'gte', value: 1 } } } })).createSegment;
    const n = 30;
    const ids = await seen('edit', n);
    // The new rule needs two pings; each person gets exactly one, while the edit is made.
    const pings = ids.map((_, i) => t.ok(RecordTouchpointsDocument, { input: [{ messageId: `edit-ping-${i}`, event: 'Race Ping', userId: `edit-${i}`, channel: 'WEB', occurredAt: '2026-03-01T11:00:00Z' }] }));
    const edit = t.ok(UpdateSegmentDocument, { id: seg.id, input: { rule: { event: 'Race Ping', count: { op: 'gte', value: 2 } } } });
    await Promise.all([...pings, edit]);
    expect(await members(seg.id)).toEqual([]);
  });
});
