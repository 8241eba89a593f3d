/**
 * W12 webhook delivery: deliveries (items acknowledged) per second from the server to a local HTTP
 * receiver, against a bare HTTP client posting the very same request bodies to the same receiver.
 *
 * The server phase: a TOUCHPOINTS destination (created paused, so ingest is not measured) gets N
 * touchpoints queued by recordTouchpoints; then resumeWebhook starts the clock, which stops when the
 * receiver has acknowledged every item. Delivery runs as in production: batches of WEBHOOK_BATCH_SIZE
 * (100), WEBHOOK_MAX_CONCURRENCY (4) requests in flight, each batch claimed from the queue (FOR UPDATE
 * SKIP LOCKED), built from the stored touchpoints, signed, posted, and acknowledged in the database.
 *
 * The baseline: the raw bodies the receiver got, posted again by a bare node:http client with a
 * keep-alive agent and the same number of requests in flight: what the network and the receiver cost
 * without the queue, the database, signing and payload building.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchContext } from '../lib/context.ts';
import { chunk } from '../lib/http.ts';
import { RECORD_TOUCHPOINTS } from '../lib/ingest.ts';
import { row, type ResultRow } from '../lib/report.ts';

const EVENT = 'Bench Webhook';

interface Receiver {
  url: string;
  items: number;
  bodies: string[];
  keep: boolean;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const r: Receiver = { url: '', items: 0, bodies: [], keep: true, close: async () => {} };
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      // Parsed, as a receiver would, for both sides alike.
      r.items += (JSON.parse(raw) as { items: unknown[] }).items.length;
      if (r.keep) r.bodies.push(raw);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => {
    server.closeAllConnections();
    return new Promise<void>((res) => server.close(() => res()));
  };
  return r;
}

async function gql<T>(ctx: BenchContext, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${ctx.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...ctx.authHeaders }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

async function waitFor(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`W12: ${what} not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Posts every body with `concurrency` in flight over keep-alive connections; answers the elapsed ms. */
async function barePost(url: string, bodies: string[], concurrency: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  let next = 0;
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) await post(bodies[next++]!);
    }),
  );
  const ms = performance.now() - t0;
  agent.destroy();
  return ms;
}

export async function runW12(ctx: BenchContext): Promise<ResultRow[]> {
  const n = ctx.scale.name === 'large' ? 100_000 : 20_000;
  const cfg = ctx.config.webhooks;
  const rx = await startReceiver();
  try {
    const made = await gql<{ createWebhook: { webhook: { id: string } } }>(
      ctx,
      `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }`,
      { i: { name: `w12-${Date.now()}`, url: rx.url, events: ['TOUCHPOINTS'], eventFilter: { events: [EVENT] } } },
    );
    const id = made.createWebhook.webhook.id;
    await gql(ctx, `mutation($id: ID!) { pauseWebhook(id: $id) { id } }`, { id });
    const run = Date.now();
    const events = Array.from({ length: n }, (_, i) => ({
      messageId: `w12-${run}-${i}`,
      event: EVENT,
      userId: `w12-user-${i % 2_000}`,
      channel: 'WEB',
      properties: { sku: `sku-${i % 97}`, price: (i % 50) + 0.99 },
      occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    }));
    ctx.log(`W12: queueing ${n} touchpoints (paused destination)`);
    for (const batch of chunk(events, 1_000)) await gql(ctx, RECORD_TOUCHPOINTS, { input: batch });

    ctx.log(`W12: delivering (batches of ${cfg.batchSize}, ${cfg.maxConcurrency} in flight)`);
    const t0 = performance.now();
    await ctx.profiler.phase('w12-deliver', async () => {
      await gql(ctx, `mutation($id: ID!) { resumeWebhook(id: $id) { id } }`, { id });
      await waitFor(() => rx.items >= n, 'every item delivered', 600_000);
    });
    const serverMs = performance.now() - t0;
    if (rx.items !== n) throw new Error(`W12: the receiver got ${rx.items} items, expected ${n}`);
    const stats = await gql<{ webhook: { stats: { delivered: number; failed: number; requests: number; latencyMsAvg: number } } }>(
      ctx,
      `query($id: ID!) { webhook(id: $id) { stats { delivered failed requests latencyMsAvg } } }`,
      { id },
    );

    rx.keep = false;
    const bodies = rx.bodies;
    rx.items = 0;
    ctx.log(`W12: bare client posting the same ${bodies.length} bodies`);
    const bareMs = await barePost(rx.url, bodies, cfg.maxConcurrency);
    if (rx.items !== n) throw new Error(`W12: the bare client delivered ${rx.items} items, expected ${n}`);
    await gql(ctx, `mutation($id: ID!) { deleteWebhook(id: $id) }`, { id });

    const perSec = (ms: number) => (n / ms) * 1000;
    return [
      row({
        workload: 'W12',
        name: `webhook deliveries to a local receiver (${n} touchpoints, batches of ${cfg.batchSize}, ${cfg.maxConcurrency} in flight)`,
        figure: perSec(serverMs),
        unit: 'items/s',
        baseline: { name: 'bare node:http client posting the same bodies', figure: perSec(bareMs) },
        better: 'higher',
        details: { items: n, requests: bodies.length, serverMs, bareMs, stats: stats.webhook.stats },
      }),
    ];
  } finally {
    await rx.close();
  }
}
