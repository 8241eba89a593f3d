/**
 * Fault: the server process is killed with SIGKILL in the middle of a stream of ingest batches.
 * Every batch the server acknowledged (200 with accepted + duplicates = sent) must survive the kill,
 * and resending everything after a restart (acknowledged or not, as a Segment client with retries
 * does) must store every event exactly once.
 *
 * The real CLI (`node bin/cdp.js serve`) runs as a child process, on its own PostgreSQL schema and,
 * on the embedded database, on its own PGlite data directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, type Config } from '../../src/config/env.ts';
import { openDatabase } from '../../src/db/client.ts';
import { spawnCli, waitForReady } from '../helpers/cli-process.ts';
import { dbKinds, pgliteSnapshot } from '../helpers/databases.ts';
import { migrateWithKeys } from '../helpers/prepared-database.ts';

const dataRoot = mkdtempSync(path.join(tmpdir(), 'cdp-kill-'));
afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

const BATCHES = 30;
const PER_BATCH = 20;
const SENDERS = 3;

/** Batch b: PER_BATCH track events with fixed messageIds, over a few users (so identity work is shared). */
const batch = (b: number) => ({
  batch: Array.from({ length: PER_BATCH }, (_, e) => ({
    type: 'track',
    messageId: `kill-${b}-${e}`,
    event: e % 5 === 0 ? 'Order Completed' : 'Page Viewed',
    userId: `kill-user-${(b * PER_BATCH + e) % 17}`,
    anonymousId: `kill-anon-${b}-${e % 3}`,
    properties: e % 5 === 0 ? { revenue: 10 + e } : { path: `/p/${e}` },
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, b, e)).toISOString(),
  })),
});

interface Ack {
  accepted: number;
  duplicates: number;
}

async function send(base: string, key: string, b: number): Promise<Ack> {
  const res = await fetch(`${base}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    body: JSON.stringify(batch(b)),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as Ack & { success?: boolean };
  if (res.status !== 200 || body.accepted + body.duplicates !== PER_BATCH) throw new Error(`batch ${b}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Per message id, how many touchpoint and touchpoint_dedup rows hold it. */
type Counts = { touchpoint: Map<string, number>; dedup: Map<string, number>; orphanDedup: number };

async function countRows(query: <T>(sql: string) => Promise<T[]>): Promise<Counts> {
  const tally = async (table: string) => {
    const rows = await query<{ message_id: string; n: number }>(`SELECT message_id, count(*)::int AS n FROM ${table} WHERE message_id LIKE 'kill-%' GROUP BY message_id`);
    return new Map(rows.map((r) => [r.message_id, Number(r.n)]));
  };
  const [orphan] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM touchpoint_dedup d WHERE d.message_id LIKE 'kill-%' AND NOT EXISTS (SELECT 1 FROM touchpoint t WHERE t.id = d.touchpoint_id)`,
  );
  return { touchpoint: await tally('touchpoint'), dedup: await tally('touchpoint_dedup'), orphanDedup: Number(orphan!.n) };
}

type Kind = 'postgres' | 'pglite';
const kinds: Kind[] = dbKinds.includes('postgres') ? ['postgres', 'pglite'] : ['pglite'];

describe.each(kinds)('kill -9 mid-stream on %s', (kind) => {
  // Two process starts (PGlite: ~6 s each on an idle machine) plus the stream: a longer bound than the default 60 s.
  it('every acknowledged batch survives; resending everything stores each event exactly once', { timeout: 420_000 }, async () => {
    const started = Date.now();
    let env: Record<string, string>;
    let dbConfig: Config['database'];
    let counts: () => Promise<Counts>;
    let cleanup: () => Promise<void>;
    if (kind === 'postgres') {
      const url = testEnv().databaseUrl!;
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const u = new URL(url);
      u.searchParams.set('schema', schema);
      env = { DATABASE_URL: u.toString() };
      dbConfig = { kind: 'postgres', url, schema };
      const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          return await fn(c);
        } finally {
          await c.end();
        }
      };
      counts = () =>
        admin(async (c) => {
          await c.query(`SET search_path TO "${schema}"`);
          return countRows(async (sql) => (await c.query(sql)).rows);
        });
      cleanup = () => admin(async (c) => void (await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)));
    } else {
      const dataDir = path.join(dataRoot, randomBytes(4).toString('hex'));
      env = { CDP_DATA_DIR: dataDir };
      dbConfig = { kind: 'pglite', dataDir };
      // PGlite is one process per directory: read it only while no server runs on it.
      counts = async () => {
        const db = await openDatabase({ kind: 'pglite', dataDir });
        try {
          const s = await db.session();
          return await countRows((sql) => s.query(sql));
        } finally {
          await db.close();
        }
      };
      cleanup = async () => {};
    }

    try {
      // The write key, made here rather than by `cdp keys create` (one process start less).
      const key = (await migrateWithKeys(dbConfig, 'kill-test', ['WRITER'], { pgliteSnapshot: await pgliteSnapshot() })).WRITER;

      // 1. Stream batches from a few concurrent senders; SIGKILL once a random number has been acked.
      const first = spawnCli(['serve'], env);
      const base = await waitForReady(first, 150_000);
      const killAfter = 3 + Math.floor(Math.random() * 20);
      const acked = new Set<number>();
      let next = 0;
      let killed = false;
      const sender = async () => {
        while (!killed && next < BATCHES) {
          const b = next++;
          try {
            await send(base, key, b);
            acked.add(b);
          } catch {
            return; // the server died under this request: not acknowledged
          }
          if (!killed && acked.size >= killAfter) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: SENDERS }, sender));
      const exit = await first.exited;
      expect(exit.signal, `killAfter=${killAfter}\n${first.output()}`).toBe('SIGKILL');
      const sentBeforeKill = next;
      expect(acked.size).toBeGreaterThanOrEqual(killAfter);
      expect(sentBeforeKill).toBeLessThan(BATCHES); // the kill landed mid-stream, not after it

      // 2. Right after the kill, before any resend: every acknowledged event is stored, once.
      const afterKill = await counts();
      for (const b of acked)
        for (let e = 0; e < PER_BATCH; e++) {
          expect(afterKill.touchpoint.get(`kill-${b}-${e}`), `acked kill-${b}-${e} (killAfter=${killAfter})`).toBe(1);
          expect(afterKill.dedup.get(`kill-${b}-${e}`)).toBe(1);
        }
      for (const n of [...afterKill.touchpoint.values(), ...afterKill.dedup.values()]) expect(n).toBe(1);
      // A batch is one transaction: all or nothing, and the two tables agree.
      expect([...afterKill.touchpoint.keys()].sort()).toEqual([...afterKill.dedup.keys()].sort());
      for (let b = 0; b < BATCHES; b++) {
        const stored = Array.from({ length: PER_BATCH }, (_, e) => afterKill.touchpoint.has(`kill-${b}-${e}`)).filter(Boolean).length;
        expect([0, PER_BATCH]).toContain(stored);
      }

      // 3. Restart on the same database and resend everything.
      const second = spawnCli(['serve'], env);
      const base2 = await waitForReady(second, 150_000);
      const phases = [`started+streamed+killed ${Date.now() - started} ms`];
      let accepted = 0;
      let duplicates = 0;
      let resend = 0;
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          while (resend < BATCHES) {
            const b = resend++;
            const r = await send(base2, key, b);
            if (acked.has(b)) expect(r, `acked batch ${b} resent`).toEqual(expect.objectContaining({ accepted: 0, duplicates: PER_BATCH }));
            accepted += r.accepted;
            duplicates += r.duplicates;
          }
        }),
      );
      phases.push(`restarted+resent ${Date.now() - started} ms`);
      const storedBefore = afterKill.touchpoint.size;
      expect(duplicates).toBe(storedBefore);
      expect(accepted).toBe(BATCHES * PER_BATCH - storedBefore);
      second.child.kill('SIGTERM');
      expect((await second.exited).code, second.output()).toBe(0);

      // 4. Everything exactly once.
      const final = await counts();
      expect(final.touchpoint.size).toBe(BATCHES * PER_BATCH);
      expect(final.dedup.size).toBe(BATCHES * PER_BATCH);
      expect([...final.touchpoint.values(), ...final.dedup.values()].every((n) => n === 1)).toBe(true);
      expect(final.orphanDedup).toBe(0);
      console.log(`[faults-kill ${kind}] killed after ${acked.size} acked (target ${killAfter}), ${sentBeforeKill} started, ${storedBefore / PER_BATCH} batches stored; ${phases.join(', ')}, done ${Date.now() - started} ms`);
    } finally {
      await cleanup();
    }
  });
});
