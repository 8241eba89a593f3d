/**
 * Fault: Redis (the pub/sub between server processes) goes away for a while. The server reaches Redis
 * through a loopback TCP proxy that the test cuts and restores.
 * - HTTP keeps serving: writes whose segment changes cannot be published still succeed promptly (the
 *   outbox in the database is the durable record; publishing is best effort);
 * - a subscriber that reconnects with `since` = the last seq it saw gets every change it missed,
 *   exactly once, while Redis is still down (replay reads the outbox) and after it is back;
 * - a subscriber that stayed connected through the outage gets the changes it missed once Redis is
 *   back, without waiting for some later write, and nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, MembershipChangedDocument, RecordTouchpointsDocument, type MembershipChangedSubscription } from '../generated/graphql.ts';
import { dbKinds, redisUrl } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/** A write while Redis is down may take at most this long (it must not wait for Redis). */
const WRITE_BOUND_MS = 2_500;

const seqs = (events: MembershipChangedSubscription[]) => events.map((e) => e.segmentMembershipChanged.seq);

describe.runIf(Boolean(redisUrl)).each(dbKinds)('Redis stopped for a while (%s)', (kind) => {
  let proxy: TcpProxy;
  let t: TestServer;
  beforeAll(async () => {
    const real = new URL(redisUrl!);
    proxy = await startTcpProxy(real.hostname, Number(real.port || 6379));
    const viaProxy = new URL(real);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    t = await startTestServer(kind, { redisUrl: viaProxy.toString() });
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.stop();
    await proxy?.close();
  });

  for (const mode of ['drop', 'blackhole'] as const) {
    it(`${mode}: writes stay fast, and every subscriber gets each missed change exactly once`, async () => {
      const started = Date.now();
      const buy = async (id: string) => {
        const t0 = Date.now();
        const r = await t.ok(RecordTouchpointsDocument, { input: [{ messageId: `${mode}-${id}`, event: 'Order Completed', userId: `${mode}-buyer-${id}` }] });
        expect(r.recordTouchpoints.accepted).toBe(1);
        return Date.now() - t0;
      };
      const seg = (await t.ok(CreateSegmentDocument, { input: { name: `Buyers ${mode}`, rule: { event: 'Order Completed' } } })).createSegment;
      const feed = t.server.services.feed;
      const base = feed.listenerCount;
      const stays = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id] });
      const leaves = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id] });
      await waitUntil(() => feed.listenerCount === base + 2);
      await buy('1'); // through Redis while it is up
      const [seen] = await leaves.waitFor(1);
      await stays.waitFor(1);
      const lastSeen = seen!.segmentMembershipChanged.seq;
      leaves.dispose(); // this one goes away and will come back with since

      await proxy[mode]();
      const writeMs: number[] = [];
      for (const id of ['2', '3', '4']) writeMs.push(await buy(id));
      for (const ms of writeMs) expect(ms, `write took ${ms} ms while Redis was down`).toBeLessThan(WRITE_BOUND_MS);

      // While Redis is still down, a subscriber resuming from its last seq gets the three it missed.
      const whileDown = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id], since: lastSeen });
      const replayed = await whileDown.waitFor(3);
      expect(replayed.map((e) => e.segmentMembershipChanged.change)).toEqual(['ENTERED', 'ENTERED', 'ENTERED']);

      await proxy.restore();
      // The subscriber that stayed connected gets the three it missed, with no further write.
      const caughtUp = await stays.waitFor(4, 15_000);
      expect(seqs(caughtUp.slice(1))).toEqual(seqs(replayed));
      // One reconnecting after Redis is back, with the same since, gets the same three.
      const afterBack = collect(t.wsClient(), MembershipChangedDocument, { segmentIds: [seg.id], since: lastSeen });
      expect(seqs(await afterBack.waitFor(3))).toEqual(seqs(replayed));

      // Live again through Redis: one more write reaches all three, once.
      await buy('5');
      const [a, b, c] = await Promise.all([stays.waitFor(5), whileDown.waitFor(4), afterBack.waitFor(4)]);
      await new Promise((r) => setTimeout(r, 500)); // nothing further arrives: no duplicates
      for (const [sub, expected] of [
        [stays, 5],
        [whileDown, 4],
        [afterBack, 4],
      ] as const) {
        expect(sub.received).toHaveLength(expected);
        expect(sub.errors).toEqual([]);
      }
      const all = seqs(a!);
      expect(new Set(all).size).toBe(5);
      expect([...all].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))).toEqual(all);
      expect(seqs(b!)).toEqual(all.slice(1));
      expect(seqs(c!)).toEqual(all.slice(1));
      for (const s of [stays, whileDown, afterBack]) s.dispose();
      await waitUntil(() => feed.listenerCount === base);
      console.log(`[faults-redis ${kind} ${mode}] writes while down ${writeMs.join('/')} ms; ${Date.now() - started} ms`);
    });
  }
});
