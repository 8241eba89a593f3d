/**
 * Two servers on one PostgreSQL database deliver the same destinations at once: queue items are
 * claimed under leases (FOR UPDATE SKIP LOCKED) and the segment lane is held by one lease at a time,
 * so every item reaches the receiver exactly once and segment changes keep their seq order across
 * both processes. PostgreSQL only: the embedded database is one process by design.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, SegmentDetailDocument, type TouchpointInput } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { base, createWebhook, record, until, webhook } from '../helpers/webhook-api.ts';
import { receiverPool } from '../helpers/webhook-receiver.ts';

const ORDERS = 240;
const SIGNUPS = 80;

/** Delivered-item counts of one server's own /metrics, per destination. */
async function deliveredBy(t: TestServer, destinationId: string): Promise<number> {
  const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
  const m = new RegExp(`^cdp_webhook_items_total\\{destination="${destinationId}",outcome="delivered"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe.runIf(dbKinds.includes('postgres'))('webhook delivery from two servers on one PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  const pool = receiverPool();
  beforeAll(async () => {
    const webhooks = { ...base, retryWindowMs: 60_000 };
    a = await startTestServer('postgres', { webhooks });
    b = await startTestServer('postgres', { webhooks }, { database: a.config.database });
  });
  afterAll(async () => {
    await pool.closeAll();
    await b?.stop();
    await a?.stop();
  });

  it('each item is delivered once, by one of them, and segment changes arrive in seq order', async () => {
    const touchRx = await pool.start();
    const segRx = await pool.start();
    const segment = (await a.ok(CreateSegmentDocument, { input: { name: 'multi signups', rule: { event: 'Multi Signup' } } })).createSegment;
    const orders = await createWebhook(a, { name: 'orders', url: touchRx.url, events: ['TOUCHPOINTS'], eventFilter: { events: ['Multi Order'] } });
    const changes = await createWebhook(b, { name: 'signups', url: segRx.url, events: ['SEGMENT_CHANGES'], segmentIds: [segment.id] });

    // Writes through both servers at once, in batches, so both workers are woken and race for items.
    const events: TouchpointInput[] = [
      ...Array.from({ length: ORDERS }, (_, i) => ({ messageId: `mi-order-${i}`, event: 'Multi Order', userId: `mi-${i % 60}`, channel: 'WEB' as const, occurredAt: new Date(Date.UTC(2026, 2, 1, 0, i)).toISOString() })),
      ...Array.from({ length: SIGNUPS }, (_, i) => ({ messageId: `mi-signup-${i}`, event: 'Multi Signup', userId: `mi-new-${i}`, channel: 'APP' as const, occurredAt: new Date(Date.UTC(2026, 2, 2, 0, i)).toISOString() })),
    ];
    const batches = Array.from({ length: Math.ceil(events.length / 20) }, (_, i) => events.slice(i * 20, i * 20 + 20));
    const results = (await Promise.all(batches.map((batch, i) => record(i % 2 === 0 ? a : b, batch)))).flat();
    const orderKeys = new Set(results.filter((_, i) => events[i]!.event === 'Multi Order').map((r) => `tp:${r.touchpointId}`));
    expect(orderKeys.size).toBe(ORDERS);

    await touchRx.waitFor(() => touchRx.processed.size >= ORDERS, 60_000, 'every order');
    await segRx.waitFor(() => segRx.processed.size >= SIGNUPS, 60_000, 'every ENTERED change');
    // Both destinations acknowledged everything (so nothing is still in flight to be sent again).
    await until(() => webhook(a, orders.webhook.id), (w) => w.stats.delivered === ORDERS && w.stats.pending === 0, 'orders delivered');
    await until(() => webhook(a, changes.webhook.id), (w) => w.stats.delivered === SIGNUPS, 'changes delivered');

    // Exactly once: every key once across all requests, none repeated, none foreign.
    const sentOrders = touchRx.requests.flatMap((r) => r.body.items.map((i) => i.id));
    expect(sentOrders).toHaveLength(ORDERS);
    expect(new Set(sentOrders)).toEqual(orderKeys);
    expect(touchRx.repeats).toEqual([]);

    // The outbox, read through the API, is the reference for the changes and their order.
    const outbox = (await a.ok(SegmentDetailDocument, { id: segment.id })).segment!.changes.nodes;
    expect(outbox).toHaveLength(SIGNUPS);
    const sentChanges = segRx.requests.flatMap((r) => r.body.items.map((i) => i.id));
    expect(sentChanges).toEqual(outbox.map((c) => `seg:${c.seq}`).sort((x, y) => Number(BigInt(x.slice(4)) - BigInt(y.slice(4)))));
    expect(segRx.repeats).toEqual([]);

    // Each server counts what it delivered; together exactly the items, so no item went out from both.
    const byA = await deliveredBy(a, orders.webhook.id);
    const byB = await deliveredBy(b, orders.webhook.id);
    expect(byA + byB).toBe(ORDERS);
    expect((await deliveredBy(a, changes.webhook.id)) + (await deliveredBy(b, changes.webhook.id))).toBe(SIGNUPS);
    console.log(`orders delivered by server a: ${byA}, by server b: ${byB}`);
  });
});
