/**
 * Failed authentication is rate-limited per client address, in front of every door that checks a
 * key (/graphql, /v1, graphql-ws): an address may fail AUTH_FAILURES_PER_MINUTE times a minute with
 * well-formed keys; beyond, everything it sends is refused with 429 (close 4429) before any lookup,
 * a valid key included. Malformed keys cost no lookup and are not counted. An unknown key never
 * causes a database write.
 *
 * Every test speaks from its own loopback address (127.0.0.x: Linux routes the whole 127/8 to lo),
 * so the counts of one test never leak into another and "another address" is a real other peer.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { dbKinds } from '../helpers/databases.ts';
import { countStatements, startTestServer, type TestServer } from '../helpers/server.ts';

const LIMIT = 5;

interface Answer {
  status: number;
  retryAfter: string | undefined;
  code: string | undefined;
}

/** A fresh well-formed key that was never issued. */
const unknownKey = () => `cdp_${randomBytes(32).toString('base64url')}`;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** POST from a chosen local address; the answer's status, Retry-After and error code. */
function postFrom(from: string, url: string, authorization: string | undefined, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      localAddress: from,
      agent: false,
      headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let code: string | undefined;
        try {
          const j = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[]; error?: { code?: string } };
          code = j.errors?.[0]?.extensions?.code ?? j.error?.code;
        } catch {
          /* not JSON: code stays undefined and the test says so */
        }
        resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, code });
      });
    });
    req.end(body);
  });
}

/** Opens a graphql-ws connection from a chosen local address and answers its close code (or 0 when acknowledged). */
function wsConnectFrom(from: string, url: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { localAddress: from });
    const timer = setTimeout(() => reject(new Error('no answer to connection_init')), 15_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
    ws.on('message', (m) => {
      if (JSON.parse(String(m)).type === 'connection_ack') {
        clearTimeout(timer);
        ws.close(1000);
        resolve(0);
      }
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    ws.on('error', reject);
  });
}

describe.each(dbKinds)('failed authentication limited per address on %s', (kind) => {
  let t: TestServer;
  const graphql = (from: string, key: string | undefined) => postFrom(from, t.url, key === undefined ? undefined : `Bearer ${key}`, '{"query":"{ version }"}');
  const track = (from: string, key: string) => postFrom(from, `${t.baseUrl}/v1/track`, basic(key), JSON.stringify({ userId: 'u-1', event: 'E' }));

  beforeAll(async () => {
    t = await startTestServer(kind, { security: { ...loadConfig({}).security, authFailuresPerMinute: LIMIT } });
  });
  afterAll(() => t?.stop());

  it('defaults to 60 failures a minute', () => {
    expect(loadConfig({}).security.authFailuresPerMinute).toBe(60);
    expect(loadConfig({ AUTH_FAILURES_PER_MINUTE: '7' }).security.authFailuresPerMinute).toBe(7);
  });

  it('after LIMIT unknown keys an address gets 429 with Retry-After for everything, a valid key too; other addresses are not touched', async () => {
    const from = '127.0.0.2';
    for (let i = 0; i < LIMIT; i++) expect(await graphql(from, unknownKey())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });

    const limited = await graphql(from, unknownKey());
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    const seconds = Number(limited.retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    // The whole address is refused for the window: it is failing too often to be trusted with lookups.
    expect(await graphql(from, t.keys.ADMIN)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });

    expect(await graphql('127.0.0.1', t.keys.ADMIN)).toMatchObject({ status: 200 });
    expect(await graphql('127.0.0.3', unknownKey())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('a concurrent flood gets at most LIMIT lookups; the rest are refused before any query', async () => {
    const from = '127.0.0.4';
    const { result, statements } = await countStatements(t.db, () => Promise.all(Array.from({ length: 4 * LIMIT }, () => graphql(from, unknownKey()))));
    const statuses = result.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(LIMIT).fill(401), ...Array(3 * LIMIT).fill(429)]);
    expect(statements.filter((s) => /api_key/i.test(s)).length).toBeLessThanOrEqual(LIMIT);
  });

  it('malformed keys cost no lookup and are not counted', async () => {
    const from = '127.0.0.5';
    const { result, statements } = await countStatements(t.db, () =>
      Promise.all(Array.from({ length: 3 * LIMIT }, (_, i) => graphql(from, i % 2 ? 'not-a-key' : `cdp_${'x'.repeat(i)}`))),
    );
    expect(result.map((r) => r.status)).toEqual(Array(3 * LIMIT).fill(401));
    expect(statements.filter((s) => /api_key/i.test(s))).toEqual([]);
    expect(await graphql(from, t.keys.ADMIN)).toMatchObject({ status: 200 });
  });

  it('/v1, /graphql and graphql-ws share one count per address', async () => {
    const from = '127.0.0.6';
    for (let i = 0; i < LIMIT - 1; i++) expect(await track(from, unknownKey())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await wsConnectFrom(from, t.wsUrl, unknownKey())).toBe(4401);
    expect(await track(from, t.keys.WRITER)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(await graphql(from, t.keys.ADMIN)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(await wsConnectFrom(from, t.wsUrl, t.keys.READER)).toBe(4429);
    // A key sent in the body is refused too (the address is refused before the body is read).
    const inBody = await postFrom(from, `${t.baseUrl}/v1/track`, undefined, JSON.stringify({ writeKey: t.keys.WRITER, userId: 'u-1', event: 'E' }));
    expect(inBody).toMatchObject({ status: 429, code: 'RATE_LIMITED' });

    expect(await wsConnectFrom('127.0.0.1', t.wsUrl, t.keys.READER)).toBe(0);
    expect(await track('127.0.0.1', t.keys.WRITER)).toMatchObject({ status: 200 });
  });

  it('an unknown key never writes to the database; a valid key is still marked used', async () => {
    const from = '127.0.0.7';
    const { result, statements } = await countStatements(t.db, async () => [
      await graphql(from, unknownKey()),
      await track(from, unknownKey()),
      await wsConnectFrom(from, t.wsUrl, unknownKey()),
    ]);
    expect(result.map((r) => (typeof r === 'number' ? r : r.status))).toEqual([401, 401, 4401]);
    const keyStatements = statements.filter((s) => /api_key/i.test(s));
    expect(keyStatements).toHaveLength(3); // each unknown key was looked up once...
    expect(keyStatements.filter((s) => !/^\s*SELECT\b/i.test(s))).toEqual([]); // ...by reading only

    const fresh = await t.server.services.apiKeys.create({ name: 'used', role: 'READER' });
    if (!fresh.ok) throw new Error(fresh.message);
    expect(await graphql('127.0.0.1', fresh.value.key)).toMatchObject({ status: 200 });
    expect((await t.server.services.apiKeys.get(fresh.value.apiKey.id))?.lastUsedAt).toBeInstanceOf(Date);
  });
});
