/**
 * Webhooks under an operator's hand while a backlog is being delivered: pausing stops it, a new URL
 * takes over from the next request, a receiver's Retry-After holds the whole destination back, and
 * bad ids are refused with a code. A real server delivers to real HTTP receivers on loopback ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  DeleteWebhookDocument,
  PauseWebhookDocument,
  ReplayWebhookDeadLettersDocument,
  ResumeWebhookDocument,
  UpdateWebhookDocument,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { base, createWebhook, record, until, webhook } from '../helpers/webhook-api.ts';
import { receiverPool } from '../helpers/webhook-receiver.ts';

/** A group: the batches the worker claims in one statement and sends side by side. */
const GROUP = base.maxConcurrency;
/** Requests that may still go out after an operator's change: the group in flight and the one claimed ahead of it. */
const ON_THEIR_WAY = 2 * GROUP;

/**
 * Asserting that nothing is sent needs a window: 500 ms of API reads, ten polls of the worker
 * (WEBHOOK_POLL_MS is 50 ms) and over three of the receivers' 150 ms answers.
 */
async function quietWindow(t: TestServer, id: string): Promise<void> {
  const end = Date.now() + 500;
  while (Date.now() < end) await webhook(t, id);
}

/** Items for a backlog: one touchpoint each, all matching `event`. */
const items = (prefix: string, event: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ messageId: `${prefix}-${i}`, event, userId: `${prefix}-u${i % 5}`, channel: 'WEB' as const, occurredAt: '2026-03-04T10:00:00Z' }));

describe.each(dbKinds)('webhooks under operator control on %s', (kind) => {
  let t: TestServer;
  const pool = receiverPool();
  const receiver = pool.start;
  beforeAll(async () => {
    // Retries as long as the tests need them (the base configuration caps them at 100 ms).
    t = await startTestServer(kind, { webhooks: { ...base, retryMaxDelayMs: 2_000, retryWindowMs: 60_000 } });
  });
  afterAll(async () => {
    await pool.closeAll();
    await t?.stop();
  });

  it('pausing mid-backlog: requests in flight finish, nothing more is sent, and resume sends the rest once', async () => {
    const rx = await receiver(() => ({ status: 200, delayMs: 150 }));
    const made = await createWebhook(t, { name: 'paused mid-backlog', url: rx.url, events: ['TOUCHPOINTS'], eventFilter: { events: ['Paused Backlog'] } });
    const n = 2 * ON_THEIR_WAY * base.batchSize;
    await record(t, items('wh-pause', 'Paused Backlog', n));
    await rx.waitFor(() => rx.requests.length >= 1, 30_000, 'the first request');
    expect((await t.ok(PauseWebhookDocument, { id: made.webhook.id })).pauseWebhook.status).toBe('PAUSED');
    // What was on its way is answered and acknowledged; the counts settle with the rest still queued.
    const settled = await until(
      () => webhook(t, made.webhook.id),
      (w) => rx.inFlight === 0 && w.stats.delivered === rx.processed.size && w.stats.delivered + w.stats.pending === n,
      'in-flight requests answered and acknowledged',
    );
    expect(rx.requests.length).toBeLessThanOrEqual(ON_THEIR_WAY);
    expect(settled.stats.pending).toBeGreaterThanOrEqual(n - ON_THEIR_WAY * base.batchSize);
    // Nothing more goes out, even when new work wakes the worker.
    const before = rx.requests.length;
    await record(t, items('wh-pause-more', 'Paused Backlog', 1));
    const still = await until(() => webhook(t, made.webhook.id), (w) => w.stats.pending === settled.stats.pending + 1, 'the new item queued');
    await quietWindow(t, made.webhook.id);
    expect(rx.requests.length).toBe(before);
    expect(still.status).toBe('PAUSED');

    await t.ok(ResumeWebhookDocument, { id: made.webhook.id });
    await rx.waitFor(() => rx.processed.size === n + 1, 30_000, 'every item after resume');
    expect(rx.repeats).toEqual([]);
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });

  it('a new URL mid-backlog takes over from the next request; every item reaches one of the two once', async () => {
    const old = await receiver(() => ({ status: 200, delayMs: 100 }));
    const next = await receiver();
    const made = await createWebhook(t, { name: 'moving', url: old.url, events: ['TOUCHPOINTS'], eventFilter: { events: ['Moving Backlog'] } });
    const n = 2 * ON_THEIR_WAY * base.batchSize;
    const results = await record(t, items('wh-move', 'Moving Backlog', n));
    await old.waitFor(() => old.requests.length >= 1, 30_000, 'the first request to the old URL');
    const updated = (await t.ok(UpdateWebhookDocument, { id: made.webhook.id, input: { url: next.url } })).updateWebhook;
    expect(updated.url).toBe(next.url);
    await next.waitFor(() => old.processed.size + next.processed.size === n && old.inFlight === 0, 30_000, 'every item at one receiver or the other');
    // The old URL got only what was on its way when the URL changed; the new one the rest.
    expect(old.requests.length).toBeLessThanOrEqual(ON_THEIR_WAY);
    expect(next.processed.size).toBeGreaterThanOrEqual(n - ON_THEIR_WAY * base.batchSize);
    const keys = new Set(results.map((r) => `tp:${r.touchpointId}`));
    const got = [...old.processed.keys(), ...next.processed.keys()];
    expect(new Set(got)).toEqual(keys);
    expect(got).toHaveLength(n);
    expect([...old.repeats, ...next.repeats]).toEqual([]);
    await until(() => webhook(t, made.webhook.id), (w) => w.stats.delivered === n && w.stats.pending === 0, 'delivered count');
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });

  it('taking SEGMENT_CHANGES off a destination stops its segment lane mid-backlog', async () => {
    const rx = await receiver(() => ({ status: 200, delayMs: 150 }));
    const segment = (await t.ok(CreateSegmentDocument, { input: { name: 'lane-stop', rule: { event: 'Lane Stop', count: { op: 'gte', value: 1 } } } })).createSegment;
    const made = await createWebhook(t, { name: 'lane stop', url: rx.url, events: ['SEGMENT_CHANGES'], segmentIds: [segment.id] });
    // One ENTERED change per person: eight batches, which the lane sends one at a time.
    const n = 8 * base.batchSize;
    await record(t, Array.from({ length: n }, (_, i) => ({ messageId: `wh-lane-${i}`, event: 'Lane Stop', userId: `wh-lane-${i}`, channel: 'WEB' as const, occurredAt: '2026-03-04T10:00:00Z' })));
    await rx.waitFor(() => rx.requests.length >= 1, 30_000, 'the first batch of changes');
    await t.ok(UpdateWebhookDocument, { id: made.webhook.id, input: { events: ['ALERTS'] } });
    await until(() => webhook(t, made.webhook.id), (w) => rx.inFlight === 0 && w.stats.delivered === rx.processed.size, 'the batch in flight acknowledged');
    await quietWindow(t, made.webhook.id);
    // The batch in flight when the events changed, and at most the one the lane had started on.
    expect(rx.requests.length).toBeLessThanOrEqual(2);
    expect(rx.processed.size).toBeLessThan(n);
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });

  it("a 429's Retry-After holds the whole destination back, new items included", async () => {
    const rx = await receiver((req) => (req.n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const made = await createWebhook(t, { name: 'rate limited', url: rx.url, events: ['TOUCHPOINTS'], eventFilter: { events: ['Rate Limited'] } });
    await record(t, items('wh-429-first', 'Rate Limited', 1));
    await rx.waitFor(() => rx.requests.length >= 1, 30_000, 'the first request');
    // New work wakes the worker at once; the receiver asked for a second, so it must wait anyway.
    await record(t, items('wh-429-next', 'Rate Limited', 1));
    await rx.waitFor(() => rx.processed.size === 2, 30_000, 'both items');
    const first = rx.requests[0]!;
    // A lower bound on elapsed time: a slow machine only makes the gap longer.
    for (const later of rx.requests.slice(1)) expect(later.at - first.at).toBeGreaterThanOrEqual(1_000 - 5);
    expect(rx.repeats).toEqual([]);
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });

  it('refuses dead-letter ids beyond a bigint with BAD_USER_INPUT, not an internal error', async () => {
    const rx = await receiver();
    const made = await createWebhook(t, { name: 'bad ids', url: rx.url, events: ['ALERTS'] });
    const r = await t.gql(ReplayWebhookDeadLettersDocument, { id: made.webhook.id, ids: ['9999999999999999999'] });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
    // The largest bigint is a well-formed id (one that is simply not dead): nothing to replay.
    expect((await t.ok(ReplayWebhookDeadLettersDocument, { id: made.webhook.id, ids: ['9223372036854775807'] })).replayWebhookDeadLetters.replayed).toBe(0);
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });
});
