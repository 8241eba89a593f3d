/**
 * Webhooks end to end: a real server delivers to a real HTTP receiver on a loopback port (allowed by
 * WEBHOOK_ALLOWED_HOSTS in the test's configuration). Retry timing is made small through the
 * configuration; every wait is a bounded poll on something observable (what the receiver got, what
 * the API says), never a sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertsDocument,
  CreateSegmentDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  ReplayWebhookDeadLettersDocument,
  ResumeWebhookDocument,
  SegmentDetailDocument,
  WebhookDeadLettersDocument,
  WebhooksDocument,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { base, createWebhook, record, until, verifySignature, webhook } from '../helpers/webhook-api.ts';
import { receiverPool, startReceiver } from '../helpers/webhook-receiver.ts';

describe.each(dbKinds)('webhooks on %s', (kind) => {
  let t: TestServer;
  const pool = receiverPool();
  const receiver = pool.start;
  beforeAll(async () => {
    t = await startTestServer(kind, { webhooks: { ...base, retryWindowMs: 60_000 } });
  });
  afterAll(async () => {
    await pool.closeAll();
    await t?.stop();
  });

  it('refuses URLs to private, loopback and link-local addresses with WEBHOOK_URL_FORBIDDEN, and stores nothing', async () => {
    for (const url of [
      'https://10.1.2.3/hook',
      'http://192.168.0.5/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://127.0.0.2/hook', // loopback, but not the allowed 127.0.0.1
      'https://[::1]/hook',
      'https://[::ffff:10.0.0.1]/hook', // IPv4-mapped IPv6
      'https://[fd00::1]/hook',
      'https://0.0.0.0/hook',
    ]) {
      const r = await t.gql(CreateWebhookDocument, { input: { name: `bad ${url}`, url, events: ['ALERTS'] } });
      expect(r.errors?.[0]?.extensions, url).toMatchObject({ code: 'WEBHOOK_URL_FORBIDDEN', field: 'url' });
    }
    expect((await t.ok(WebhooksDocument, {})).webhooks).toEqual([]);
    // Only ADMIN keys manage webhooks.
    const asOperator = await t.gql(WebhooksDocument, {}, { authorization: `Bearer ${t.keys.OPERATOR}` });
    expect(asOperator.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('delivers an ENTERED change signed (verifiable with the secret), keyed by its outbox seq', async () => {
    const rx = await receiver();
    const segment = (await t.ok(CreateSegmentDocument, { input: { name: 'signed-up', rule: { event: 'Signed Up', count: { op: 'gte', value: 1 } } } })).createSegment;
    const secret = 'test-secret-0123456789abcdef';
    const made = await createWebhook(t, { name: 'segment hook', url: rx.url, events: ['SEGMENT_CHANGES'], segmentIds: [segment.id], secret });
    expect(made.secret).toBe(secret);
    expect(made.webhook).toMatchObject({ status: 'ACTIVE', secretHint: '…cdef', segmentIds: [segment.id], maskPii: false });

    const [, res] = await record(t, [
      { messageId: 'wh-identify-1', type: 'IDENTIFY', userId: 'wh-ada', traits: { email: 'ada@example.com' }, occurredAt: '2026-03-01T09:59:00Z' },
      { messageId: 'wh-signup-1', event: 'Signed Up', userId: 'wh-ada', channel: 'WEB', occurredAt: '2026-03-01T10:00:00Z' },
    ]);
    await rx.waitFor(() => rx.processed.size >= 1, 30_000, 'the ENTERED change');

    const req = rx.requests[0]!;
    expect(verifySignature(secret, req)).toBe(true);
    expect(verifySignature('another-secret-0123456789', req)).toBe(false);
    expect(verifySignature(secret, { ...req, raw: req.raw.replace('ENTERED', 'LEFT') })).toBe(false);

    // The outbox, read through the API, is the reference for seq and customer.
    const changes = (await t.ok(SegmentDetailDocument, { id: segment.id })).segment!.changes.nodes;
    expect(changes).toHaveLength(1);
    const [change] = changes;
    expect(req.body.webhookId).toBe(made.webhook.id);
    expect(req.body.items).toHaveLength(1);
    const item = req.body.items[0]!;
    expect(item).toMatchObject({ id: `seg:${change!.seq}`, type: 'segment.entered' });
    expect(req.headers['idempotency-key']).toBe(item.id);
    expect(item.data).toMatchObject({
      seq: change!.seq,
      change: 'ENTERED',
      segment: { id: segment.id, name: 'signed-up' },
      customer: { id: res!.customerId, email: 'ada@example.com' },
    });
    const after = await until(() => webhook(t, made.webhook.id), (w) => w.stats.delivered === 1, 'delivered count');
    expect(after.stats).toMatchObject({ delivered: 1, failed: 0, retried: 0, deadLettered: 0, segmentCursor: change!.seq });
    expect(await t.ok(DeleteWebhookDocument, { id: made.webhook.id })).toEqual({ deleteWebhook: true });
    expect(await t.ok(DeleteWebhookDocument, { id: made.webhook.id })).toEqual({ deleteWebhook: false });
  });

  it('retries 500s with the same idempotency key until a 200, and counts it once delivered', async () => {
    const rx = await receiver((req) => (req.n <= 3 ? { status: 500 } : { status: 200 }));
    const made = await createWebhook(t, { name: 'orders', url: rx.url, events: ['TOUCHPOINTS'], eventFilter: { events: ['Order Completed'] } });
    const results = await record(t, [
      { messageId: 'wh-view-1', event: 'Page Viewed', userId: 'wh-bo', channel: 'WEB', occurredAt: '2026-03-01T11:00:00Z' },
      { messageId: 'wh-order-1', event: 'Order Completed', userId: 'wh-bo', channel: 'WEB', revenue: 42.5, currency: 'USD', occurredAt: '2026-03-01T11:05:00Z' },
    ]);
    const orderKey = `tp:${results[1]!.touchpointId}`;
    await rx.waitFor(() => rx.processed.size >= 1, 30_000, 'the order after three 500s');

    expect(rx.requests).toHaveLength(4);
    expect(rx.requests.map((r) => r.body.items.map((i) => i.id))).toEqual([[orderKey], [orderKey], [orderKey], [orderKey]]);
    expect(rx.requests.map((r) => r.headers['idempotency-key'])).toEqual([orderKey, orderKey, orderKey, orderKey]);
    expect(rx.requests.map((r) => r.headers['x-cdp-attempt'])).toEqual(['1', '2', '3', '4']);
    expect([...rx.processed.keys()]).toEqual([orderKey]);
    expect(rx.repeats).toEqual([]);
    expect(rx.processed.get(orderKey)!.data).toMatchObject({ event: 'Order Completed', revenue: 42.5, currency: 'USD', customerId: results[1]!.customerId });

    const w = await until(() => webhook(t, made.webhook.id), (x) => x.stats.delivered === 1, 'delivered count');
    // One item: three failed sends, three of the four sends were retries, nothing waiting or dead.
    expect(w.stats).toMatchObject({ delivered: 1, failed: 3, retried: 3, deadLettered: 0, pending: 0, deadLetters: 0, requests: 4, lastError: 'HTTP 500' });
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain(`cdp_webhook_items_total{destination="${made.webhook.id}",outcome="delivered"} 1`);
    expect(metrics).toContain(`cdp_webhook_items_total{destination="${made.webhook.id}",outcome="failed"} 3`);
    expect(metrics).toContain(`cdp_webhook_request_duration_seconds_count{destination="${made.webhook.id}"} 4`);
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
    expect(await (await fetch(`${t.baseUrl}/metrics`)).text()).not.toContain(made.webhook.id);
  });

  it.each([4, 1])('never has more than WEBHOOK_MAX_CONCURRENCY (%i) requests in flight to a destination, segment lane and queue together', async (maxConcurrency) => {
    const own = maxConcurrency === base.maxConcurrency ? null : await startTestServer(kind, { webhooks: { ...base, maxConcurrency } });
    const s = own ?? t;
    try {
      const rx = await receiver(() => ({ status: 200, delayMs: 40 }));
      const segment = (await s.ok(CreateSegmentDocument, { input: { name: `in-flight-${maxConcurrency}`, rule: { event: 'In Flight', count: { op: 'gte', value: 1 } } } })).createSegment;
      const made = await createWebhook(s, { name: 'in flight', url: rx.url, events: ['SEGMENT_CHANGES', 'TOUCHPOINTS'], segmentIds: [segment.id], eventFilter: { events: ['In Flight'] } });
      const n = 6 * base.batchSize;
      const input = Array.from({ length: n }, (_, i) => ({ messageId: `wh-flight-${maxConcurrency}-${i}`, event: 'In Flight', userId: `wh-flight-${maxConcurrency}-${i}`, channel: 'WEB' as const, occurredAt: '2026-03-03T10:00:00Z' }));
      await record(s, input);
      // n touchpoints and n ENTERED changes (one per new person).
      await rx.waitFor(() => rx.processed.size >= 2 * n, 30_000, 'every touchpoint and change');
      expect(rx.maxInFlight).toBeLessThanOrEqual(maxConcurrency);
      // With room for more, the backlog was sent side by side, not one request at a time.
      if (maxConcurrency > 1) expect(rx.maxInFlight).toBeGreaterThan(1);
      expect(rx.repeats).toEqual([]);
      await s.ok(DeleteWebhookDocument, { id: made.webhook.id });
    } finally {
      await own?.stop();
    }
  });

  it('a backlog of full batches against a failing receiver: every item sent once acknowledged, attempts counted only when sent', async () => {
    // While a full batch is in flight the worker claims the next one; when the receiver fails that
    // claimed batch goes back unsent. Its attempt must not count: an item's first request says 1.
    const rx = await receiver((req) => (req.n <= 3 ? { status: 503 } : { status: 200 }));
    const made = await createWebhook(t, { name: 'backlog', url: rx.url, events: ['TOUCHPOINTS'], eventFilter: { events: ['Backlog Item'] } });
    const n = 4 * base.batchSize + 3;
    const input = Array.from({ length: n }, (_, i) => ({ messageId: `wh-backlog-${i}`, event: 'Backlog Item', userId: `wh-backlog-${i % 7}`, channel: 'WEB' as const, occurredAt: '2026-03-02T10:00:00Z' }));
    const results = await record(t, input);
    const keys = new Set(results.map((r) => `tp:${r.touchpointId}`));
    await rx.waitFor(() => rx.processed.size >= n, 30_000, 'every backlog item');

    expect(new Set(rx.processed.keys())).toEqual(keys);
    expect(rx.repeats).toEqual([]);
    // The receiver's own count of how often it saw each item is the reference for the attempt header.
    const seen = new Map<string, number>();
    let sends = 0;
    let failedSends = 0;
    for (const req of rx.requests) {
      const tries = req.body.items.map((i) => (seen.get(i.id) ?? 0) + 1);
      req.body.items.forEach((i, k) => seen.set(i.id, tries[k]!));
      expect(req.headers['x-cdp-attempt'], `request ${req.n}`).toBe(String(Math.max(...tries)));
      sends += req.body.items.length;
      if (req.n <= 3) failedSends += req.body.items.length;
    }
    const w = await until(() => webhook(t, made.webhook.id), (x) => x.stats.delivered === n, 'delivered count');
    expect(w.stats).toMatchObject({ delivered: n, failed: failedSends, retried: sends - n, pending: 0, deadLetters: 0, requests: rx.requests.length });
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });

  it('delivers a NEGATIVE_FEEDBACK alert raised at ingest to an ALERTS destination', async () => {
    const rx = await receiver();
    const made = await createWebhook(t, { name: 'feedback', url: rx.url, events: ['ALERTS'], alertKinds: ['NEGATIVE_FEEDBACK'] });
    const [res] = await record(t, [
      { messageId: 'wh-neg-1', event: 'Review Submitted', userId: 'wh-dee', channel: 'APP', properties: { review: 'Produto chegou quebrado, péssimo atendimento, não recomendo' }, occurredAt: '2026-03-01T13:00:00Z' },
    ]);
    const key = `NEGATIVE_FEEDBACK:${res!.touchpointId}`;
    await rx.waitFor(() => rx.requests.some((r) => r.body.webhookId === made.webhook.id), 30_000, 'the alert delivery');
    const items = rx.requests.filter((r) => r.body.webhookId === made.webhook.id).flatMap((r) => r.body.items);
    expect(items).toHaveLength(1);
    expect(items[0]!.data).toMatchObject({ kind: 'NEGATIVE_FEEDBACK', key });
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });

  it('masks personal data for a maskPii destination, as a READER key sees it, and not for the other', async () => {
    const rx = await receiver();
    const open = await createWebhook(t, { name: 'pii full', url: rx.url, events: ['TOUCHPOINTS'], eventFilter: { events: ['Profile Updated'] } });
    const masked = await createWebhook(t, { name: 'pii masked', url: rx.url, events: ['TOUCHPOINTS'], eventFilter: { events: ['Profile Updated'] }, maskPii: true });
    const [res] = await record(t, [
      { messageId: 'wh-pii-1', event: 'Profile Updated', userId: 'wh-cy', channel: 'APP', properties: { email: 'cy@example.com', phone: '+14155552671', plan: 'pro' }, occurredAt: '2026-03-01T12:00:00Z' },
    ]);
    await rx.waitFor(() => rx.requests.filter((r) => r.headers['x-cdp-webhook-id'] === open.webhook.id || r.headers['x-cdp-webhook-id'] === masked.webhook.id).length >= 2, 30_000, 'both deliveries');
    const of = (id: string) => rx.requests.find((r) => r.body.webhookId === id)!.body.items[0]!;
    expect(of(open.webhook.id)).toMatchObject({ id: `tp:${res!.touchpointId}`, data: { properties: { email: 'cy@example.com', phone: '+14155552671', plan: 'pro' } } });
    expect(of(masked.webhook.id)).toMatchObject({ id: `tp:${res!.touchpointId}`, data: { properties: { email: 'c•••@example.com', phone: '+•••71', plan: 'pro' } } });
    await t.ok(DeleteWebhookDocument, { id: open.webhook.id });
    await t.ok(DeleteWebhookDocument, { id: masked.webhook.id });
  });
});

describe.each(dbKinds)('webhook dead letters on %s', (kind) => {
  let t: TestServer;
  const pool = receiverPool();
  beforeAll(async () => {
    // A short retry window so an item gives up quickly; two dead items in a row pause a destination.
    t = await startTestServer(kind, { webhooks: { ...base, retryWindowMs: 300, pauseAfterDead: 2 } });
  });
  afterAll(async () => {
    await pool.closeAll();
    await t?.stop();
  });

  it('a receiver down for longer than the retry window leaves the item in dead letters; a replay delivers it', async () => {
    // Take a free port, then close it: the receiver is down.
    const probe = await startReceiver();
    const port = probe.port;
    await probe.close();
    const made = await createWebhook(t, { name: 'down', url: `http://127.0.0.1:${port}/hook`, events: ['TOUCHPOINTS'] });
    const [res] = await record(t, [{ messageId: 'wh-down-1', event: 'Order Completed', userId: 'wh-dee', channel: 'STORE_POS', revenue: 10, currency: 'USD', occurredAt: '2026-03-02T09:00:00Z' }]);
    const key = `tp:${res!.touchpointId}`;

    const dead = await until(
      async () => (await t.ok(WebhookDeadLettersDocument, { id: made.webhook.id })).webhookDeadLetters.edges,
      (e) => e.length === 1,
      'the dead letter',
    );
    expect(dead[0]!.node).toMatchObject({ kind: 'TOUCHPOINT', itemKey: key });
    expect(dead[0]!.node.attempts).toBeGreaterThanOrEqual(2);
    expect(dead[0]!.node.lastError).toMatch(/ECONNREFUSED/);
    const w = await webhook(t, made.webhook.id);
    expect(w.stats).toMatchObject({ delivered: 0, deadLettered: 1, deadLetters: 1, pending: 0, consecutiveDead: 1, failed: dead[0]!.node.attempts });
    expect(w.status).toBe('ACTIVE'); // one dead item is below WEBHOOK_PAUSE_AFTER_DEAD

    // The receiver comes back on the same port; only a replay sends the item again.
    const rx = await pool.start(undefined, port);
    const replayed = await t.ok(ReplayWebhookDeadLettersDocument, { id: made.webhook.id, ids: [dead[0]!.node.id] });
    expect(replayed.replayWebhookDeadLetters.replayed).toBe(1);
    await rx.waitFor(() => rx.processed.size === 1, 30_000, 'the replayed item');
    expect([...rx.processed.keys()]).toEqual([key]);
    expect(rx.requests[0]!.headers['idempotency-key']).toBe(key);
    // Replaying again is a no-op.
    expect((await t.ok(ReplayWebhookDeadLettersDocument, { id: made.webhook.id, ids: [dead[0]!.node.id] })).replayWebhookDeadLetters.replayed).toBe(0);
    const after = await until(() => webhook(t, made.webhook.id), (x) => x.stats.delivered === 1, 'delivered after replay');
    expect(after.stats).toMatchObject({ delivered: 1, deadLettered: 1, deadLetters: 0, pending: 0, consecutiveDead: 0 });
    expect((await t.ok(WebhookDeadLettersDocument, { id: made.webhook.id })).webhookDeadLetters.edges).toEqual([]);
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });

  it('a destination that keeps failing is paused and raises WEBHOOK_FAILING; resume sends again', async () => {
    let refusing = true;
    const rx = await pool.start(() => (refusing ? { status: 400 } : { status: 200 }));
    const made = await createWebhook(t, { name: 'refuser', url: rx.url, events: ['TOUCHPOINTS'], eventFilter: { channels: ['EMAIL'] } });
    // A 400 is final: each item is dead at its first answer; the second dead item pauses the destination.
    await record(t, [{ messageId: 'wh-ref-1', event: 'Email Opened', userId: 'wh-eve', channel: 'EMAIL', occurredAt: '2026-03-02T10:00:00Z' }]);
    await until(() => webhook(t, made.webhook.id), (x) => x.stats.deadLettered === 1, 'first dead item');
    await record(t, [{ messageId: 'wh-ref-2', event: 'Email Opened', userId: 'wh-eve', channel: 'EMAIL', occurredAt: '2026-03-02T10:01:00Z' }]);
    const paused = await until(() => webhook(t, made.webhook.id), (x) => x.status === 'PAUSED', 'paused');
    expect(paused.stats).toMatchObject({ deadLettered: 2, consecutiveDead: 2, lastError: 'HTTP 400' });
    expect(paused.pausedReason).toMatch(/2 items dead-lettered in a row/);
    const alerts = await until(async () => (await t.ok(AlertsDocument, { kind: 'WEBHOOK_FAILING' })).alerts.edges, (e) => e.length === 1, 'the alert');
    expect(alerts[0]!.node.details).toMatchObject({ webhookId: made.webhook.id, name: 'refuser', deadInARow: 2, lastError: 'HTTP 400' });

    // While paused nothing is sent; items wait. Resume and replay deliver everything, each once.
    const requestsWhilePaused = rx.requests.length;
    await record(t, [{ messageId: 'wh-ref-3', event: 'Email Opened', userId: 'wh-eve', channel: 'EMAIL', occurredAt: '2026-03-02T10:02:00Z' }]);
    expect((await webhook(t, made.webhook.id)).stats.pending).toBe(1);
    expect(rx.requests.length).toBe(requestsWhilePaused);
    refusing = false;
    expect((await t.ok(ResumeWebhookDocument, { id: made.webhook.id })).resumeWebhook.status).toBe('ACTIVE');
    expect((await t.ok(ReplayWebhookDeadLettersDocument, { id: made.webhook.id })).replayWebhookDeadLetters.replayed).toBe(2);
    await rx.waitFor(() => rx.processed.size === 3, 30_000, 'three items after resume');
    expect(rx.repeats).toEqual([]);
    await t.ok(DeleteWebhookDocument, { id: made.webhook.id });
  });
});
