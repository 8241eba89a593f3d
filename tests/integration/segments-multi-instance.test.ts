/**
 * Two server processes on one PostgreSQL database and one Redis: a write through one reaches a
 * subscriber connected to the other. Needs both real servers, so it runs when TEST_DATABASE_URL and
 * REDIS_URL are set (CI sets both); the embedded database is one process by design.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, MembershipChangedDocument, RecordTouchpointsDocument } from '../generated/graphql.ts';
import { dbKinds, redisUrl } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';

const enabled = dbKinds.includes('postgres') && Boolean(redisUrl);

describe.runIf(enabled)('two servers sharing PostgreSQL and Redis', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer('postgres');
    b = await startTestServer('postgres', {}, { database: a.config.database });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('a change written through one server is pushed by the other', async () => {
    expect(a.config.redisUrl).toBeTruthy();
    const seg = (await a.ok(CreateSegmentDocument, { input: { name: 'Cross', rule: { event: 'Signed Up' } } })).createSegment;
    const sub = collect(b.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id] });
    await waitUntil(() => b.server.services.feed.listenerCount > 0);
    const written = (await a.ok(RecordTouchpointsDocument, { input: [{ messageId: 'x-1', event: 'Signed Up', userId: 'cross-1' }] })).recordTouchpoints;
    const [e] = await sub.waitFor(1);
    expect(e!.segmentMembershipChanged).toMatchObject({ change: 'ENTERED', customer: { id: written.results[0]!.customerId }, segment: { id: seg.id } });
    sub.dispose();
  });
});

