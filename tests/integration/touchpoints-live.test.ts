/**
 * touchpointReceived through graphql-ws: stored and quarantined events after commit, each subscriber's
 * filter, READER masking, and WRITER keys refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';
import { LiveTouchpointsDocument, RecordTouchpointsDocument } from '../generated/graphql.ts';

describe.each(dbKinds)('touchpointReceived on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('streams stored and quarantined events to each subscriber as its filter and role allow', async () => {
    const admin = collect(t.wsClient(), LiveTouchpointsDocument, {});
    const readerWeb = collect(t.wsClient({ authorization: `Bearer ${t.keys.READER}` }), LiveTouchpointsDocument, { filter: { channels: ['WEB'] } });
    const failedOnly = collect(t.wsClient({ authorization: `Bearer ${t.keys.OPERATOR}` }), LiveTouchpointsDocument, { filter: { quarantined: true } });
    const writer = collect(t.wsClient({ authorization: `Bearer ${t.keys.WRITER}` }), LiveTouchpointsDocument, {});
    await waitUntil(() => t.server.services.liveTouchpoints.listeners === 3);

    const at = '2026-03-01T10:00:00.000Z';
    const sent = await t.ok(RecordTouchpointsDocument, {
      input: [
        { messageId: 'live-1', event: 'Page Viewed', type: 'PAGE', channel: 'WEB', userId: 'u-live', identities: [{ type: 'EMAIL', value: 'ana.live@example.com' }], occurredAt: at },
        { messageId: 'live-2', event: 'Email Opened', channel: 'EMAIL', userId: 'u-live', occurredAt: at },
        // TRACK without an event name is quarantined.
        { messageId: 'live-3', type: 'TRACK', userId: 'u-live', occurredAt: at },
      ],
    });
    expect(sent.recordTouchpoints).toMatchObject({ accepted: 2, quarantined: 1 });
    const [r1, r2, r3] = sent.recordTouchpoints.results;

    const all = (await admin.waitFor(3)).map((d) => d.touchpointReceived);
    expect(all.map((e) => [e.messageId, e.quarantined, e.touchpointId, e.channel])).toEqual([
      ['live-1', false, r1!.touchpointId, 'WEB'],
      ['live-2', false, r2!.touchpointId, 'EMAIL'],
      ['live-3', true, null, null],
    ]);
    expect(all[0]).toMatchObject({ customerId: r1!.customerId, occurredAt: at, skippedBefore: 0, customer: { id: r1!.customerId } });
    expect(all[0]!.customer!.identities).toContainEqual({ type: 'EMAIL', value: 'ana.live@example.com' });
    expect(all[2]!.reason).toBe(r3!.reason);

    const web = (await readerWeb.waitFor(1)).map((d) => d.touchpointReceived);
    expect(web).toHaveLength(1);
    expect(web[0]!.messageId).toBe('live-1');
    expect(web[0]!.customer!.identities).toContainEqual({ type: 'EMAIL', value: 'a•••@example.com' });

    const failed = (await failedOnly.waitFor(1)).map((d) => d.touchpointReceived);
    expect(failed.map((e) => e.messageId)).toEqual(['live-3']);

    await waitUntil(() => writer.errors.length > 0 || writer.completed);
    expect(writer.received).toEqual([]);
    expect((writer.errors[0] as { code?: number }).code).toBe(4403);
    for (const s of [admin, readerWeb, failedOnly, writer]) s.dispose();
  });
});
