/**
 * Values at the edges of what ingestion can store, through both doors: each used to fail its whole
 * batch with a 500 or to land on the wrong person or time (docs/ingestion.md says what they do now).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerByIdentityDocument, FailedEventsDocument, JourneyDocument, RecordTouchpointsDocument, ReprocessFailedEventsDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface IngestBody {
  accepted: number;
  duplicates: number;
  quarantined: number;
  dropped: number;
}

describe.each(dbKinds)('ingestion edge cases on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  const send = async (path: string, body: unknown) => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${t.keys.WRITER}:`).toString('base64')}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as IngestBody };
  };
  const failed = async (reason: string) => (await t.ok(FailedEventsDocument, { reason, first: 100 })).failedEvents;
  const customer = async (type: 'USER_ID' | 'PHONE', value: string) => (await t.ok(CustomerByIdentityDocument, { type, value })).customerByIdentity;
  const journey = async (id: string) => (await t.ok(JourneyDocument, { id, first: 100 })).customer!;
  const occurredAt = async (messageId: string) => (await t.db.prisma.touchpoint.findFirstOrThrow({ where: { messageId } })).occurredAt;

  it('quarantines event times before 1970 (year 0, the earliest JS time, a far-future sentAt) and stores the rest of the batch', async () => {
    const ev = (messageId: string, time: Record<string, unknown> = {}) => ({ type: 'track', event: 'Viewed', userId: 'time-user', messageId, ...time });
    const r = await send('/v1/batch', {
      batch: [
        ev('time-good'),
        ev('time-year0', { timestamp: '0000-06-01T00:00:00Z' }),
        ev('time-js-min', { timestamp: -8.64e15 }),
        // Corrected: received now − (year 9999 − 2026) lands about 5,950 BC.
        ev('time-skew', { timestamp: '2026-01-01T00:00:00Z', sentAt: '9999-12-31T00:00:00Z' }),
        ev('time-1969', { timestamp: '1969-12-31T23:59:59.999Z' }),
        ev('time-epoch', { timestamp: '1970-01-01T00:00:00Z' }),
      ],
    });
    expect(r).toEqual({ status: 200, body: expect.objectContaining({ accepted: 2, quarantined: 4 }) });
    expect(await occurredAt('time-epoch')).toEqual(new Date(0));
    const q = await failed('invalid_timestamp');
    expect(q.edges.map((e) => (e.node.payload as { messageId: string }).messageId).sort()).toEqual(['time-1969', 'time-js-min', 'time-skew', 'time-year0']);

    // The GraphQL door runs the same pipeline.
    const g = await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'gql-year0', event: 'Viewed', userId: 'time-user', occurredAt: '0000-06-01T00:00:00Z' },
        { messageId: 'gql-good', event: 'Viewed', userId: 'time-user' },
      ],
    });
    expect(g.recordTouchpoints.results.map((x) => [x.status, x.reason])).toEqual([['QUARANTINED', 'invalid_timestamp'], ['ACCEPTED', null]]);
  });

  it('reprocessing corrects clock skew from the original receipt, not from the time of the reprocess', async () => {
    const receivedAt = new Date(Date.now() - 3 * 86_400_000);
    const payload = (messageId: string, time: Record<string, unknown>) => ({ type: 'track', event: 'Order Completed', userId: 'late-skew', messageId, ...time });
    const rows = await Promise.all([
      // The client's clock is years off; it stamped the event 90 s before it sent it.
      payload('late-skew-1', { timestamp: '2020-01-01T00:00:00Z', sentAt: '2020-01-01T00:01:30Z' }),
      payload('late-no-time', {}),
    ].map((p) => t.db.prisma.failedEvent.create({ data: { source: '', reason: 'event_too_large', message: 'old limit', payload: p, receivedAt } })));
    const r = (await t.ok(ReprocessFailedEventsDocument, { ids: rows.map((x) => x.id) })).reprocessFailedEvents;
    expect(r).toMatchObject({ reprocessed: 2, stillFailing: 0 });
    expect(await occurredAt('late-skew-1')).toEqual(new Date(receivedAt.getTime() - 90_000));
    expect(await occurredAt('late-no-time')).toEqual(receivedAt);
  });

  it('alias with a previous user id merges both users into one profile with both histories, and makes up no anonymous id', async () => {
    expect((await send('/v1/batch', { batch: ['old-1', 'old-2'].map((m) => ({ type: 'track', event: 'Viewed', userId: 'u-old', messageId: `alias-${m}` })) })).body.accepted).toBe(2);
    expect((await send('/v1/alias', { previousId: 'u-old', userId: 'u-new', messageId: 'alias-1' })).body.accepted).toBe(1);
    expect((await send('/v1/track', { event: 'Viewed', userId: 'u-new', messageId: 'alias-new-1' })).body.accepted).toBe(1);
    const [before, after] = [await customer('USER_ID', 'u-old'), await customer('USER_ID', 'u-new')];
    expect(after!.id).toBe(before!.id);
    expect(after!.identities.map((i) => `${i.type}:${i.value}`).sort()).toEqual(['USER_ID:u-new', 'USER_ID:u-old']);
    const j = await journey(after!.id);
    expect(j.journey.edges.map((e) => e.node.touchpoint.messageId).sort()).toEqual(['alias-1', 'alias-new-1', 'alias-old-1', 'alias-old-2']);

    // Both users already had a history of their own: the alias merges the two people.
    await send('/v1/batch', { batch: [{ type: 'track', event: 'Viewed', userId: 'u-a', messageId: 'a-1' }, { type: 'track', event: 'Viewed', userId: 'u-b', messageId: 'b-1' }] });
    expect((await send('/v1/alias', { previousId: 'u-a', userId: 'u-b', messageId: 'alias-ab' })).body.accepted).toBe(1);
    const merged = await customer('USER_ID', 'u-b');
    expect((await customer('USER_ID', 'u-a'))!.id).toBe(merged!.id);
    expect((await journey(merged!.id)).journey.edges.map((e) => e.node.touchpoint.messageId).sort()).toEqual(['a-1', 'alias-ab', 'b-1']);
  });

  it('saturates lifetimeValue at the DECIMAL(18,2) maximum instead of failing every later batch (appends and merges)', async () => {
    const max = Number('9999999999999999.99'); // 10^16 − 0.01, the largest value of DECIMAL(18,2)
    const order = (messageId: string, who: Record<string, string>) => ({ type: 'track', event: 'Order Completed', messageId, properties: { revenue: 6e15 }, ...who });
    for (const m of ['ltv-1', 'ltv-2']) expect((await send('/v1/track', order(m, { userId: 'big-spender' }))).status).toBe(200);
    expect((await send('/v1/track', { event: 'Viewed', userId: 'big-spender', messageId: 'ltv-later' })).status).toBe(200);
    const c = await customer('USER_ID', 'big-spender');
    expect((await journey(c!.id)).stats).toMatchObject({ lifetimeValue: max, orderCount: 2, touchpointCount: 3 });

    // Two people of 6e15 each, merged by one event: the recompute saturates the same way.
    await send('/v1/batch', { batch: [order('ltv-anon', { anonymousId: 'ltv-anon' }), order('ltv-user', { userId: 'ltv-user' })] });
    const link = await send('/v1/track', { event: 'Viewed', userId: 'ltv-user', anonymousId: 'ltv-anon', messageId: 'ltv-link' });
    expect(link).toEqual({ status: 200, body: expect.objectContaining({ accepted: 1 }) });
    const merged = await customer('USER_ID', 'ltv-user');
    expect((await journey(merged!.id)).stats).toMatchObject({ lifetimeValue: max, orderCount: 2 });
  });

  it('quarantines U+0000 and unpaired surrogates as unstorable_text, which failedEvents(reason) finds', async () => {
    const r = await send('/v1/batch', {
      batch: [
        { type: 'track', event: 'Viewed', userId: 'text-user', messageId: 'text-nul', properties: { note: 'a\u0000b' } },
        { type: 'track', event: 'Viewed', userId: 'text-user', messageId: 'text-lone', properties: { note: 'x\ud800' } },
        { type: 'track', event: 'Viewed', userId: 'text-user', messageId: 'text-ok' },
      ],
    });
    expect(r).toEqual({ status: 200, body: expect.objectContaining({ accepted: 1, quarantined: 2 }) });
    const q = await failed('unstorable_text');
    expect(q.totalCount).toBe(2);
    expect(q.edges.map((e) => (e.node.payload as { messageId: string }).messageId).sort()).toEqual(['text-lone', 'text-nul']);
  });

  it('quarantines numeric ids that are not safe integers (unsafe_numeric_id) instead of storing a rounded id', async () => {
    // Written as JSON text: these numbers cannot be written exactly as JS literals, which is the point.
    const ev = (id: string, messageId: string) => `{"type":"track","event":"Viewed",${id},"messageId":"${messageId}"}`;
    const body = `{"batch":[${[
      ev('"userId":9007199254740993', 'big-id-1'),
      ev('"userId":9007199254740992', 'big-id-2'),
      ev('"userId":1e21', 'big-id-3'),
      ev('"anonymousId":12345678901234567890', 'big-id-4'),
      ev('"userId":9007199254740991', 'big-id-5'),
    ].join(',')}]}`;
    expect(await send('/v1/batch', body)).toEqual({ status: 200, body: expect.objectContaining({ accepted: 1, quarantined: 4 }) });
    expect((await failed('unsafe_numeric_id')).totalCount).toBe(4);
    expect(await customer('USER_ID', '9007199254740991')).not.toBeNull();
    for (const rounded of ['9007199254740992', '1e+21']) expect(await customer('USER_ID', rounded)).toBeNull();
  });

  it('fills the profile phone from a numeric identify phone, as the PHONE identity', async () => {
    expect((await send('/v1/identify', { userId: 'phone-user', traits: { phone: 4155552671 }, messageId: 'phone-1' })).body.accepted).toBe(1);
    // (415) 555-2671 with DEFAULT_PHONE_REGION US is +14155552671 in E.164.
    const c = await customer('USER_ID', 'phone-user');
    expect(c!.phone).toBe('+14155552671');
    expect(c!.identities).toContainEqual(expect.objectContaining({ type: 'PHONE', value: '+14155552671' }));
    expect((await customer('PHONE', '+14155552671'))!.id).toBe(c!.id);
  });
});
