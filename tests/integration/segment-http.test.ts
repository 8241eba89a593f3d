import { gzipSync } from 'node:zlib';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyRole } from '../../src/generated/prisma/enums.ts';
import { CustomerByIdentityDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface ErrorBody {
  error: { code: string; message: string; limit?: number; max?: number };
}
interface IngestBody {
  success: true;
  accepted: number;
  duplicates: number;
  quarantined: number;
  dropped: number;
}

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

describe.each(dbKinds)('Segment-compatible HTTP API on %s', (kind) => {
  let t: TestServer;
  const keys: Record<'writer' | 'writer2' | 'admin' | 'reader' | 'operator', { key: string; id: string }> = {} as never;

  const makeKey = async (name: string, role: ApiKeyRole) => {
    const r = await t.server.services.apiKeys.create({ name, role });
    if (!r.ok) throw new Error(r.message);
    return { key: r.value.key, id: r.value.apiKey.id };
  };

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const postJson = (path: string, body: unknown, key?: string) => post(path, JSON.stringify(body), key ? basic(key) : {});

  beforeAll(async () => {
    t = await startTestServer(kind);
    keys.writer = await makeKey('web-app', 'WRITER');
    keys.writer2 = await makeKey('web-app', 'WRITER'); // same name, different key: its own dedup scope
    keys.admin = await makeKey('ops', 'ADMIN');
    keys.reader = await makeKey('dashboard', 'READER');
    keys.operator = await makeKey('oncall', 'OPERATOR');
  });
  afterAll(() => t?.stop());

  describe('keys', () => {
    it('are shown once, stored only as a hash with a short prefix', async () => {
      expect(keys.writer.key).toMatch(/^cdp_[A-Za-z0-9_-]{43}$/);
      const row = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: keys.writer.id } });
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.hash).not.toContain(keys.writer.key.slice(4));
      expect(keys.writer.key.startsWith(row.prefix)).toBe(true);
      expect(row.prefix.length).toBeLessThan(16);
      // The test server made one key per role (test-*) before this file's own.
      const listed = (await t.server.services.apiKeys.list()).filter((k) => !k.name.startsWith('test-'));
      // As a set: keys made in the same millisecond have no order between them (created_at, then a random id).
      expect(listed.map((k) => k.name).sort()).toEqual(['dashboard', 'oncall', 'ops', 'web-app', 'web-app']);
      expect(JSON.stringify(listed)).not.toContain(keys.writer.key);
    });

    it('verify answers id, name and role, and null for unknown, malformed and revoked keys', async () => {
      const svc = t.server.services.apiKeys;
      expect(await svc.verify(keys.reader.key)).toEqual({ id: keys.reader.id, name: 'dashboard', role: 'READER' });
      expect(await svc.verify(`cdp_${'A'.repeat(43)}`)).toBeNull();
      expect(await svc.verify('not-a-key')).toBeNull();
      const temp = await makeKey('temp', 'WRITER');
      expect(await svc.verify(temp.key)).toMatchObject({ id: temp.id });
      expect(await svc.revoke(temp.id)).toBe(true);
      expect(await svc.revoke(temp.id)).toBe(false);
      expect(await svc.verify(temp.key)).toBeNull(); // not served from the cache after revoke
      expect((await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: keys.reader.id } })).lastUsedAt).toBeInstanceOf(Date);
    });
  });

  describe('authentication', () => {
    const event = { userId: 'auth-user', event: 'Clicked' };

    it('401 without a key, with a JSON error and a Basic challenge', async () => {
      for (const path of ['/v1/track', '/v1/batch']) {
        const res = await postJson(path, path === '/v1/batch' ? { batch: [event] } : event);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
        expect(((await res.json()) as ErrorBody).error.code).toBe('UNAUTHENTICATED');
      }
    });

    it('401 with an unknown, malformed or revoked key', async () => {
      const unknown = await postJson('/v1/track', event, `cdp_${'x'.repeat(43)}`);
      expect(unknown.status).toBe(401);
      expect(await unknown.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'unknown or revoked write key' } });
      const bearer = await post('/v1/track', JSON.stringify(event), { authorization: `Bearer ${keys.writer.key}` });
      expect(bearer.status).toBe(401);
      const inBody = await postJson('/v1/track', { ...event, writeKey: 'nope' });
      expect(inBody.status).toBe(401);

      // A live key gets past auth (the empty body is then a 400), and is refused once revoked.
      const temp = await makeKey('soon-revoked', 'WRITER');
      const before = await postJson('/v1/batch', {}, temp.key);
      expect(before.status).toBe(400);
      expect(((await before.json()) as ErrorBody).error.code).toBe('BAD_REQUEST');
      expect(await t.server.services.apiKeys.revoke(temp.id)).toBe(true);
      const after = await postJson('/v1/batch', { batch: [event] }, temp.key);
      expect(after.status).toBe(401);
      expect(((await after.json()) as ErrorBody).error.code).toBe('UNAUTHENTICATED');
    });

    it('403 for keys that may not write (READER, OPERATOR), from the header or the body', async () => {
      for (const key of [keys.reader.key, keys.operator.key]) {
        const res = await postJson('/v1/track', event, key);
        expect(res.status).toBe(403);
        expect(((await res.json()) as ErrorBody).error.code).toBe('FORBIDDEN');
      }
      const inBody = await postJson('/v1/batch', { batch: [event], writeKey: keys.reader.key });
      expect(inBody.status).toBe(403);
    });
  });

  describe('limits and malformed requests', () => {
    it('413 for a 33 KB single event and a 501 KB batch, as JSON with the limit', async () => {
      const big = await postJson('/v1/track', { userId: 'u', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } }, keys.writer.key);
      expect(big.status).toBe(413);
      const bigBody = (await big.json()) as ErrorBody;
      expect(bigBody.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: 32 * 1024 });
      expect(bigBody.error.message).toMatch(/limit/);

      const events = Array.from({ length: 100 }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'Filler', properties: { blob: 'y'.repeat(5 * 1024) } }));
      const batch = JSON.stringify({ batch: events });
      expect(batch.length).toBeGreaterThan(501 * 1024);
      const bigBatch = await post('/v1/batch', batch, basic(keys.writer.key));
      expect(bigBatch.status).toBe(413);
      expect(((await bigBatch.json()) as ErrorBody).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: 500 * 1024 });
    });

    it('applies the limit to the inflated size of a gzip body', async () => {
      const body = gzipSync(JSON.stringify({ userId: 'u', event: 'Big', properties: { blob: 'x'.repeat(40 * 1024) } }));
      expect(body.length).toBeLessThan(1024);
      const res = await post('/v1/track', body, { ...basic(keys.writer.key), 'content-encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(((await res.json()) as ErrorBody).error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('400 for malformed JSON, a non-object event and a batch that is not an array', async () => {
      const cases: [string, string][] = [
        ['/v1/track', '{"userId": '],
        ['/v1/batch', '{"batch": [}'],
        ['/v1/identify', '[{"userId": "u"}]'],
        ['/v1/batch', '{"batch": {"userId": "u"}}'],
        ['/v1/track', '"just a string"'],
      ];
      for (const [path, body] of cases) {
        const res = await post(path, body, basic(keys.writer.key));
        expect(res.status, `${path} ${body}`).toBe(400);
        expect(((await res.json()) as ErrorBody).error.code).toBe('BAD_REQUEST');
      }
    });

    it('400 BATCH_TOO_LARGE over 1000 events', async () => {
      const res = await postJson('/v1/batch', { batch: Array.from({ length: 1001 }, () => ({})) }, keys.writer.key);
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: 'BATCH_TOO_LARGE', max: 1000 });
    });

    it('404 and 405 as JSON; GraphQL is untouched', async () => {
      const missing = await postJson('/v1/nope', {}, keys.writer.key);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
      const get = await fetch(`${t.baseUrl}/v1/track`);
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
      expect((await t.gql('{ version }')).status).toBe(200);
    });
  });

  describe('ingestion', () => {
    it('stores one event, fixes its type from the path, and answers duplicates on a resend', async () => {
      const event = { type: 'identify', userId: 'single-1', event: 'Signed Up', messageId: 'single-msg-1', properties: { plan: 'pro' } };
      const first = await postJson('/v1/track', event, keys.writer.key);
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ success: true, accepted: 1, duplicates: 0, quarantined: 0, dropped: 0 });
      const again = await postJson('/v1/track', event, keys.writer.key);
      expect(await again.json()).toEqual({ success: true, accepted: 0, duplicates: 1, quarantined: 0, dropped: 0 });
      const rows = await t.db.prisma.touchpoint.findMany({ where: { messageId: 'single-msg-1' } });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ type: 'TRACK', event: 'Signed Up', source: `writekey:${keys.writer.id}` });
    });

    it('scopes messageId dedup to the write key', async () => {
      const event = { userId: 'single-2', event: 'Viewed', messageId: 'shared-msg' };
      expect(((await (await postJson('/v1/track', event, keys.writer.key)).json()) as IngestBody).accepted).toBe(1);
      expect(((await (await postJson('/v1/track', event, keys.writer2.key)).json()) as IngestBody).accepted).toBe(1);
      expect(((await (await postJson('/v1/track', event, keys.admin.key)).json()) as IngestBody).accepted).toBe(1);
      expect(((await (await postJson('/v1/track', event, keys.writer2.key)).json()) as IngestBody).duplicates).toBe(1);
      expect(await t.db.prisma.touchpoint.count({ where: { messageId: 'shared-msg' } })).toBe(3);
    });

    it('takes the key from the body and a gzip body, and never stores the key', async () => {
      const res = await postJson('/v1/page', { userId: 'single-3', name: 'Home', messageId: 'body-key-msg', writeKey: keys.writer.key });
      expect(res.status).toBe(200);
      expect(((await res.json()) as IngestBody).accepted).toBe(1);
      const gz = await post('/v1/screen', gzipSync(JSON.stringify({ userId: 'single-3', name: 'Settings', messageId: 'gzip-msg' })), {
        ...basic(keys.writer.key),
        'content-encoding': 'gzip',
      });
      expect(gz.status).toBe(200);
      expect(((await gz.json()) as IngestBody).accepted).toBe(1);
      const rows = await t.db.prisma.touchpoint.findMany({ where: { messageId: { in: ['body-key-msg', 'gzip-msg'] } }, orderBy: { messageId: 'asc' } });
      expect(rows.map((r) => r.type)).toEqual(['PAGE', 'SCREEN']);
      expect(JSON.stringify(rows)).not.toContain(keys.writer.key);
    });

    it('copies batch-level sentAt and context into events that lack them, and counts quarantined events', async () => {
      const res = await postJson(
        '/v1/batch',
        {
          sentAt: '2026-01-01T00:00:05Z',
          context: { app: { name: 'shop' }, locale: 'en-GB' },
          batch: [
            { type: 'track', userId: 'batch-1', event: 'Added', messageId: 'batch-msg-1', context: { locale: 'fr-FR' } },
            { type: 'page', userId: 'batch-1', name: 'Cart', messageId: 'batch-msg-2' },
            { type: 'track', userId: 'batch-1', messageId: 'batch-msg-3' }, // no event name: quarantined
          ],
        },
        keys.writer.key,
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ success: true, accepted: 2, duplicates: 0, quarantined: 1, dropped: 0 });
      const rows = await t.db.prisma.touchpoint.findMany({ where: { messageId: { in: ['batch-msg-1', 'batch-msg-2'] } }, orderBy: { messageId: 'asc' } });
      expect(rows[0]!.context).toMatchObject({ app: { name: 'shop' }, locale: 'fr-FR' });
      expect(rows[1]!.context).toMatchObject({ app: { name: 'shop' }, locale: 'en-GB' });
    });

    it('@segment/analytics-node delivers every event, stored exactly once', async () => {
      const analytics = new Analytics({
        writeKey: keys.writer.key,
        host: t.baseUrl,
        path: '/v1/batch',
        flushAt: 7,
        flushInterval: 50,
        maxRetries: 2,
        httpRequestTimeout: 20_000,
      });
      const statuses: number[] = [];
      const bodies: string[] = [];
      analytics.on('http_response', (r) => statuses.push(r.status));
      analytics.on('http_request', (r) => bodies.push(r.body as string));
      const sent: string[] = [];
      const failures: unknown[] = [];
      const done = (err?: unknown, ctx?: { event: { messageId?: string } }) => {
        if (err) failures.push(err);
        if (ctx?.event.messageId) sent.push(ctx.event.messageId);
      };

      const users = Array.from({ length: 6 }, (_, i) => `sdk-user-${i}`);
      for (const [i, userId] of users.entries()) {
        analytics.identify({ userId, traits: { email: `sdk-user-${i}@example.com`, firstName: `Sdk${i}`, plan: i % 2 ? 'pro' : 'free' } }, done);
        analytics.page({ userId, name: 'Home', properties: { path: '/' } }, done);
        analytics.track({ userId, event: 'Product Viewed', properties: { sku: `SKU-${i}` } }, done);
        analytics.track({ userId, event: 'Order Completed', properties: { revenue: 10 + i, currency: 'USD' } }, done);
      }
      await analytics.closeAndFlush({ timeout: 30_000 });

      expect(failures).toEqual([]);
      expect(sent).toHaveLength(users.length * 4);
      expect(new Set(sent).size).toBe(sent.length);
      expect(statuses.length).toBeGreaterThan(1); // really batched over several requests
      expect(statuses.every((s) => s === 200)).toBe(true);

      const source = `writekey:${keys.writer.id}`;
      const stored = await t.db.prisma.touchpoint.groupBy({ by: ['messageId'], where: { source, messageId: { in: sent } }, _count: { _all: true } });
      expect(stored).toHaveLength(sent.length);
      expect(stored.every((g) => g._count._all === 1)).toBe(true);
      for (const messageId of sent) expect(await t.db.prisma.touchpoint.count({ where: { messageId } })).toBe(1);

      for (const [i, userId] of users.entries()) {
        const { customerByIdentity: c } = await t.ok(CustomerByIdentityDocument, { type: 'USER_ID', value: userId });
        expect(c, userId).not.toBeNull();
        expect(c!.email).toBe(`sdk-user-${i}@example.com`);
        expect(c!.firstName).toBe(`Sdk${i}`);
        expect(c!.identities).toContainEqual(expect.objectContaining({ type: 'USER_ID', value: userId }));
        const byType = await t.db.prisma.touchpoint.groupBy({ by: ['type'], where: { customerId: c!.id }, _count: { _all: true }, orderBy: { type: 'asc' } });
        expect(Object.fromEntries(byType.map((g) => [g.type, g._count._all]))).toEqual({ TRACK: 2, PAGE: 1, IDENTIFY: 1 });
      }

      // The client retries when a response is lost: the same request again stores nothing new.
      const replay = await post('/v1/batch', bodies[0]!, basic(keys.writer.key));
      const replayed = (await replay.json()) as IngestBody;
      const size = (JSON.parse(bodies[0]!) as { batch: unknown[] }).batch.length;
      expect(replayed).toEqual({ success: true, accepted: 0, duplicates: size, quarantined: 0, dropped: 0 });
      expect(await t.db.prisma.touchpoint.count({ where: { source, messageId: { in: sent } } })).toBe(sent.length);
    });
  });
});
