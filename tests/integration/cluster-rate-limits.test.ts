/**
 * Rate limits across server processes: with REDIS_URL, two servers over one database count one budget
 * per key and one auth-failure budget per client address (N processes must not give N budgets). When
 * Redis is cut, each process falls back to its own counter: requests are neither refused nor stalled
 * because Redis is away. Needs PostgreSQL and Redis (CI sets both).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds, redisUrl } from '../helpers/databases.ts';
import { startTestServer, testConfig, type TestServer } from '../helpers/server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const enabled = dbKinds.includes('postgres') && Boolean(redisUrl);
const PER_MINUTE = 5;
const FAILURES_PER_MINUTE = 3;
const BAD_KEY = `Bearer cdp_${'Z'.repeat(43)}`;

async function version(t: TestServer, authorization: string): Promise<{ status: number; code?: string }> {
  const r = await t.gql('{ version }', {}, { authorization });
  return { status: r.status, code: (r.errors?.[0]?.extensions as { code?: string } | undefined)?.code };
}

describe.runIf(enabled)('rate limits shared through Redis by two servers', () => {
  let proxy: TcpProxy;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const real = new URL(redisUrl!);
    proxy = await startTcpProxy(real.hostname, Number(real.port || 6379));
    const viaProxy = new URL(real);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const base = testConfig({ kind: 'pglite', dataDir: null });
    const security = { ...base.security, rateLimitPerMinute: PER_MINUTE, authFailuresPerMinute: FAILURES_PER_MINUTE };
    a = await startTestServer('postgres', { security, redisUrl: viaProxy.toString() });
    b = await startTestServer('postgres', { security, redisUrl: viaProxy.toString() }, { database: a.config.database });
  });
  afterAll(async () => {
    await proxy?.restore();
    await b?.stop();
    await a?.stop();
    await proxy?.close();
  });

  it('a key has one budget across both servers', async () => {
    const key = `Bearer ${a.keys.READER}`;
    const answers = [];
    // Alternate servers: each alone would allow PER_MINUTE, together they still allow PER_MINUTE.
    for (let i = 0; i < PER_MINUTE; i++) answers.push(await version(i % 2 ? b : a, key));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(await version(a, key)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(await version(b, key)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    // Another key is not affected.
    expect((await version(b, `Bearer ${a.keys.OPERATOR}`)).status).toBe(200);
  });

  // Once the address is over its budget every request from it is refused for the minute (in Redis:
  // the next test cuts Redis, and each server's own counter starts empty).
  it('failed authentication from one address has one budget across both servers', async () => {
    expect((await version(a, BAD_KEY)).status).toBe(401);
    expect((await version(b, BAD_KEY)).status).toBe(401);
    expect((await version(a, BAD_KEY)).status).toBe(401);
    // The address spent its budget across the two servers: both now refuse it, a valid key included.
    expect(await version(b, BAD_KEY)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect((await version(a, `Bearer ${a.keys.ADMIN}`)).status).toBe(429);
  });

  it('with Redis cut, each server counts alone instead of refusing or stalling', async () => {
    await proxy.blackhole();
    try {
      const key = `Bearer ${a.keys.ADMIN}`;
      for (const t of [a, b]) {
        const statuses = [];
        for (let i = 0; i < PER_MINUTE; i++) statuses.push((await version(t, key)).status);
        expect(statuses).toEqual(Array(PER_MINUTE).fill(200));
        expect(await version(t, key)).toEqual({ status: 429, code: 'RATE_LIMITED' });
      }
    } finally {
      await proxy.restore();
    }
  });
});
