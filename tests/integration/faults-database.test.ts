/**
 * Fault: the PostgreSQL connection goes away while the server runs, then comes back. The server
 * talks to PostgreSQL through a loopback TCP proxy that the test cuts and restores:
 * - while it is down, /healthz says 503 within a few seconds, GraphQL requests fail fast with an
 *   error code (no crash, no request hanging past a bound);
 * - once it is back, /healthz says 200 and queries and mutations work again, without a restart.
 * Two ways to go down: refused (the database is gone: ECONNREFUSED) and blackholed (connections are
 * accepted and never answered, as in a network partition: only timeouts can tell).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../src/config/env.ts';
import { CustomersPageDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds, dropDatabase } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const enabled = dbKinds.includes('postgres');
/**
 * How long a request may take while the database is down. Refused: at once. Blackholed: one trip to
 * the pool, which waits out its connect timeout (5 s, src/db/client.ts), plus a margin — the audit
 * entry of a mutation that failed for want of a database is not attempted.
 */
const REQUEST_BOUND_MS = { drop: 2_000, blackhole: 7_000 };

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - start };
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(enabled)('PostgreSQL connection dropped and restored', () => {
  let proxy: TcpProxy;
  let t: TestServer;
  let database: { kind: 'postgres'; url: string; schema: string };
  beforeAll(async () => {
    const real = new URL(testEnv().databaseUrl!);
    proxy = await startTcpProxy(real.hostname, Number(real.port || 5432));
    const viaProxy = new URL(real);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    database = { kind: 'postgres', url: viaProxy.toString(), schema: `t_${randomBytes(6).toString('hex')}` };
    t = await startTestServer('postgres', {}, { database });
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.stop();
    if (database) await dropDatabase({ ...database, url: testEnv().databaseUrl! });
    await proxy?.close();
  });

  const health = async () => (await fetch(`${t.baseUrl}/healthz`, { signal: AbortSignal.timeout(REQUEST_BOUND_MS.blackhole) })).status;
  let n = 0;
  const write = () => t.gql(UpsertCustomersDocument, { input: [{ source: 'fault', externalId: `db-${n++}`, email: `db-${n}@example.com` }] });
  const read = (key?: string) => t.gql(CustomersPageDocument, { first: 1 }, key ? { authorization: `Bearer ${key}` } : {});

  for (const mode of ['drop', 'blackhole'] as const) {
    it(`${mode}: 503 and clean errors while down, back to work on its own once restored`, async () => {
      expect(await health()).toBe(200);
      expect((await write()).errors).toBeUndefined();
      const before = (await read()).data!.customers.totalCount;

      await proxy[mode]();
      const to503 = await eventually(async () => (await health()) === 503, 6_000);
      // A read, a write, and a key not yet verified (its check needs the database too): each fails
      // within the bound, with a JSON error carrying a code, and the process stays up.
      const failures = await Promise.all([
        timed(() => read()),
        timed(() => write()),
        timed(() => read(t.keys.READER)),
      ]);
      for (const { value, ms } of failures) {
        expect(ms).toBeLessThan(REQUEST_BOUND_MS[mode]);
        // "Retry later", not "our bug": 503 with a code clients can branch on, and no internals.
        expect(value.status, JSON.stringify(value)).toBe(503);
        expect(value.data ?? null).toBeNull();
        expect(value.errors?.[0]?.extensions?.code, JSON.stringify(value)).toBe('DATABASE_UNAVAILABLE');
        expect(JSON.stringify(value)).not.toMatch(/127\.0\.0\.1|prisma|stacktrace/i);
      }
      // /healthz answers within its own ping timeout (2 s) however the database fails.
      expect((await timed(health)).ms).toBeLessThan(3_000);
      expect(await health()).toBe(503);
      const codes = failures.map((f) => `${f.value.status}/${String(f.value.errors?.[0]?.extensions?.code)}`);

      await proxy.restore();
      const to200 = await eventually(async () => (await health()) === 200, 10_000);
      // Queries and mutations work again, on the same server: no restart.
      await eventually(async () => !(await read()).errors && !(await write()).errors, 10_000);
      const after = (await read(t.keys.READER)).data!.customers.totalCount;
      expect(after).toBeGreaterThanOrEqual(before + 1);
      console.log(`[faults-database ${mode}] 503 after ${to503} ms, failures ${codes.join(' ')} in ${failures.map((f) => f.ms).join('/')} ms, 200 after ${to200} ms`);
    });
  }
});
