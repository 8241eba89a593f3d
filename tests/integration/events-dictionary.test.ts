/**
 * The event dictionary against an independent reference: 200 real web sessions (UCI Online Shoppers
 * Purchasing Intention) expanded into Segment page, screen and track calls sent through /v1/batch, and
 * the dictionary recomputed here in plain TypeScript from the events as sent (page calls as they are
 * defined to be stored: "Page Viewed" with the page name in properties.name).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, EventDictionaryDocument, type EventDictionaryQuery, type EventDictionaryQueryVariables } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SAMPLE = 200; // documented in docs/analytics.md
const HOUR = 3_600_000;
const BASE = Date.UTC(2024, 0, 1);
const CHANNELS = ['WEB', 'ADS', 'SEARCH', 'SOCIAL', 'EMAIL'] as const;

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
interface Sent {
  payload: Record<string, unknown>;
  /** As stored: the event name and properties after page/screen normalisation. */
  name: string;
  type: 'PAGE' | 'SCREEN' | 'TRACK';
  user: string;
  channel: string;
  at: number;
  properties: Record<string, Json>;
  context: Record<string, Json>;
}

/** Each session is one person, one hour apart; its pages one second apart, so every touchpoint has its own time. */
function expand(): Sent[] {
  const out: Sent[] = [];
  readCsv('online_shoppers_intention_head200.csv', ';').forEach((s, i) => {
    const user = `shopper-${i}`;
    const channel = CHANNELS[Number(s.TrafficType) % CHANNELS.length]!;
    const context = { device: { type: `os-${s.OperatingSystems}` }, userAgent: `browser-${s.Browser}`, locale: 'en-US' };
    const common = { month: s.Month!, weekend: s.Weekend === 'TRUE', visitor: s.VisitorType! };
    let k = 0;
    const push = (type: Sent['type'], name: string, props: Record<string, Json>, extra: Record<string, unknown> = {}, ctx: Record<string, Json> = context) => {
      const at = BASE + i * HOUR + k++ * 1000;
      const stored = type === 'TRACK' ? name : type === 'PAGE' ? 'Page Viewed' : 'Screen Viewed';
      const properties = type === 'TRACK' ? props : { ...props, name };
      const payload = {
        type: type.toLowerCase(),
        ...(type === 'TRACK' ? { event: name } : { name }),
        userId: user,
        channel,
        messageId: `${user}-${k}`,
        timestamp: new Date(at).toISOString(),
        properties: props,
        context: ctx,
        ...extra,
      };
      out.push({ payload, name: stored, type, user, channel, at, properties, context: ctx });
    };
    for (let n = 0; n < Number(s.Administrative); n++) push('PAGE', 'Account', { ...common, pageType: 'Administrative', position: n });
    for (let n = 0; n < Number(s.Informational); n++) push('PAGE', 'Help', { ...common, pageType: 'Informational', position: n });
    const app = s.Browser === '2';
    for (let n = 0; n < Number(s.ProductRelated); n++) {
      if (app) push('SCREEN', 'Product', { ...common, position: n });
      else push('TRACK', 'Product Viewed', { ...common, position: n, bounceRate: Number(s.BounceRates), exitRate: Number(s.ExitRates), special: n === 0 ? null : Number(s.SpecialDay) });
    }
    if (s.Revenue === 'TRUE') {
      push(
        'TRACK',
        'Order Completed',
        { ...common, revenue: Number(s.PageValues), currency: 'USD', receiptEmail: `${user}@example.com`, items: [n(s.ProductRelated)], shipping: { region: Number(s.Region) } },
        {},
        { ...context, traits: { email: `${user}@example.com`, plan: 'pro' } },
      );
    }
  });
  return out;
}
const n = (v: string | undefined) => Number(v);

/** jsonb_typeof of a JSON value. */
const typeOf = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface KeyRef {
  key: string;
  seen: number;
  types: string[];
  examples: Json[];
}
function keysOf(rows: Record<string, Json>[]): KeyRef[] {
  const keys = new Map<string, { seen: number; types: Set<string>; examples: Json[] }>();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      const k = keys.get(key) ?? { seen: 0, types: new Set<string>(), examples: [] };
      keys.set(key, k);
      k.seen++;
      k.types.add(typeOf(value));
      const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
      if (scalar && k.examples.length < 3 && !k.examples.includes(value)) k.examples.push(value);
    }
  }
  return [...keys.entries()]
    .sort(([a], [b]) => byCode(a, b))
    .map(([key, k]) => ({ key, seen: k.seen, types: [...k.types].sort().map((t) => t.toUpperCase()), examples: k.examples }));
}
/** Context keys: top-level ones, and one level into objects as "device.type". */
const flatContext = (c: Record<string, Json>): Record<string, Json> =>
  Object.fromEntries(
    Object.entries(c).flatMap(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).map(([k2, v2]) => [`${k}.${k2}`, v2]) : [[k, v]])),
  );

const counted = <K extends string>(values: string[], as: K) =>
  [...values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>())]
    .sort(([a, x], [b, y]) => y - x || byCode(a, b))
    .map(([value, count]) => ({ [as]: value, count }) as Record<K, string> & { count: number });

function reference(sent: Sent[], from: number, to: number, search: string | null, first: number) {
  const inScope = sent.filter((e) => e.at >= from && e.at < to && (search === null || e.name.toLowerCase().includes(search.toLowerCase())));
  const names = [...new Set(inScope.map((e) => e.name))];
  const all = names
    .map((name) => {
      const rows = inScope.filter((e) => e.name === name);
      const latest = [...rows].sort((a, b) => b.at - a.at).slice(0, SAMPLE);
      return {
        name,
        count: rows.length,
        customers: new Set(rows.map((e) => e.user)).size,
        firstSeen: new Date(Math.min(...rows.map((e) => e.at))).toISOString(),
        lastSeen: new Date(Math.max(...rows.map((e) => e.at))).toISOString(),
        channels: counted(rows.map((e) => e.channel), 'channel'),
        types: counted(rows.map((e) => e.type), 'type'),
        sampled: latest.length,
        properties: keysOf(latest.map((e) => e.properties)),
        contextKeys: keysOf(latest.map((e) => flatContext(e.context))),
      };
    })
    .sort((a, b) => b.count - a.count || byCode(a.name, b.name));
  return { totalCount: all.length, sampleSize: SAMPLE, events: all.slice(0, first) };
}

describe.each(dbKinds)('event dictionary on %s', (kind) => {
  let t: TestServer;
  const sent = expand();

  beforeAll(async () => {
    t = await startTestServer(kind);
    const auth = { authorization: `Basic ${Buffer.from(`${t.keys.WRITER}:`).toString('base64')}`, 'content-type': 'application/json' };
    for (let i = 0; i < sent.length; i += 500) {
      const batch = sent.slice(i, i + 500).map((e) => e.payload);
      const res = await fetch(`${t.baseUrl}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch }) });
      expect(await res.json()).toMatchObject({ accepted: batch.length, quarantined: 0 });
    }
  }, 180_000);
  afterAll(() => t?.stop());

  const scope = (from: number, to: number) => ({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const ask = async (v: EventDictionaryQueryVariables, key = t.keys.ADMIN) => t.gql(EventDictionaryDocument, v, { authorization: `Bearer ${key}` });
  const answer = async (v: EventDictionaryQueryVariables) => {
    const r = await ask(v);
    expect(r.errors).toBeUndefined();
    return r.data!.events;
  };

  it('the fixture exercises what it should', () => {
    const names = new Set(sent.map((e) => e.name));
    expect([...names].sort()).toEqual(['Order Completed', 'Page Viewed', 'Product Viewed', 'Screen Viewed']);
    // Some name has more touchpoints than the sample, so the sample really is a subset.
    expect(Math.max(...[...names].map((nm) => sent.filter((e) => e.name === nm).length))).toBeGreaterThan(SAMPLE);
  });

  it('matches the reference over every event, counts exact and keys from the latest 200 of each name', async () => {
    const from = BASE;
    const to = BASE + 200 * HOUR;
    expect(await answer({ scope: scope(from, to), first: 100 })).toEqual(reference(sent, from, to, null, 100));
  });

  it('matches the reference over a narrower scope, with search and first', async () => {
    const from = BASE + 20 * HOUR + 30_000; // starts inside session 20
    const to = BASE + 150 * HOUR;
    const got = await answer({ scope: scope(from, to), first: 2, search: 'VIEW' });
    const want = reference(sent, from, to, 'view', 2);
    expect(want.totalCount).toBe(3);
    expect(got).toEqual(want);
    expect(await answer({ scope: scope(from, to), first: 0 })).toEqual({ ...reference(sent, from, to, null, 0), events: [] });
    expect(await answer({ scope: scope(BASE - 10 * HOUR, BASE), first: 5 })).toEqual({ totalCount: 0, sampleSize: SAMPLE, events: [] });
  });

  it('with segmentId, lists only the members\' events: counts, channels, types and keys from their touchpoints alone', async () => {
    // Members: the sessions with a screen call (the app users); the reference sees only their events as sent.
    const segment = (await t.ok(CreateSegmentDocument, { input: { name: 'App users', rule: { type: 'SCREEN' } } })).createSegment;
    const members = new Set(sent.filter((e) => e.type === 'SCREEN').map((e) => e.user));
    const theirs = sent.filter((e) => members.has(e.user));
    expect(members.size).toBeGreaterThan(0);
    expect(members.size).toBeLessThan(new Set(sent.map((e) => e.user)).size);
    const from = BASE + 20 * HOUR + 30_000;
    const to = BASE + 200 * HOUR;
    const want = reference(theirs, from, to, null, 100);
    // Names with several channels, so the per-channel grouping is exercised as well as the per-type one.
    expect(want.events.some((e) => e.channels.length > 1)).toBe(true);
    expect(await answer({ scope: { ...scope(from, to), segmentId: segment.id }, first: 100 })).toEqual(want);
    expect(await answer({ scope: { ...scope(from, to), segmentId: segment.id }, first: 1, search: 'viewed' })).toEqual(reference(theirs, from, to, 'viewed', 1));
  });

  it('counts a page call as a page view: the page name is a property, the type is PAGE', async () => {
    const all = await answer({ scope: scope(BASE, BASE + 200 * HOUR), search: 'Page Viewed' });
    const page = all.events[0]!;
    expect(page.name).toBe('Page Viewed');
    expect(page.types).toEqual([{ type: 'PAGE', count: page.count }]);
    expect(page.properties.find((p) => p.key === 'name')!.examples.sort()).toEqual(['Account', 'Help']);
  });

  it('masks personal keys and email-shaped values for READER keys, as in touchpoint properties', async () => {
    const v = { scope: scope(BASE, BASE + 200 * HOUR), search: 'Order Completed' };
    const admin = (await answer(v)).events[0]!;
    const r = await ask(v, t.keys.READER);
    expect(r.errors).toBeUndefined();
    const reader = r.data!.events.events[0]!;
    const examples = (e: EventDictionaryQuery['events']['events'][number], root: 'properties' | 'contextKeys', key: string) => e[root].find((k) => k.key === key)!.examples as string[];
    expect(examples(admin, 'properties', 'receiptEmail').every((x) => /^shopper-\d+@example\.com$/.test(x))).toBe(true);
    expect(examples(reader, 'properties', 'receiptEmail')).toEqual(examples(admin, 'properties', 'receiptEmail').map(() => 's•••@example.com'));
    expect(examples(reader, 'contextKeys', 'traits.email')).toEqual(examples(admin, 'contextKeys', 'traits.email').map(() => 's•••@example.com'));
    // Keys, counts and harmless values are the same.
    expect(examples(reader, 'contextKeys', 'traits.plan')).toEqual(['pro']);
    expect(examples(reader, 'properties', 'month')).toEqual(examples(admin, 'properties', 'month'));
    expect({ ...reader, properties: [], contextKeys: [] }).toEqual({ ...admin, properties: [], contextKeys: [] });
    expect(JSON.stringify(r.data)).not.toMatch(/shopper-\d+@/);
  });

  it('refuses bad input with codes', async () => {
    const ok = scope(BASE, BASE + HOUR);
    const code = async (v: EventDictionaryQueryVariables) => (await ask(v)).errors?.[0]?.extensions;
    expect(await code({ scope: ok, first: 101 })).toMatchObject({ code: 'PAGE_SIZE_TOO_LARGE', max: 100 });
    expect(await code({ scope: ok, first: -1 })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await code({ scope: scope(BASE, BASE) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scope.from' });
    expect(await code({ scope: scope(BASE, BASE + 3661 * 24 * HOUR) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scope' });
    expect(await code({ scope: { ...ok, segmentId: 'nope' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scope.segmentId' });
    expect(await code({ scope: ok, search: '' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'search' });
    expect(await code({ scope: ok, search: 'x'.repeat(257) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'search' });
    expect((await t.gql(EventDictionaryDocument, { scope: ok }, { authorization: '' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
