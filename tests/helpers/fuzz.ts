/**
 * Shared pieces of the fuzz tests (tests/integration/fuzz-*.test.ts): hostile value generators, a
 * cheap snapshot of the stored data (row counts and an md5 over every row), and the "is the server
 * still itself" checks (no prototype pollution in this process, /healthz still 200).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { TestServer } from './server.ts';

/** Fixed unless FUZZ_SEED is set; printed so a failing run can be replayed. */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20260705;
export const fuzzParams = (numRuns: number) => ({ numRuns, seed: FUZZ_SEED, verbose: 0 as const });

// ---- stored data ----

export const SNAPSHOT_TABLES = ['customer', 'identity', 'touchpoint', 'failed_event'] as const;
export type Table = (typeof SNAPSHOT_TABLES)[number] | 'segment' | 'segment_version' | 'touchpoint_dedup';
export type Snapshot = Record<string, { count: number; md5: string }>;

/** Row count and md5 of every row as text (ordered by id) of each table: equal snapshots, equal data. */
export async function snapshot(t: TestServer, tables: readonly Table[] = SNAPSHOT_TABLES): Promise<Snapshot> {
  const sql = tables
    .map((name) => {
      const order = name === 'touchpoint_dedup' ? 'x.source, x.message_id' : 'x.id';
      return `SELECT '${name}' AS name, count(*)::int AS count, md5(coalesce(string_agg(x::text, '|' ORDER BY ${order}), '')) AS md5 FROM ${name} x`;
    })
    .join(' UNION ALL ');
  const rows = await t.db.prisma.$queryRawUnsafe<{ name: string; count: number; md5: string }[]>(sql);
  return Object.fromEntries(rows.map((r) => [r.name, { count: Number(r.count), md5: r.md5 }]));
}

// ---- the process ----

const OBJECT_PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
const OBJECT_PROTO_VALUES = OBJECT_PROTO_KEYS.map((k) => Object.getOwnPropertyDescriptor(Object.prototype, k));
const ARRAY_PROTO_KEYS = Object.getOwnPropertyNames(Array.prototype).sort();
/** Keys a payload might try to plant on a prototype. */
export const POLLUTION_PROBES = ['polluted', 'isAdmin', 'role', 'toString', 'valueOf', 'hasOwnProperty', 'x', 'a', '0'];

/** Object.prototype and Array.prototype are exactly as at start, and a fresh {} has nothing extra. */
export function expectNoPrototypePollution(): void {
  const plain = {} as Record<string, unknown>;
  expect(plain.polluted).toBeUndefined();
  expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTO_KEYS);
  OBJECT_PROTO_KEYS.forEach((k, i) => {
    const d = Object.getOwnPropertyDescriptor(Object.prototype, k)!;
    const before = OBJECT_PROTO_VALUES[i]!;
    expect(d.value === before.value && d.get === before.get && d.set === before.set, `Object.prototype.${k} changed`).toBe(true);
  });
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(ARRAY_PROTO_KEYS);
  for (const k of ['polluted', 'isAdmin', 'role', 'x', 'a']) {
    expect(k in plain, `Object.prototype.${k} planted`).toBe(false);
    expect(k in [], `Array.prototype.${k} planted`).toBe(false);
  }
}

export async function expectHealthy(t: TestServer): Promise<void> {
  const res = await fetch(`${t.baseUrl}/healthz`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

// ---- hostile values ----

/** Strings Postgres or a careless parser chokes on, and ones that are odd but perfectly valid. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\udbff\udfff', // a valid pair (U+10FFFF)
  '\u202eevil\u202c',
  'مرحبا بالعالم',
  '\u200f\u200e\u2066',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  'Z\u0351\u0360\u0362a\u0358l\u035fg\u0361o',
  '\ufeff\ufffe\uffff',
  '\r\n\t\v\f\b',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x1F',
  '9'.repeat(400),
  'null',
  'undefined',
  'true',
  "'; DROP TABLE customer; --",
  '%s%n%x',
  '${process.exit()}',
  '\\u0000',
  '</script><script>alert(1)</script>',
  'Ａ𝐀ᴬⒶ',
  'İıſK',
];

/** Code points from the whole range, lone surrogates included. */
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

export function hostileString(opts: { huge?: boolean } = {}): fc.Arbitrary<string> {
  const parts: fc.WeightedArbitrary<string>[] = [
    { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 6 },
    { arbitrary: anyText(40), weight: 4 },
    { arbitrary: fc.string({ maxLength: 20 }), weight: 3 },
    { arbitrary: fc.tuple(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 10 }), fc.constantFrom(...NASTY_STRINGS)).map((p) => p.join('')), weight: 2 },
  ];
  if (opts.huge) {
    parts.push({
      arbitrary: fc.tuple(fc.integer({ min: 257, max: 300_000 }), fc.constantFrom('x', 'é', '😀', '\u0000', 'a\ud800')).map(([n, c]) => c.repeat(Math.ceil(n / c.length))),
      weight: 1,
    });
  }
  return fc.oneof(...parts);
}

export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.1, 1e21, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, 1e16, 12345678901234567890),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Nest a leaf n levels deep in arrays or single-key objects (built iteratively: n may be thousands). */
export function nest(leaf: unknown, n: number, asObject: boolean, key = 'a'): unknown {
  let v = leaf;
  for (let i = 0; i < n; i++) v = asObject ? Object.fromEntries([[key, v]]) : [v];
  // fast-check prints counterexamples recursively; say what this is instead (JSON.stringify ignores symbols).
  const text = `nest(${JSON.stringify(leaf)}, ${n}, ${asObject ? `object "${key}"` : 'array'})`;
  Object.defineProperty(v, fc.toStringMethod, { value: () => text, enumerable: false });
  return v;
}

export const deepJson = fc
  .tuple(fc.integer({ min: 900, max: 4000 }), fc.boolean(), fc.constantFrom('a', '__proto__', 'constructor'), fc.constantFrom<unknown>(1, 'x', null, {}))
  .map(([n, asObject, key, leaf]) => nest(leaf, n, asObject, key));

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * Arbitrary JSON, hostile: odd keys (prototype keys included, as own keys: Object.fromEntries, like
 * JSON.parse, defines them rather than setting the prototype), odd strings, extreme numbers.
 */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString(),
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString(), fc.constantFrom('plan', 'email', 'revenue', 'phone', 'city')), tie('value')), { maxLength: 4 })
      .map((entries) => Object.fromEntries(entries)),
  ),
})).value;

/** A JSON object at the top (what JSONObject inputs take), sometimes very deep or very big. */
export const hostileObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString()), hostileJson), { maxLength: 5 }).map((e) => Object.fromEntries(e)), weight: 6 },
  { arbitrary: fc.tuple(hostileString(), deepJson).map(([k, v]) => Object.fromEntries([[k, v]])), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => ({ big: 'y'.repeat(n * 10) })), weight: 1 },
  { arbitrary: fc.constantFrom(...PROTO_KEYS).map((k) => JSON.parse(`{"${k}": {"polluted": "yes", "isAdmin": true}}`) as Record<string, unknown>), weight: 1 },
);

/** Anything at all where some type was expected. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  hostileString(),
  fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 }),
  fc.constant({}),
  fc.constant({ __proto__: null }),
  fc.constantFrom(...PROTO_KEYS).map((k) => JSON.parse(`{"${k}": {"polluted": 1}}`)),
);

/** JSON every door must accept as is: no U+0000 or lone surrogate, no prototype keys, a few levels. */
export const cleanJson = fc
  .dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
  .filter((o) => !/__proto__|constructor|prototype|\\u0000|\\ud[89ab]|\\ud[c-f]/i.test(JSON.stringify(o)));

/** What the server saw of a value we sent as JSON (JSON.stringify drops undefined, maps -0 to 0, ...). */
export const wire = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** Postgres text and jsonb cannot hold U+0000, and UTF-8 cannot encode a lone surrogate. */
export const hasUnstorableText = (v: unknown): boolean => {
  const bad = (s: string) => /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
  const stack = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'string') {
      if (bad(x)) return true;
    } else if (x && typeof x === 'object') {
      for (const k of Object.keys(x)) {
        if (bad(k)) return true;
        stack.push((x as Record<string, unknown>)[k]);
      }
    }
  }
  return false;
};

/** Every GraphQL error names a code, and it is never INTERNAL_SERVER_ERROR. */
export function expectClientErrors(errors: { message: string; extensions?: Record<string, unknown> }[] | undefined): void {
  for (const e of errors ?? []) {
    const code = e.extensions?.code;
    expect(typeof code, `error without a code: ${e.message}`).toBe('string');
    expect(code, `internal error: ${e.message.slice(0, 500)}`).not.toBe('INTERNAL_SERVER_ERROR');
  }
}
