/**
 * Fuzzing the GraphQL API with hostile inputs (huge and odd strings, lone surrogates, U+0000, deep
 * JSON, prototype keys, extreme numbers, wrong types, bad cursors, enums, ids and dates). For every
 * run: no 5xx, no INTERNAL_SERVER_ERROR, every error has a code, the server keeps serving (/healthz)
 * and Object.prototype is untouched; a rejected input changes no stored row (counts and md5 of the
 * customer, identity, touchpoint and failed_event tables), and an accepted one reads back exactly as
 * sent, after the documented normalisation. The seed is fixed (FUZZ_SEED overrides) and printed by
 * fast-check on failure with the shrunk counterexample.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableStringify } from '../../src/lib/stable-json.ts';
import { dbKinds } from '../helpers/databases.ts';
import {
  cleanJson,
  deepJson,
  expectClientErrors,
  expectHealthy,
  expectNoPrototypePollution,
  FUZZ_SEED,
  fuzzParams,
  hostileJson,
  hostileNumber,
  hostileObject,
  hostileString,
  snapshot,
  wire,
  wrongType,
  type Table,
} from '../helpers/fuzz.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Fewer per database when both run, to stay near a minute on 2 cores.
const RUNS = Number(process.env.FUZZ_RUNS ?? (dbKinds.length > 1 ? 40 : 70));

const IDENTITY_TYPES = ['ANONYMOUS_ID', 'COOKIE', 'CRM_ID', 'CUSTOM', 'DEVICE_ID', 'EMAIL', 'PHONE', 'USER_ID', 'WECHAT_OPEN_ID', 'WECHAT_UNION_ID'];
const CHANNELS = ['ADS', 'APP', 'CALL_CENTER', 'CRM', 'EMAIL', 'MINI_PROGRAM', 'OTHER', 'SEARCH', 'SMS', 'SOCIAL', 'STORE_POS', 'SUPPORT', 'WEB'];
const TOUCHPOINT_TYPES = ['ALIAS', 'GROUP', 'IDENTIFY', 'PAGE', 'SCREEN', 'TRACK'];
const ATTRS = ['email', 'phone', 'firstName', 'lastName', 'name', 'gender', 'birthday', 'country', 'city', 'company'] as const;
const ALL_TABLES: Table[] = ['customer', 'identity', 'touchpoint', 'failed_event', 'touchpoint_dedup', 'segment', 'segment_version'];

const canonical = (v: unknown) => stableStringify(v);
let counter = 0;
const unique = () => `${Date.now().toString(36)}-${++counter}`;

/** Mostly valid enum names, sometimes not (wrong case, unknown, wrong type). */
const enumValue = (names: string[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...names), weight: 30 }, { arbitrary: fc.constantFrom('web', 'NOPE', '', 'TRACK ', '__proto__'), weight: 1 }, { arbitrary: wrongType, weight: 1 });

/** A field value: usually a plausible string, often hostile, sometimes null, rarely the wrong type. */
const field = (plausible: fc.Arbitrary<string>) =>
  fc.oneof(
    { arbitrary: plausible, weight: 20 },
    { arbitrary: hostileString({ huge: true }), weight: 20 },
    { arbitrary: fc.constant(null), weight: 5 },
    { arbitrary: wrongType, weight: 1 },
  );

/** Usually the arbitrary's values, rarely something of the wrong type (which fails the whole request). */
const orWrong = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: a as fc.Arbitrary<unknown>, weight: 15 }, { arbitrary: wrongType, weight: 1 });

const dateString = fc.oneof(
  fc.constantFrom(
    '2025-01-01T00:00:00Z',
    '2025-06-15T12:00:00.000+08:00',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '-271821-04-20T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2025-01-01',
    '1e20',
    '8640000000000001',
    '-62198755200000',
    'NaN',
    '',
    'yesterday',
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  hostileString(),
);

const uuidish = fc.oneof(
  fc.uuid(),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'not-a-uuid', '', '1', "' OR 1=1 --", '00000000-0000-0000-0000-00000000000g'),
  hostileString(),
);

/** Cursors: garbage, and well-formed base64url JSON with the wrong things inside. */
const cursor = fc.oneof(
  hostileString(),
  fc.constantFrom('', '=', 'W10', 'e30', '!!!', 'bnVsbA'),
  fc
    .tuple(
      fc.oneof(
        hostileNumber,
        dateString,
        fc.constantFrom<unknown>(null, true, {}, [], '2020-01-01T00:00:00Z', 1e308, -1, 2 ** 63, '-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00Z'),
      ),
      uuidish,
      fc.boolean(),
    )
    .map(([v, id, extra]) => Buffer.from(JSON.stringify(extra ? [v, id, 'x'] : [v, id])).toString('base64url')),
);

// ---- inputs ----

const identityInput = fc.record(
  {
    type: enumValue(IDENTITY_TYPES),
    value: orWrong(fc.oneof(fc.constantFrom('a@example.com', '+14155552671', 'u-1', 'null', ' ', 'anonymous'), hostileString({ huge: true }))),
  },
  { requiredKeys: ['type', 'value'] },
);

const customerInput = fc
  .record(
    {
      externalId: field(fc.constant('ext')),
      source: field(fc.constantFrom('fuzz', 'crm', '')),
      identities: orWrong(fc.array(identityInput, { maxLength: 3 })),
      email: field(fc.constantFrom('ada@example.com', ' ADA@Example.COM ', 'x@y', 'émile@exämple.com')),
      phone: field(fc.constantFrom('(415) 555-2671', '+86 138 0013 8000', '12')),
      firstName: field(fc.string({ maxLength: 12 })),
      lastName: field(fc.string({ maxLength: 12 })),
      name: field(fc.string({ maxLength: 12 })),
      gender: field(fc.constantFrom('female', 'x')),
      birthday: field(fc.constantFrom('1990-02-28', '1990-02-30', '3000-01-01', '0000-01-01', '1990-1-1')),
      country: field(fc.constantFrom('cn', 'DE', 'ß', 'ǆ')),
      city: field(fc.constantFrom('São Paulo', '北京')),
      company: field(fc.constantFrom('Acme')),
      traits: fc.oneof({ arbitrary: hostileObject, weight: 12 }, { arbitrary: fc.constant(null), weight: 2 }, { arbitrary: wrongType, weight: 1 }),
    },
    { requiredKeys: [] },
  )
  .map((row) => {
    // Most rows get a fresh externalId so they are new customers; the generator's value is kept otherwise.
    const r = { ...row } as Record<string, unknown>;
    if (r.externalId === 'ext') r.externalId = `ext-${unique()}`;
    return r;
  });

/** Valid rows with odd but fine content: must be CREATED and read back exactly. */
const goodText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((x) => !x.includes('\u0000'));
const goodCustomer = fc
  .record({ firstName: goodText, city: fc.constantFrom('São Paulo', '北京', 'مرحبا', '\u202eevil'), traits: cleanJson, country: fc.constantFrom('cn', 'Deutschland', 'ß') })
  .map((r) => ({ ...r, source: 'fuzz', externalId: `good-${unique()}` }));
const goodTouchpoint = fc
  .record({ event: goodText.filter((x) => x.trim() !== ''), properties: cleanJson, context: cleanJson, channel: fc.constantFrom(...CHANNELS) })
  .map((r) => ({ ...r, type: 'TRACK', messageId: `good-${unique()}`, userId: `u-${unique()}` }));

const touchpointInput = fc
  .record(
    {
      messageId: fc.oneof({ arbitrary: fc.constant('fresh'), weight: 6 }, { arbitrary: hostileString({ huge: true }), weight: 3 }, { arbitrary: wrongType, weight: 1 }),
      type: enumValue(TOUCHPOINT_TYPES),
      event: field(fc.constantFrom('Order Completed', 'Page Viewed', ' x ')),
      channel: enumValue(CHANNELS),
      source: field(fc.constantFrom('pos', '')),
      userId: field(fc.constant('user')),
      anonymousId: field(fc.constant('anon')),
      identities: orWrong(fc.array(identityInput, { maxLength: 3 })),
      traits: orWrong(hostileObject),
      properties: fc.oneof({ arbitrary: hostileObject, weight: 15 }, { arbitrary: wrongType, weight: 1 }),
      context: fc.oneof({ arbitrary: hostileObject, weight: 15 }, { arbitrary: wrongType, weight: 1 }),
      revenue: orWrong(hostileNumber),
      currency: field(fc.constantFrom('usd', 'CNY', 'EURO')),
      occurredAt: orWrong(dateString),
      sentAt: orWrong(dateString),
      sessionId: field(fc.constant('s-1')),
    },
    { requiredKeys: ['messageId'] },
  )
  .map((tp) => {
    const r = { ...tp } as Record<string, unknown>;
    if (r.messageId === 'fresh') r.messageId = `m-${unique()}`;
    if (r.userId === 'user') r.userId = `u-${unique()}`;
    if (r.anonymousId === 'anon') r.anonymousId = `a-${unique()}`;
    return r;
  });

// ---- documents ----

const UPSERT = `mutation($in: [CustomerInput!]!) { upsertCustomers(input: $in) {
  created updated unchanged failed results { index status customerId } errors { index field code message } } }`;
const CUSTOMER = `query($id: ID!) { customer(id: $id) { id externalId source email phone firstName lastName name gender birthday country city company traits
  identities { type value } } }`;
const RECORD = `mutation($in: [TouchpointInput!]!) { recordTouchpoints(input: $in) {
  accepted duplicates quarantined dropped results { index status reason message touchpointId customerId } } }`;

type Gql = Awaited<ReturnType<TestServer['gql']>>;

/** The checks every response gets. */
async function common(t: TestServer, r: Gql): Promise<void> {
  expect(r.status, JSON.stringify(r.errors ?? r.data).slice(0, 800)).toBeLessThan(500);
  expectClientErrors(r.errors);
  if (!r.data) expect(r.errors?.length ?? 0).toBeGreaterThan(0);
  expectNoPrototypePollution();
  await expectHealthy(t);
}

/** What a sent attribute reads back as (customer.normalize.ts); undefined: not checked exactly. */
function expectedAttribute(field: (typeof ATTRS)[number], sent: string | null): string | null | undefined {
  if (sent === null || sent.trim() === '') return null;
  const v = sent.trim();
  if (field === 'email') return v.toLowerCase();
  if (field === 'phone') return undefined; // E.164, checked by shape
  if (field === 'country' && v.length === 2) return v.toUpperCase();
  return v;
}

describe.each(dbKinds)('GraphQL fuzzing on %s', (kind) => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(kind);
    console.info(`fuzz-graphql on ${kind}: seed ${FUZZ_SEED}, ${RUNS} runs a property (FUZZ_SEED / FUZZ_RUNS to change)`);
  });
  afterAll(() => t?.stop());

  it('upsertCustomers: rejected rows change nothing, accepted rows read back as sent', async () => {
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(customerInput, goodCustomer), { minLength: 1, maxLength: 4 }), async (rows) => {
        const before = await snapshot(t);
        const r = await t.gql<{ upsertCustomers: { results: { index: number; status: string; customerId: string | null }[]; errors: { index: number; field: string; code: string }[] } }, unknown>(UPSERT, { in: rows });
        await common(t, r);
        const sent = wire(rows) as Record<string, unknown>[];
        if (!r.data?.upsertCustomers) {
          expect(await snapshot(t)).toEqual(before);
          return;
        }
        const { results, errors } = r.data.upsertCustomers;
        for (const x of results) tally[x.status] = (tally[x.status] ?? 0) + 1;
        expect(results.map((x) => x.index)).toEqual(sent.map((_, i) => i));
        for (const e of errors) expect(e.code).toMatch(/^[A-Z][A-Z_]+$/);
        for (const res of results) {
          const rowErrors = errors.filter((e) => e.index === res.index);
          if (res.status === 'FAILED') expect(rowErrors.length, `row ${res.index} FAILED without a row error`).toBeGreaterThan(0);
          else expect(rowErrors, `row ${res.index} ${res.status} with errors`).toEqual([]);
        }
        const accepted = results.filter((x) => x.status !== 'FAILED');
        if (accepted.length === 0) {
          expect(await snapshot(t)).toEqual(before);
          return;
        }
        // Round trip: each accepted row that is the only one landing on its customer reads back as sent.
        for (const res of accepted) {
          if (accepted.filter((x) => x.customerId === res.customerId).length > 1) continue;
          const row = sent[res.index]!;
          const c = await t.gql<{ customer: Record<string, unknown> | null }, unknown>(CUSTOMER, { id: res.customerId });
          await common(t, c);
          expect(c.errors).toBeUndefined();
          const stored = c.data!.customer!;
          for (const f of ATTRS) {
            if (!(f in row)) continue;
            const want = expectedAttribute(f, row[f] as string | null);
            if (want === undefined) expect(stored[f] === null || /^\+\d{6,15}$/.test(stored[f] as string)).toBe(true);
            else expect(stored[f], `attribute ${f}`).toBe(want);
          }
          if (row.traits && typeof row.traits === 'object') {
            const traits = stored.traits as Record<string, unknown>;
            for (const k of Object.keys(row.traits)) {
              expect(Object.prototype.hasOwnProperty.call(traits, k), `trait ${JSON.stringify(k)} missing`).toBe(true);
              expect(canonical(traits[k]), `trait ${JSON.stringify(k)}`).toBe(canonical((row.traits as Record<string, unknown>)[k]));
            }
          }
        }
      }),
      fuzzParams(RUNS),
    );
    console.info(`upsertCustomers rows on ${kind}:`, tally);
  });

  it('recordTouchpoints: quarantined and dropped events store nothing but their failed_event; accepted ones read back as sent', async () => {
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(touchpointInput, goodTouchpoint), { minLength: 1, maxLength: 4 }), async (inputs) => {
        const before = await snapshot(t);
        const r = await t.gql<{ recordTouchpoints: { accepted: number; duplicates: number; quarantined: number; dropped: number; results: { index: number; status: string; reason: string | null; touchpointId: string | null }[] } }, unknown>(RECORD, { in: inputs });
        await common(t, r);
        const after = await snapshot(t);
        if (!r.data?.recordTouchpoints) {
          expect(after).toEqual(before);
          return;
        }
        const p = r.data.recordTouchpoints;
        expect(p.accepted + p.duplicates + p.quarantined + p.dropped).toBe(inputs.length);
        for (const res of p.results) {
          tally[res.reason ?? res.status] = (tally[res.reason ?? res.status] ?? 0) + 1;
          if (res.status !== 'ACCEPTED') expect(res.reason, `${res.status} without a reason`).toMatch(/^[a-z_]+$/);
        }
        expect(after.failed_event!.count).toBe(before.failed_event!.count + p.quarantined);
        expect(after.touchpoint!.count).toBe(before.touchpoint!.count + p.accepted);
        if (p.accepted === 0) {
          for (const table of ['customer', 'identity', 'touchpoint'] as const) expect(after[table], table).toEqual(before[table]);
        }
        const sent = wire(inputs) as Record<string, unknown>[];
        for (const res of p.results.filter((x) => x.status === 'ACCEPTED')) {
          const input = sent[res.index]!;
          const tp = await t.db.prisma.touchpoint.findFirstOrThrow({ where: { id: res.touchpointId! } });
          expect(canonical(tp.properties)).toBe(canonical(input.properties ?? {}));
          expect(canonical(tp.context)).toBe(canonical(input.context ?? {}));
          expect(tp.messageId).toBe((input.messageId as string).trim());
          if (input.type === 'TRACK') expect(tp.event).toBe((input.event as string).trim());
        }
      }),
      fuzzParams(RUNS),
    );
    console.info(`recordTouchpoints outcomes on ${kind}:`, tally);
  });

  // ---- reads, and segment writes ----

  const filter = fc.record(
    {
      search: field(fc.constantFrom('ada', '%', '_', '\\')),
      email: field(fc.constant('ada@example.com')),
      phone: field(fc.constant('+14155552671')),
      externalId: field(fc.constant('x')),
      source: field(fc.constant('crm')),
      country: field(fc.constant('CN')),
      city: field(fc.constant('x')),
      company: field(fc.constant('x')),
      gender: field(fc.constant('x')),
      traits: fc.oneof(
        fc.array(fc.record({ key: orWrong(hostileString()), equals: hostileJson, exists: orWrong(fc.boolean()) }, { requiredKeys: ['key'] }), { maxLength: 3 }),
        wrongType,
      ),
      tag: field(fc.constant('vip')),
      segmentId: orWrong(uuidish),
      lastSeen: orWrong(fc.record({ from: dateString, to: dateString }, { requiredKeys: [] })),
      firstSeen: fc.record({ from: dateString, to: dateString }, { requiredKeys: [] }),
      createdAt: fc.record({ from: dateString, to: dateString }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
  const first = orWrong(fc.constantFrom(-1, 0, 1, 100, 101, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1e300, 1.5, -0));
  const scope = fc.oneof(
    { arbitrary: fc.record({ from: dateString, to: dateString, segmentId: fc.oneof(uuidish, fc.constant(null)) }, { requiredKeys: ['from', 'to'] }), weight: 6 },
    { arbitrary: fc.constant({ from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' }), weight: 3 },
    { arbitrary: wrongType, weight: 1 },
  );
  const ruleLike: fc.Arbitrary<unknown> = fc.letrec<{ rule: unknown }>((tie) => ({
    rule: fc.oneof(
      { depthSize: 'small' },
      fc.record({ attr: fc.oneof(fc.constantFrom('email', 'lifetimeValue', 'birthday', 'createdAt', 'rfmTier', '__proto__'), hostileString()), op: fc.constantFrom('eq', 'gt', 'in', 'contains', 'exists', 'nope'), value: hostileJson }, { requiredKeys: ['attr', 'op'] }),
      fc.record({ trait: hostileString(), op: fc.constantFrom('eq', 'lt', 'in', 'exists'), value: hostileJson }, { requiredKeys: ['trait', 'op'] }),
      fc.record({ event: hostileString(), count: fc.record({ op: fc.constantFrom('gt', 'eq', 'bad'), value: hostileNumber }), withinDays: orWrong(hostileNumber), where: fc.array(fc.record({ prop: hostileString(), op: fc.constantFrom('eq', 'contains', 'in'), value: hostileJson }), { maxLength: 2 }) }, { requiredKeys: ['event'] }),
      fc.record({ lastSeen: fc.record({ olderThanDays: hostileNumber }) }),
      fc.record({ hasTag: orWrong(hostileString()) }),
      fc.record({ inSegment: uuidish }),
      fc.record({ and: fc.array(tie('rule'), { maxLength: 3 }) }),
      fc.record({ or: fc.oneof(fc.array(tie('rule'), { maxLength: 3 }), wrongType) }),
      fc.record({ not: tie('rule') }),
      hostileJson,
      deepJson,
    ),
  })).rule;

  type Case = { label: string; doc: string; vars: Record<string, unknown>; tables?: Table[]; mutation?: boolean };
  const queryCase: fc.Arbitrary<Case> = fc.oneof(
    fc.record({ filter: orWrong(filter), first, after: fc.oneof(cursor, fc.constant(null)), orderBy: fc.oneof(fc.record({ field: enumValue(['CREATED_AT', 'UPDATED_AT', 'LAST_SEEN_AT', 'FIRST_SEEN_AT', 'LIFETIME_VALUE', 'ORDER_COUNT', 'TOUCHPOINT_COUNT']), direction: enumValue(['ASC', 'DESC']) }), fc.constant(null)) }).map((vars) => ({
      label: 'customers',
      doc: `query($filter: CustomerFilterInput, $first: Int, $after: String, $orderBy: CustomerOrderInput) { customers(filter: $filter, first: $first, after: $after, orderBy: $orderBy) { totalCount pageInfo { endCursor hasNextPage } edges { cursor node { id traits } } } }`,
      vars,
    })),
    fc.record({ type: enumValue(IDENTITY_TYPES), value: orWrong(hostileString({ huge: true })) }).map((vars) => ({
      label: 'customerByIdentity',
      doc: `query($type: IdentityType!, $value: String!) { customerByIdentity(type: $type, value: $value) { id email traits } }`,
      vars,
    })),
    fc.record({ id: orWrong(uuidish) }).map((vars) => ({ label: 'customer', doc: `query($id: ID!) { customer(id: $id) { id } }`, vars })),
    fc.record({ rule: ruleLike, compareTo: fc.oneof(uuidish, fc.constant(null)) }).map((vars) => ({
      label: 'previewSegment',
      doc: `query($rule: JSON!, $compareTo: ID) { previewSegment(rule: $rule, compareTo: $compareTo) { size sampleIds entering leaving } }`,
      vars,
    })),
    fc.record({ name: orWrong(hostileString({ huge: true })), description: fc.oneof(hostileString({ huge: true }), fc.constant(null)), rule: ruleLike }).map((input) => ({
      label: 'createSegment',
      doc: `mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id name description rule version } }`,
      vars: { input },
      mutation: true,
    })),
    fc
      .record({
        scope,
        steps: fc.oneof(fc.array(fc.record({ event: orWrong(hostileString()), channel: fc.oneof(enumValue(CHANNELS), fc.constant(null)), where: fc.oneof(fc.array(fc.record({ prop: hostileString(), op: enumValue(['CONTAINS', 'EQ', 'EXISTS', 'GT', 'GTE', 'IN', 'LT', 'LTE', 'NEQ']), value: hostileJson }), { maxLength: 2 }), fc.constant(null)) }, { requiredKeys: ['event'] }), { maxLength: 12 }), wrongType),
        windowHours: orWrong(hostileNumber),
        breakdownBy: fc.oneof(fc.record({ by: enumValue(['CHANNEL', 'TRAIT']), traitKey: fc.oneof(hostileString(), fc.constant(null)) }), fc.constant(null)),
      })
      .map((vars) => ({
        label: 'funnel',
        doc: `query($scope: AnalyticsScopeInput!, $steps: [FunnelStepInput!]!, $windowHours: Float!, $breakdownBy: FunnelBreakdownInput) { funnel(scope: $scope, steps: $steps, windowHours: $windowHours, breakdownBy: $breakdownBy) { windowHours steps { event count } breakdown { value } } }`,
        vars,
      })),
    fc
      .record({
        scope,
        conversionEvent: orWrong(hostileString()),
        lookbackDays: fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), wrongType),
        halfLifeDays: orWrong(hostileNumber),
        models: fc.oneof(fc.array(enumValue(['FIRST_TOUCH', 'LAST_TOUCH', 'LINEAR', 'MARKOV', 'POSITION_BASED', 'TIME_DECAY']), { maxLength: 7 }), fc.constant(null)),
      })
      .map((vars) => ({
        label: 'attribution',
        doc: `query($scope: AnalyticsScopeInput!, $conversionEvent: String!, $lookbackDays: Int!, $halfLifeDays: Float!, $models: [AttributionModel!]) { attribution(scope: $scope, conversionEvent: $conversionEvent, lookbackDays: $lookbackDays, halfLifeDays: $halfLifeDays, models: $models) { conversions models { model totalConversions } } }`,
        vars,
      })),
    fc.record({ reason: fc.oneof(hostileString(), fc.constant(null)), first, after: fc.oneof(cursor, fc.constant(null)) }).map((vars) => ({
      label: 'failedEvents',
      doc: `query($reason: String, $first: Int, $after: String) { failedEvents(reason: $reason, first: $first, after: $after) { totalCount edges { cursor node { id reason payload } } } }`,
      vars,
    })),
    fc.record({ id: orWrong(uuidish), first, since: orWrong(hostileString()), after: fc.oneof(cursor, fc.constant(null)) }).map((vars) => ({
      label: 'segment',
      doc: `query($id: ID!, $first: Int, $since: String, $after: String) { segment(id: $id) { id changes(first: $first, since: $since) { hasMore } members(first: $first, after: $after) { edges { cursor } } } }`,
      vars,
    })),
  );

  it('queries and createSegment: errors have client codes, nothing changes unless a segment is created', async () => {
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(queryCase, async (c) => {
        const before = await snapshot(t, ALL_TABLES);
        const r = await t.gql<Record<string, unknown>, unknown>(c.doc, c.vars);
        await common(t, r);
        const outcome = `${c.label}:${r.errors?.length ? String(r.errors[0]!.extensions?.code) : 'ok'}`;
        tally[outcome] = (tally[outcome] ?? 0) + 1;
        const after = await snapshot(t, ALL_TABLES);
        const created = c.label === 'createSegment' && r.data?.createSegment ? (r.data.createSegment as { id: string; name: string; description: string | null; rule: unknown }) : null;
        if (!created) {
          expect(after, c.label).toEqual(before);
          return;
        }
        // Accepted: one new segment with one version, reading back the name trimmed and the rule as sent.
        expect(after.segment!.count).toBe(before.segment!.count + 1);
        expect(after.segment_version!.count).toBe(before.segment_version!.count + 1);
        for (const table of ['customer', 'identity', 'touchpoint', 'failed_event'] as const) expect(after[table], table).toEqual(before[table]);
        const input = wire(c.vars.input) as { name: string; description: string | null; rule: unknown };
        expect(created.name).toBe(input.name.trim());
        expect(created.description).toBe(input.description ?? null);
        const read = await t.gql<{ segment: { rule: unknown; name: string } }, unknown>(`query($id: ID!) { segment(id: $id) { name rule } }`, { id: created.id });
        await common(t, read);
        expect(canonical(read.data!.segment.rule)).toBe(canonical(created.rule));
      }),
      fuzzParams(RUNS),
    );
    console.info(`queries on ${kind}:`, tally);
  });

  // ---- the HTTP layer under /graphql ----

  const rawRequest = fc.oneof(
    fc.record({ contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', ''), body: fc.oneof(hostileString({ huge: true }), fc.constantFrom('{', '[]', 'null', '{"query": 1}', '{"query": "{ version }", "variables": []}', '{"query": "{ version }", "variables": "x"}', '{"query": "{ version }", "operationName": {}}', '{"query": "query { __proto__ }"}', '{"__proto__": {"polluted": 1}, "query": "{ version }"}', '{"query": "{ version }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "x"}}}')) }),
    fc.integer({ min: 100, max: 20_000 }).map((n) => ({ contentType: 'application/json', body: JSON.stringify({ query: `{ ${'customers { edges { node { '.repeat(Math.min(n, 2000))} id ${'} } }'.repeat(Math.min(n, 2000))} }` }) })),
    fc.integer({ min: 1, max: 3 }).map((n) => ({ contentType: 'application/json', body: JSON.stringify({ query: '{ version }', variables: { x: 'z'.repeat(n * 400_000) } }) })),
    deepJson.map((v) => ({ contentType: 'application/json', body: JSON.stringify({ query: 'query($r: JSON!) { previewSegment(rule: $r) { size } }', variables: { r: v } }) })),
    fc.constantFrom(2000, 20000).map((n) => ({ contentType: 'application/json', body: `{"query":"{ version }","variables":{"x":${'['.repeat(n)}${']'.repeat(n)}}}` })),
  );

  it('malformed HTTP bodies to /graphql: a 4xx or a coded GraphQL error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, async ({ contentType, body }) => {
        const before = await snapshot(t);
        const res = await fetch(t.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.keys.ADMIN}`, ...(contentType ? { 'content-type': contentType } : {}), 'apollo-require-preflight': 'true' },
          body,
        });
        const text = await res.text();
        expect(res.status, text.slice(0, 500)).toBeLessThan(500);
        let parsed: { errors?: { message: string; extensions?: Record<string, unknown> }[] } | null = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* a non-JSON 4xx is allowed only from below the API (none expected) */
        }
        expect(parsed, `not JSON: ${text.slice(0, 200)}`).not.toBeNull();
        expectClientErrors(parsed!.errors);
        if (res.status >= 400) expect(parsed!.errors?.length).toBeGreaterThan(0);
        expectNoPrototypePollution();
        await expectHealthy(t);
        expect(await snapshot(t)).toEqual(before);
      }),
      fuzzParams(Math.ceil(RUNS / 2)),
    );
  });
});
