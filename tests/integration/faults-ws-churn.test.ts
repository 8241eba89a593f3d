/**
 * Fault: subscription churn. 10,000 subscribe/complete cycles of segmentMembershipChanged over a few
 * long-lived graphql-ws sockets must leave nothing behind: the membership feed's listener count back
 * to its baseline, no extra sockets, and a heap that does not grow with the number of cycles.
 *
 * Most cycles complete right after subscribing (the server may get `complete` before the subscription
 * has even been set up); every fiftieth resumes with `since` and waits for the replayed change, so
 * the full path (live listener registered, replay, delivery, teardown) runs 200 times too.
 */
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { CreateSegmentDocument, MembershipChangedDocument, RecordTouchpointsDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';

const CYCLES = 10_000;
const WARMUP = 2_000;
const SOCKETS = 4;
const IN_FLIGHT_PER_SOCKET = 8;
/** Every FULL_EVERY-th cycle resumes with since and waits for the replayed change. */
const FULL_EVERY = 50;
const MAX_HEAP_GROWTH = 20 * 1024 * 1024;

/** A real gc() even when node was started without --expose-gc. */
function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().heapUsed;
}

/**
 * WebSocket connections open on the server's side of its port (this process runs the server): sockets
 * accepted on the port that `ws` has taken over (it tags them with its `websocket` symbol), so idle
 * HTTP keep-alive connections of the test's own fetch calls do not count.
 */
function serverSockets(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter(
    (h) => h instanceof net.Socket && h.localPort === port && Object.getOwnPropertySymbols(h).some((s) => s.description === 'websocket' && (h as never)[s]),
  ).length;
}

describe.each(dbKinds)('10,000 subscribe/unsubscribe cycles on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    const defaults = loadConfig({});
    // Every subscribe spends the key's rate budget; this test is about leaks, not rate limits.
    t = await startTestServer(kind, { security: { ...defaults.security, rateLimitPerMinute: 1_000_000 } });
  });
  afterAll(() => t?.stop());

  // Hundreds of connects and disconnects: about 40 s at load 10 on two cores, so a guard above the default.
  it('leaves no listener, no socket and no heap behind', { timeout: 240_000 }, async () => {
    const started = Date.now();
    const gc = getGc();
    const seg = (await t.ok(CreateSegmentDocument, { input: { name: 'Churn', rule: { event: 'Signed Up' } } })).createSegment;
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'churn-1', event: 'Signed Up', userId: 'churn-user' }] });
    const feed = t.server.services.feed;
    expect(feed.listenerCount).toBe(0);
    // Count the subscriptions the server really started, so no cycle is a no-op on the client side.
    let listens = 0;
    const listen = feed.listen.bind(feed);
    feed.listen = (...args) => (listens++, listen(...args));

    // A few sockets, each kept open by one long-lived subscription (the baseline).
    const clients: Client[] = Array.from({ length: SOCKETS }, () => t.wsClient());
    const keepers = clients.map((c) => collect(c, MembershipChangedDocument, { segmentIds: [seg.id] }));
    await waitUntil(() => feed.listenerCount === SOCKETS);
    const baselineSockets = serverSockets(t.server.port);
    expect(baselineSockets).toBe(SOCKETS);

    const query = print(MembershipChangedDocument);
    let done = 0;
    let replayed = 0;
    const cycle = (client: Client, n: number) =>
      new Promise<void>((resolve, reject) => {
        const full = n % FULL_EVERY === 0;
        let finished = false;
        const finish = (err?: unknown) => {
          if (finished) return;
          finished = true;
          dispose();
          done++;
          if (err) reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
          else resolve();
        };
        const dispose = client.subscribe(
          { query, variables: { segmentIds: [seg.id], ...(full ? { since: '0' } : {}) } },
          {
            next: (r) => {
              if (r.errors) return finish(r.errors);
              replayed++;
              finish();
            },
            error: finish,
            complete: () => finish(full ? new Error('completed before the replayed change') : undefined),
          },
        );
        // After a macrotask the client has sent `subscribe` on its open socket; `complete` follows it.
        if (!full) setImmediate(() => finish());
      });
    const run = async (upTo: number) => {
      let next = done;
      await Promise.all(
        clients.flatMap((client) =>
          Array.from({ length: IN_FLIGHT_PER_SOCKET }, async () => {
            while (next < upTo) await cycle(client, next++);
          }),
        ),
      );
    };

    await run(WARMUP);
    await waitUntil(() => feed.listenerCount === SOCKETS, 10_000);
    const heapAfterWarmup = await settledHeap(gc);
    const warmupMs = Date.now() - started;

    await run(CYCLES);
    expect(done).toBe(CYCLES);
    expect(replayed).toBe(CYCLES / FULL_EVERY);
    await waitUntil(() => listens === SOCKETS + CYCLES, 10_000);
    // Back to the baseline: only the keepers listen; the same sockets, none added or left open.
    await waitUntil(() => feed.listenerCount === SOCKETS, 10_000);
    expect(serverSockets(t.server.port)).toBe(baselineSockets);
    const heapAfter = await settledHeap(gc);
    const growth = heapAfter - heapAfterWarmup;
    expect(growth, `heap grew ${(growth / 1048576).toFixed(1)} MB over ${CYCLES - WARMUP} cycles`).toBeLessThan(MAX_HEAP_GROWTH);

    // The keepers still work after the churn (the feed's one pub/sub subscription survived).
    await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'churn-2', event: 'Signed Up', userId: 'churn-user-2' }] });
    for (const k of keepers) expect((await k.waitFor(1))[0]!.segmentMembershipChanged.change).toBe('ENTERED');
    for (const k of keepers) k.dispose();
    await waitUntil(() => feed.listenerCount === 0);
    for (const c of clients) await c.dispose();
    await waitUntil(() => serverSockets(t.server.port) === 0);
    console.log(
      `[faults-ws-churn ${kind}] ${CYCLES} cycles in ${Date.now() - started} ms (warm-up ${warmupMs} ms); heap ${(heapAfterWarmup / 1048576).toFixed(1)} → ${(heapAfter / 1048576).toFixed(1)} MB`,
    );
  });
});
