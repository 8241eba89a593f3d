/**
 * Fuzzing the Segment-compatible door (/v1/*): valid-looking events with hostile fields, garbage
 * bodies, wrong content types and encodings, gzip bombs, odd Authorization headers. For every run:
 * no 5xx, errors are JSON with a code, the server keeps serving and Object.prototype is untouched. A
 * 4xx changes no stored row; a 200 stores exactly `accepted` touchpoints and `quarantined`
 * failed_event rows (quarantine is the pipeline's way of refusing an event, with a reason), nothing
 * else when none was accepted, and every accepted event reads back with its properties and context
 * exactly as sent. The seed is fixed (FUZZ_SEED overrides) and printed by fast-check on failure.
 */
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableStringify } from '../../src/lib/stable-json.ts';
import { dbKinds } from '../helpers/databases.ts';
import {
  cleanJson,
  deepJson,
  expectHealthy,
  expectNoPrototypePollution,
  FUZZ_SEED,
  fuzzParams,
  hostileNumber,
  hostileObject,
  hostileString,
  snapshot,
  wire,
  wrongType,
  type Snapshot,
} from '../helpers/fuzz.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Fewer per database when both run, to stay near a minute on 2 cores.
const RUNS = Number(process.env.FUZZ_RUNS ?? (dbKinds.length > 1 ? 40 : 70));
const PATHS = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

const canonical = (v: unknown) => stableStringify(v);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
let counter = 0;
const unique = () => `${Date.now().toString(36)}-${++counter}`;
const orWrong = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: a as fc.Arbitrary<unknown>, weight: 12 }, { arbitrary: wrongType, weight: 1 });
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

const time = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom<unknown>('-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00Z', '0000-01-01T00:00:00Z', '2024-02-30T00:00:00Z', '9'.repeat(30), 8.64e15 + 1, -8.64e15, 1e300, 'NaN', '', 0, '1700000000000'),
  hostileString(),
);

/** A Segment event whose fields are usually right and often hostile; messageId fresh so it can be found. */
const event = fc
  .record(
    {
      type: orWrong(fc.constantFrom('track', 'identify', 'page', 'TRACK', 'nope')),
      messageId: fc.oneof({ arbitrary: fc.constant('fresh'), weight: 8 }, { arbitrary: orWrong(hostileString({ huge: true })), weight: 2 }),
      userId: fc.oneof({ arbitrary: fc.constant('user'), weight: 6 }, { arbitrary: orWrong(hostileString()), weight: 3 }, { arbitrary: hostileNumber, weight: 1 }),
      anonymousId: orWrong(hostileString()),
      previousId: orWrong(hostileString()),
      groupId: orWrong(hostileString()),
      event: fc.oneof({ arbitrary: fc.constantFrom('Order Completed', 'Page Viewed'), weight: 4 }, { arbitrary: orWrong(hostileString({ huge: true })), weight: 4 }),
      name: orWrong(hostileString()),
      properties: orWrong(hostileObject),
      traits: orWrong(hostileObject),
      context: orWrong(fc.oneof(hostileObject, fc.record({ campaign: orWrong(fc.record({ source: hostileString(), medium: hostileString() })), page: orWrong(fc.record({ url: hostileString(), referrer: hostileString() })), channel: orWrong(hostileString()), traits: hostileObject, device: orWrong(fc.record({ id: orWrong(hostileString()) })) }, { requiredKeys: [] }))),
      integrations: orWrong(hostileObject),
      timestamp: time,
      originalTimestamp: time,
      sentAt: time,
      channel: orWrong(fc.constantFrom('web', 'APP', 'carrier pigeon')),
      revenue: orWrong(hostileNumber),
      currency: orWrong(hostileString()),
      sessionId: orWrong(hostileString()),
      identities: orWrong(fc.array(fc.record({ type: orWrong(fc.constantFrom('EMAIL', 'PHONE', 'USER_ID', 'nope')), value: orWrong(hostileString()) }), { maxLength: 3 })),
    },
    { requiredKeys: ['messageId', 'userId'] },
  )
  .map((e) => {
    const r = { ...e } as Record<string, unknown>;
    if (r.messageId === 'fresh') r.messageId = `v1-${unique()}`;
    if (r.userId === 'user') r.userId = `u-${unique()}`;
    return r;
  });

/** A valid event whose content is odd but fine: it must be stored, and read back exactly. */
const goodEvent = fc
  .record({
    event: fc.oneof(fc.constantFrom('Order Completed', '👩‍👩‍👧 بالعالم \u202e', ' padded '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 })),
    properties: cleanJson,
    context: cleanJson,
    revenue: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: undefined }),
  })
  .filter((e) => e.event.trim() !== '' && !/\u0000/.test(e.event))
  .map((e) => {
    const r: Record<string, unknown> = { ...e, messageId: `v1-${unique()}`, userId: `u-${unique()}` };
    if (r.revenue === undefined) delete r.revenue;
    return r;
  });

type Request = { path: string; body: Buffer | string; headers: Record<string, string>; events: unknown[] | null; batch?: Record<string, unknown> };

/** Valid-ish requests: one event to its path, or a batch (with batch-level context and sentAt). */
const eventRequest: fc.Arbitrary<Request> = fc.oneof(
  fc.tuple(fc.constantFrom(...PATHS), fc.oneof(event, goodEvent), fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8')).map(([path, ev, ct]) => ({
    path: `/v1/${path}`,
    body: JSON.stringify(ev),
    headers: { 'content-type': ct },
    events: [{ ...ev, type: path }],
  })),
  fc
    .record({ batch: fc.array(fc.oneof({ arbitrary: event, weight: 4 }, { arbitrary: goodEvent, weight: 4 }, { arbitrary: wrongType, weight: 1 }), { minLength: 0, maxLength: 6 }), context: orWrong(hostileObject), sentAt: time, integrations: orWrong(hostileObject) }, { requiredKeys: ['batch'] })
    .chain((b) => fc.boolean().map((gzip) => ({ b, gzip })))
    .map(({ b, gzip }) => {
      const text = JSON.stringify(b);
      return {
        path: '/v1/batch',
        body: gzip ? gzipSync(text) : text,
        headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
        events: b.batch,
        batch: b,
      };
    }),
);

// ~20 KB on the wire, 20 MB inflated: must be cut off at the limit, not inflated whole. Made once.
const BOMB = gzipSync(Buffer.concat([Buffer.from('{"batch":["'), Buffer.alloc(20 * 1024 * 1024, 0x61), Buffer.from('"]}')]));

/** Garbage: not JSON, not UTF-8, wrong encodings, bombs, too big, too deep. */
const garbageRequest: fc.Arbitrary<Request> = fc
  .tuple(
    fc.constantFrom(...PATHS, 'batch'),
    fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
      hostileString({ huge: true }),
      fc.constantFrom<Buffer | string>(
        '',
        '{',
        'null',
        '[]',
        '"x"',
        '123',
        'true',
        '{"batch": {}}',
        '{"batch": null}',
        '{"batch": "x"}',
        `{"batch": [${'{}, '.repeat(1000)}{}]}`,
        '{"__proto__": {"polluted": true}, "userId": "p", "event": "E"}',
        '{"userId": "p", "event": "E", "properties": {"__proto__": {"polluted": true}}}',
        '{"constructor": {"prototype": {"polluted": true}}, "userId": "p", "event": "E"}',
        '{"userId": "p", "event": "E", "timestamp": 1e400}',
        `{"userId": "p", "event": "E", "properties": {"n": ${'9'.repeat(500)}}}`,
        '{"userId": "p\\u0000", "event": "E"}',
        '{"userId": "p", "event": "\\ud800"}',
        '{"userId": "p", "event": "E", "properties": {"\\udc00": "\\u0000"}}',
        Buffer.from([0x7b, 0x22, 0x75, 0x73, 0x65, 0x72, 0x49, 0x64, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff, 0x22, 0x7d]), // {"userId":"<overlong / and a CESU surrogate, 0xff>"}
        Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"userId":"bom","event":"E"}')]),
        Buffer.from('\ufeff{"userId":"u","event":"E"}', 'utf16le'),
      ),
      fc.integer({ min: 1_000, max: 300_000 }).map((n) => `{"userId":"deep","event":"E","properties":{"x":${'['.repeat(n)}${']'.repeat(n)}}}`),
      fc.integer({ min: 1_000, max: 200_000 }).map((n) => `{"batch":[${'['.repeat(n)}${']'.repeat(n)}]}`),
      deepJson.map((v) => JSON.stringify({ userId: `deep-${unique()}`, event: 'E', properties: { v } })),
      fc.constantFrom(33 * 1024, 501 * 1024).map((n) => JSON.stringify({ batch: [{ userId: 'big', event: 'E', properties: { blob: 'x'.repeat(n) } }] })),
    ),
    fc.constantFrom<Record<string, string>>(
      { 'content-type': 'application/json' },
      { 'content-type': 'text/plain' },
      {},
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=----x' },
      { 'content-type': 'application/json; charset=utf-16' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json; charset=nope' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'deflate' },
      { 'content-type': 'application/json', 'content-encoding': 'br' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'x-unknown' },
    ),
    fc.constantFrom('none', 'gzip', 'deflate', 'bomb'),
  )
  .map(([path, body, headers, wrap]) => {
    const raw = typeof body === 'string' ? Buffer.from(body) : body;
    let out: Buffer = raw;
    const h = { ...headers };
    if (wrap === 'gzip') {
      h['content-encoding'] = 'gzip';
      out = gzipSync(raw);
    } else if (wrap === 'deflate') {
      h['content-encoding'] = 'deflate';
      out = deflateSync(raw);
    } else if (wrap === 'bomb') {
      h['content-encoding'] = 'gzip';
      out = BOMB;
    }
    return { path: `/v1/${path}`, body: out, headers: h, events: null };
  });

const authHeader = fc.oneof(
  fc.constantFrom('', 'Basic', 'Basic ', 'Basic ===', 'Basic Og==', 'Bearer x', 'basic ' + Buffer.from(':').toString('base64'), 'Basic ' + 'A'.repeat(10_000), 'Digest x', 'Basic ' + Buffer.from('\u0000:').toString('base64')),
  hostileString().map((s) => basic(s)),
  hostileString().filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s)),
);

describe.each(dbKinds)('Segment HTTP fuzzing on %s', (kind) => {
  let t: TestServer;
  let writerId: string;

  beforeAll(async () => {
    t = await startTestServer(kind);
    writerId = (await t.server.services.apiKeys.verify(t.keys.WRITER))!.id;
    console.info(`fuzz-segment-http on ${kind}: seed ${FUZZ_SEED}, ${RUNS} runs a property (FUZZ_SEED / FUZZ_RUNS to change)`);
  });
  afterAll(() => t?.stop());

  const send = (r: Request, authorization: string | null = basic(t.keys.WRITER)) =>
    fetch(`${t.baseUrl}${r.path}`, { method: 'POST', headers: { ...r.headers, ...(authorization !== null ? { authorization } : {}) }, body: r.body });

  /** The checks every answer gets; returns the parsed body. */
  async function check(res: Response, before: Snapshot): Promise<Record<string, unknown>> {
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBeLessThan(500);
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(text);
    } catch {
      /* asserted below */
    }
    expect(body, `not JSON: ${text.slice(0, 200)}`).not.toBeNull();
    expectNoPrototypePollution();
    await expectHealthy(t);
    const after = await snapshot(t);
    if (res.status !== 200) {
      expect((body!.error as { code?: unknown })?.code, text.slice(0, 300)).toMatch(/^[A-Z_]+$/);
      expect(after).toEqual(before);
    } else {
      const { accepted, quarantined } = body as { accepted: number; quarantined: number };
      expect(after.touchpoint!.count).toBe(before.touchpoint!.count + accepted);
      expect(after.failed_event!.count).toBe(before.failed_event!.count + quarantined);
      if (accepted === 0) for (const table of ['customer', 'identity', 'touchpoint'] as const) expect(after[table], table).toEqual(before[table]);
    }
    return body!;
  }

  it('events with hostile fields: quarantined or stored exactly as sent, never a 5xx', async () => {
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(eventRequest, async (r) => {
        const before = await snapshot(t);
        const res = await send(r);
        const body = await check(res, before);
        tally[res.status] = (tally[res.status] ?? 0) + 1;
        if (res.status !== 200) return;
        const { accepted, duplicates, quarantined, dropped } = body as Record<string, number>;
        expect(accepted! + duplicates! + quarantined! + dropped!).toBe(r.events!.length);
        tally.accepted = (tally.accepted ?? 0) + accepted!;
        tally.quarantined = (tally.quarantined ?? 0) + quarantined!;
        // Accepted events read back with properties and context as sent (batch context under the event's own).
        const batch = r.batch ? (wire(r.batch) as Record<string, unknown>) : null;
        for (const raw of wire(r.events!) as unknown[]) {
          if (!isObject(raw) || typeof raw.messageId !== 'string' || !raw.messageId.startsWith('v1-')) continue;
          const tp = await t.db.prisma.touchpoint.findFirst({ where: { source: `writekey:${writerId}`, messageId: raw.messageId } });
          if (!tp) continue; // quarantined or dropped
          const context = batch && isObject(batch.context) ? (isObject(raw.context) ? { ...batch.context, ...raw.context } : (raw.context ?? batch.context)) : raw.context;
          const sent = (raw.properties ?? {}) as Record<string, unknown>;
          const stored = { ...(tp.properties as Record<string, unknown>) };
          if (tp.type === 'PAGE' || tp.type === 'SCREEN') {
            // Page and screen calls also keep their name and category in properties (docs/ingestion.md):
            // those two keys may be added, nothing else.
            const added = Object.keys(stored).filter((k) => !Object.hasOwn(sent, k));
            expect(added.filter((k) => k !== 'name' && k !== 'category')).toEqual([]);
            for (const k of added) delete stored[k];
          }
          expect(canonical(stored)).toBe(canonical(sent));
          expect(canonical(tp.context)).toBe(canonical(context ?? {}));
          if (typeof raw.event === 'string' && tp.type === 'TRACK') expect(tp.event).toBe(raw.event.trim());
        }
      }),
      fuzzParams(RUNS),
    );
    console.info(`events on ${kind}:`, tally);
  });

  it('garbage bodies, content types and encodings: a coded 4xx (or a 200 for what parses), never a 5xx', async () => {
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(garbageRequest, async (r) => {
        const before = await snapshot(t);
        const res = await send(r);
        const body = await check(res, before);
        const key = `${res.status}${body.error ? `:${(body.error as { code: string }).code}` : ''}`;
        tally[key] = (tally[key] ?? 0) + 1;
      }),
      fuzzParams(Math.ceil(RUNS / 2)),
    );
    console.info(`garbage on ${kind}:`, tally);
  });

  it('odd Authorization headers: 401/403, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(authHeader, fc.constantFrom(...PATHS, 'batch'), async (authorization, path) => {
        const before = await snapshot(t);
        const ev = { userId: `auth-${unique()}`, event: 'E' };
        let res: Response;
        try {
          res = await send({ path: `/v1/${path}`, body: JSON.stringify(path === 'batch' ? { batch: [ev] } : ev), headers: { 'content-type': 'application/json' }, events: null }, authorization);
        } catch (e) {
          // fetch itself refuses some header values (e.g. non-Latin-1): nothing was sent.
          expect(String(e)).toMatch(/header|ByteString|invalid/i);
          return;
        }
        expect([400, 401, 403]).toContain(res.status);
        await check(res, before);
      }),
      fuzzParams(Math.ceil(RUNS / 4)),
    );
  });
});
