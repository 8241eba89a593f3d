/**
 * Two deployments in two schemas of one PostgreSQL database do not wait on each other. Advisory locks
 * belong to the whole database, so their keys carry the schema: a write in one schema must not queue
 * behind the outbox lock, or the identity locks, held in another (a long recompute there, or the
 * same test data in a parallel test file). PostgreSQL only: PGlite is one database per process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, RecordTouchpointsDocument, SegmentDetailDocument } from '../generated/graphql.ts';
import { customerQueries } from '../../src/modules/customers/customer.queries.ts';
import { identityKey } from '../../src/modules/identities/identity.normalize.ts';
import { membershipRepository } from '../../src/modules/segments/membership.repository.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.runIf(dbKinds.includes('postgres'))('deployments in two schemas of one PostgreSQL database', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer('postgres');
    b = await startTestServer('postgres');
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it("a write in one schema goes through while the other schema's transaction holds its outbox and identity locks", async () => {
    const seg = (await b.ok(CreateSegmentDocument, { input: { name: 'isolated', rule: { event: 'Isolated' } } })).createSegment;
    const event = { messageId: 'iso-1', event: 'Isolated', userId: 'iso-user', channel: 'WEB' as const, occurredAt: '2026-03-01T10:00:00Z' };
    await a.db.prisma.$transaction(
      async (tx) => {
        // What a long write in schema A holds: the outbox lock and the locks on the same person's keys.
        await membershipRepository.lockOutbox(tx);
        await customerQueries.lockKeys(tx, [`id:${identityKey('USER_ID', 'iso-user')}`]);
        const r = await b.ok(RecordTouchpointsDocument, { input: [event] });
        expect(r.recordTouchpoints.accepted).toBe(1);
      },
      // Shorter than the test's own timeout: a write in B stuck behind A's locks fails here, not by hanging.
      { timeout: 10_000 },
    );
    const members = (await b.ok(SegmentDetailDocument, { id: seg.id })).segment!.members.edges;
    expect(members).toHaveLength(1);
  });
});
