/**
 * Fault: the server is killed with SIGKILL in the middle of a webhook delivery. The receiver kills it
 * the moment a chosen request arrives, and never answers that request. After a restart on the same
 * database every item (touchpoints from the queue, ENTERED changes from the outbox cursor) reaches
 * the receiver, which drops repeated item ids: each is processed exactly once, items the receiver had
 * acknowledged are never sent again, and the cut-off request's items come again with the same keys.
 *
 * One request in flight per destination (WEBHOOK_MAX_CONCURRENCY=1), so "acknowledged" is exact: an
 * answered request's acknowledgement commits before the next request leaves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, type Config } from '../../src/config/env.ts';
import { spawnCli, waitForReady, type CliProcess } from '../helpers/cli-process.ts';
import { dbKinds, pgliteSnapshot } from '../helpers/databases.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { migrateWithKeys } from '../helpers/prepared-database.ts';

const dataRoot = mkdtempSync(path.join(tmpdir(), 'cdp-webhook-kill-'));
afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

const USERS = 40;

async function gql<T>(base: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

describe.each(dbKinds)('webhook delivery killed with SIGKILL on %s', (kind) => {
  it('resumes after restart; every item is processed exactly once by a receiver that drops repeated ids', { timeout: 420_000 }, async () => {
    let env: Record<string, string>;
    let dbConfig: Config['database'];
    let cleanup = async () => {};
    if (kind === 'postgres') {
      const url = testEnv().databaseUrl!;
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const u = new URL(url);
      u.searchParams.set('schema', schema);
      env = { DATABASE_URL: u.toString() };
      dbConfig = { kind: 'postgres', url, schema };
      cleanup = async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => c.end());
      };
    } else {
      const dataDir = path.join(dataRoot, randomBytes(4).toString('hex'));
      env = { CDP_DATA_DIR: dataDir };
      dbConfig = { kind: 'pglite', dataDir };
    }
    Object.assign(env, {
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_BATCH_SIZE: '5',
      WEBHOOK_MAX_CONCURRENCY: '1',
      WEBHOOK_REQUEST_TIMEOUT_MS: '1000',
      WEBHOOK_RETRY_BASE_MS: '20',
      WEBHOOK_RETRY_MAX_DELAY_MS: '200',
    });

    let server: CliProcess | null = null;
    const killAt = 3 + Math.floor(Math.random() * 8);
    let killedRequest: string[] = [];
    const rx = await startReceiver((req) => {
      if (req.n === killAt && server) {
        killedRequest = req.body.items.map((i) => i.id);
        server.child.kill('SIGKILL');
        return 'hang';
      }
      return { status: 200 };
    });
    try {
      const key = (await migrateWithKeys(dbConfig, 'webhook-kill', ['ADMIN'], { pgliteSnapshot: await pgliteSnapshot() })).ADMIN;

      server = spawnCli(['serve'], env);
      let base = await waitForReady(server, 150_000);
      const segment = await gql<{ createSegment: { id: string } }>(base, key, `mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id } }`, {
        i: { name: 'killed', rule: { event: 'Kill Test', count: { op: 'gte', value: 1 } } },
      });
      // Made paused, filled, then resumed: the kill comes during delivery, not while the data is being written.
      const hook = await gql<{ createWebhook: { webhook: { id: string } } }>(base, key, `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }`, {
        i: { name: 'kill', url: rx.url, events: ['TOUCHPOINTS', 'SEGMENT_CHANGES'], segmentIds: [segment.createSegment.id], eventFilter: { events: ['Kill Test'] } },
      });
      const id = hook.createWebhook.webhook.id;
      await gql(base, key, `mutation($id: ID!) { pauseWebhook(id: $id) { id } }`, { id });
      const touchpointIds: string[] = [];
      for (let b = 0; b < USERS; b += 20) {
        const input = Array.from({ length: 20 }, (_, i) => ({
          messageId: `kill-wh-${b + i}`,
          event: 'Kill Test',
          userId: `kill-wh-user-${b + i}`,
          channel: 'WEB',
          occurredAt: new Date(Date.UTC(2026, 0, 1, 0, b + i)).toISOString(),
        }));
        const r = await gql<{ recordTouchpoints: { accepted: number; results: { touchpointId: string }[] } }>(
          base,
          key,
          `mutation($in: [TouchpointInput!]!) { recordTouchpoints(input: $in) { accepted results { touchpointId } } }`,
          { in: input },
        );
        expect(r.recordTouchpoints.accepted).toBe(20);
        touchpointIds.push(...r.recordTouchpoints.results.map((x) => x.touchpointId));
      }
      await gql(base, key, `mutation($id: ID!) { resumeWebhook(id: $id) { id } }`, { id });

      // The receiver kills the server when request `killAt` arrives.
      const exit = await server.exited;
      expect(exit.signal).toBe('SIGKILL');
      expect(killedRequest.length).toBeGreaterThan(0);
      const processedBeforeRestart = rx.processed.size;
      expect(processedBeforeRestart).toBeLessThan(2 * USERS);

      server = spawnCli(['serve'], env);
      base = await waitForReady(server, 150_000);
      await rx.waitFor(() => rx.processed.size >= 2 * USERS, 90_000, 'every item after the restart');

      const keys = [...rx.processed.keys()];
      const tpKeys = keys.filter((k) => k.startsWith('tp:')).sort();
      const segKeys = keys.filter((k) => k.startsWith('seg:'));
      expect(tpKeys).toEqual(touchpointIds.map((t) => `tp:${t}`).sort());
      expect(segKeys).toHaveLength(USERS);
      // Segment changes reached the receiver in seq order, across the kill.
      const seqs = segKeys.map((k) => BigInt(k.slice(4)));
      expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      // One ENTERED per user.
      const customers = new Set([...rx.processed.values()].filter((i) => i.type === 'segment.entered').map((i) => (i.data!.customer as { id: string }).id));
      expect(customers.size).toBe(USERS);
      // Nothing the receiver acknowledged came again; the unanswered request's items did, with the same keys.
      expect(rx.repeats).toEqual([]);
      for (const k of killedRequest) expect(rx.requests.filter((r) => r.body.items.some((i) => i.id === k)).length).toBeGreaterThanOrEqual(2);

      // The last acknowledgement commits just after the receiver answered: poll (bounded) for it.
      type Stats = { delivered: number; pending: number; deadLetters: number };
      const readStats = async () => (await gql<{ webhook: { stats: Stats } }>(base, key, `query($id: ID!) { webhook(id: $id) { stats { delivered pending deadLetters } } }`, { id })).webhook.stats;
      let stats = await readStats();
      for (let i = 0; i < 200 && stats.delivered < 2 * USERS; i++) {
        await new Promise((r) => setTimeout(r, 50));
        stats = await readStats();
      }
      expect(stats).toEqual({ delivered: 2 * USERS, pending: 0, deadLetters: 0 });
      server.child.kill('SIGTERM');
      await server.exited;
    } finally {
      if (server && server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
      await rx.close();
      await cleanup();
    }
  });
});
