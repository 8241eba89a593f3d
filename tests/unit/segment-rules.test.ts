import { describe, expect, it } from 'vitest';
import { addDecimal, compareDecimal, parseDecimal } from '../../src/modules/segments/rules/decimal.ts';
import { JsonNumber, parseExactJson } from '../../src/modules/segments/rules/exact-json.ts';
import {
  eventWindows,
  typeWindows,
  ruleDependsOnTime,
  ruleEventNames,
  ruleMaxWindowDays,
  ruleSegmentRefs,
  ruleTagKeys,
} from '../../src/modules/segments/rules/rule.analysis.ts';
import { compileMembers } from '../../src/modules/segments/rules/rule.compiler.sql.ts';
import { evaluateRule } from '../../src/modules/segments/rules/rule.evaluator.ts';
import type { CustomerFacts, TouchpointFacts } from '../../src/modules/segments/rules/rule.facts.ts';
import { parseRule, ruleJsonSchema, RuleSchema, type Rule } from '../../src/modules/segments/rules/rule.schema.ts';

const DOCS_EXAMPLE = {
  and: [
    { attr: 'country', op: 'eq', value: 'CN' },
    { trait: 'plan', op: 'in', value: ['pro', 'team'] },
    { event: 'Page Viewed', channel: 'WEB', count: { op: 'gt', value: 10 }, withinDays: 30 },
    {
      event: 'Order Completed',
      where: [{ prop: 'category', op: 'eq', value: 'shoes' }],
      sum: { prop: 'revenue', op: 'gt', value: 5000 },
      withinDays: 365,
    },
    { lastSeen: { olderThanDays: 60 } },
    { firstSeen: { newerThanDays: 7 } },
    { hasTag: 'vip' },
    { inSegment: 'segment-id' },
    { not: { or: [{ attr: 'email', op: 'exists' }, { hasTag: 'test' }] } },
  ],
};

const PLAYBOOK: Record<string, unknown> = {
  active: { event: 'Page Viewed', count: { op: 'gt', value: 10 }, withinDays: 30 },
  vip: { event: 'Order Completed', sum: { prop: 'revenue', op: 'gt', value: 5000 }, withinDays: 365 },
  atRisk: { lastSeen: { olderThanDays: 60 } },
  churnRisk: { not: { event: 'Login', count: { op: 'gte', value: 1 }, withinDays: 7 } },
  newThisWeek: { firstSeen: { newerThanDays: 7 } },
};

const nest = (depth: number): unknown => (depth === 1 ? { hasTag: 'x' } : { not: nest(depth - 1) });

describe('parseRule', () => {
  it('accepts the example of docs/rules.md as is', () => {
    expect(parseRule(DOCS_EXAMPLE)).toEqual({ ok: true, rule: DOCS_EXAMPLE });
    expect(RuleSchema.safeParse(DOCS_EXAMPLE).success).toBe(true);
  });

  it.each(Object.entries(PLAYBOOK))('accepts the playbook rule %s', (_name, rule) => {
    expect(parseRule(rule)).toEqual({ ok: true, rule });
  });

  it('accepts every op where it makes sense', () => {
    const ok: unknown[] = [
      { attr: 'email', op: 'exists' },
      { attr: 'city', op: 'contains', value: 'bei' },
      { attr: 'lastName', op: 'gte', value: 'M' },
      { attr: 'lifetimeValue', op: 'gte', value: 99.5 },
      { attr: 'orderCount', op: 'in', value: [1, 2, 3] },
      { attr: 'birthday', op: 'lt', value: '2000-01-01' },
      { attr: 'createdAt', op: 'gte', value: '2025-01-01T08:00:00+08:00' },
      { attr: 'lastSeenAt', op: 'in', value: ['2025-01-01T00:00:00.123Z'] },
      { trait: 'score', op: 'gt', value: 12.5 },
      { trait: 'beta', op: 'eq', value: true },
      { trait: 'labels', op: 'contains', value: 3 },
      { trait: 'plan', op: 'in', value: ['pro', 1, false] },
      { event: 'X', where: [], withinDays: 3650 },
      { event: 'X', where: [{ prop: 'revenue', op: 'in', value: [1, 2] }, { prop: 'sku', op: 'exists' }], count: { op: 'eq', value: 0 } },
      { lastSeen: { olderThanDays: 30, newerThanDays: 60 } },
      { or: [{ hasTag: 'a' }] },
      nest(10),
      { or: Array.from({ length: 49 }, () => ({ hasTag: 'x' })) },
    ];
    for (const rule of ok) expect(parseRule(rule), JSON.stringify(rule)).toEqual({ ok: true, rule });
  });

  const rejects: [string, unknown, string, RegExp][] = [
    ['an unknown count op', { and: [{ attr: 'country', op: 'eq', value: 'CN' }, { event: 'X', count: { op: 'between', value: 1 } }] }, '$.and[1].count.op', /op must be one of eq, neq, gt, gte, lt, lte/],
    ['an unknown attribute', { attr: 'favouriteColour', op: 'eq', value: 'red' }, '$.attr', /unknown attribute "favouriteColour"/],
    ['a missing value', { not: { trait: 'plan', op: 'eq' } }, '$.not.value', /value is required for op "eq"/],
    ['a value with exists', { attr: 'email', op: 'exists', value: 'x' }, '$.value', /takes no value/],
    ['in without an array', { trait: 'plan', op: 'in', value: 'pro' }, '$.value', /array/],
    ['an array without in', { trait: 'plan', op: 'eq', value: ['pro'] }, '$.value', /single value/],
    ['an empty in', { trait: 'plan', op: 'in', value: [] }, '$.value', /at least one/],
    ['an unknown op', { trait: 'plan', op: 'like', value: 'p%' }, '$.op', /op must be one of/],
    ['a string for a number column', { attr: 'orderCount', op: 'gt', value: '3' }, '$.value', /a number/],
    ['a bad date', { attr: 'birthday', op: 'eq', value: '2023-02-29' }, '$.value', /ISO date/],
    ['a date-time without offset', { attr: 'createdAt', op: 'gt', value: '2025-01-01T08:00:00' }, '$.value', /ISO date/],
    ['contains on a number column', { attr: 'lifetimeValue', op: 'contains', value: 5 }, '$.op', /applies to text/],
    ['contains on revenue', { event: 'X', where: [{ prop: 'revenue', op: 'contains', value: '5' }] }, '$.where[0].op', /applies to text/],
    ['a string for revenue', { event: 'X', where: [{ prop: 'x', op: 'eq', value: 1 }, { prop: 'revenue', op: 'gt', value: '5' }] }, '$.where[1].value', /a number/],
    ['gt on a boolean', { trait: 'beta', op: 'gt', value: true }, '$.op', /boolean/],
    ['an object value', { trait: 'x', op: 'eq', value: { a: 1 } }, '$.value', /string, number, boolean/],
    ['a too long string', { trait: 'x', op: 'eq', value: 'x'.repeat(257) }, '$.value', /256/],
    ['a too long string in a list', { trait: 'x', op: 'in', value: ['a', 'x'.repeat(257)] }, '$.value[1]', /256/],
    ['a too long list', { trait: 'x', op: 'in', value: Array.from({ length: 101 }, (_, i) => i) }, '$.value', /100/],
    ['U+0000 in a string', { hasTag: 'a\u0000b' }, '$.hasTag', /U\+0000/],
    ['an empty tag key', { hasTag: '' }, '$.hasTag', /empty/],
    ['withinDays 0', { event: 'X', withinDays: 0 }, '$.withinDays', /between 1 and 3650/],
    ['withinDays 3651', { event: 'X', withinDays: 3651 }, '$.withinDays', /between 1 and 3650/],
    ['fractional days', { lastSeen: { olderThanDays: 1.5 } }, '$.lastSeen.olderThanDays', /whole number/],
    ['an empty seen window', { firstSeen: {} }, '$.firstSeen', /olderThanDays or newerThanDays/],
    ['a negative count', { event: 'X', count: { op: 'gt', value: -1 } }, '$.count.value', /./],
    ['a sum without prop', { event: 'X', sum: { op: 'gt', value: 1 } }, '$.sum.prop', /./],
    ['an unknown channel', { event: 'X', channel: 'FAX' }, '$.channel', /channel must be one of/],
    ['an unknown touchpoint type', { type: 'CLICK' }, '$.type', /type must be one of TRACK, PAGE/],
    ['an event condition with neither event nor type', { event: undefined, count: { op: 'gt', value: 1 } }, '$.event', /needs "event", "type" or both/],
    ['type beside another kind', { hasTag: 'a', type: 'PAGE' }, '$', /exactly one/],
    ['an unknown key on a leaf', { event: 'X', withinDay: 7 }, '$.withinDay', /unknown key "withinDay"/],
    ['an unknown key on and', { and: [{ hasTag: 'a' }], note: 'x' }, '$.note', /unknown key "note"/],
    ['an empty and', { not: { and: [] } }, '$.not.and', /at least one/],
    ['and without an array', { and: { hasTag: 'a' } }, '$.and', /array/],
    ['two kinds in one node', { attr: 'country', trait: 'country', op: 'eq', value: 'CN' }, '$', /exactly one/],
    ['an unknown node', { or: [{ hasTag: 'a' }, { segment: 'x' }] }, '$.or[1]', /unknown rule/],
    ['a non-object', { or: [{ hasTag: 'a' }, 'vip'] }, '$.or[1]', /expected a rule object/],
    ['null', null, '$', /expected a rule object/],
    ['nesting deeper than 10', nest(11), `$${'.not'.repeat(10)}`, /at most 10 levels/],
    ['more than 50 nodes', { or: Array.from({ length: 50 }, () => ({ hasTag: 'x' })) }, '$.or[49]', /at most 50 nodes/],
  ];
  it.each(rejects)('rejects %s, naming the node', (_name, rule, path, message) => {
    const r = parseRule(rule);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.path).toBe(path);
    expect(r.message).toMatch(message);
  });

  it('names a key that is not an identifier in bracket form', () => {
    expect(parseRule({ event: 'X', where: [{ prop: 'a', op: 'eq', value: 1, 'my key': 1 }] })).toMatchObject({ ok: false, path: '$.where[0]["my key"]' });
  });

  it('stops at the depth limit without walking a hostile depth', () => {
    let deep: unknown = { hasTag: 'x' };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    expect(parseRule(deep)).toMatchObject({ ok: false, message: expect.stringMatching(/10 levels/) });
  });
});

describe('ruleJsonSchema', () => {
  it('is the JSON Schema of the AST, with descriptions for editors', () => {
    const schema = ruleJsonSchema();
    const text = JSON.stringify(schema);
    expect(schema.$schema).toMatch(/json-schema/);
    expect(schema.anyOf).toHaveLength(12);
    for (const key of ['"and"', '"or"', '"not"', '"attr"', '"trait"', '"event"', '"lastSeen"', '"firstSeen"', '"hasTag"', '"inSegment"', '"account"', '"inCluster"', '"withinDays"', '"rfmTier"', '"churnProbability"']) {
      expect(text).toContain(key);
    }
    expect(text).toContain('"maximum":3650');
    expect(text).toContain('"description"');
    expect(text).toContain('"$ref":"#"');
  });
});

describe('rule analysis', () => {
  const rule = parseRule(DOCS_EXAMPLE);
  if (!rule.ok) throw new Error('example');
  it('lists what a rule reads', () => {
    expect(ruleEventNames(rule.rule)).toEqual(['Page Viewed', 'Order Completed']);
    expect(ruleMaxWindowDays(rule.rule)).toBe(365);
    expect(ruleSegmentRefs(rule.rule)).toEqual(['segment-id']);
    expect(ruleTagKeys(rule.rule)).toEqual(['vip', 'test']);
  });
  it('knows which rules move with time', () => {
    expect(ruleDependsOnTime(rule.rule)).toBe(true);
    expect(ruleDependsOnTime({ not: { lastSeen: { olderThanDays: 3 } } })).toBe(true);
    expect(ruleDependsOnTime({ event: 'X', count: { op: 'gt', value: 3 } })).toBe(false);
    expect(ruleDependsOnTime({ and: [{ attr: 'createdAt', op: 'gt', value: '2025-01-01' }, { hasTag: 'x' }] })).toBe(false);
  });
  it('gives windows: 0 without events, Infinity when one reads all history', () => {
    expect(ruleMaxWindowDays({ hasTag: 'x' })).toBe(0);
    expect(ruleMaxWindowDays({ or: [{ event: 'A', withinDays: 7 }, { event: 'B' }] })).toBe(Infinity);
    expect(eventWindows([{ event: 'A', withinDays: 7 }, { or: [{ event: 'A', withinDays: 30 }, { event: 'B' }] }])).toEqual(
      new Map([
        ['A', 30],
        ['B', Infinity],
      ]),
    );
    // Conditions by type alone get their own windows; an event with a type is loaded by its event.
    const byType: Rule[] = [{ type: 'PAGE', withinDays: 30 }, { or: [{ type: 'PAGE', withinDays: 7 }, { event: 'C', type: 'SCREEN' }] }];
    expect(typeWindows(byType)).toEqual(new Map([['PAGE', 30]]));
    expect(eventWindows(byType)).toEqual(new Map([['C', Infinity]]));
    expect(ruleDependsOnTime({ type: 'PAGE', withinDays: 30 })).toBe(true);
  });
});

describe('compileMembers', () => {
  it('sends every rule value as a parameter, never as SQL text', () => {
    const evil = `x'); DROP TABLE customer; --`;
    const rule: Rule = {
      and: [
        { trait: evil, op: 'eq', value: evil },
        { event: evil, where: [{ prop: evil, op: 'contains', value: evil }], sum: { prop: evil, op: 'gt', value: 1 } },
        { hasTag: evil },
        { inSegment: evil },
        { attr: 'city', op: 'in', value: [evil] },
      ],
    };
    const q = compileMembers(rule, { now: new Date('2025-01-01T00:00:00Z'), customerIds: [evil] });
    expect(q.sql).not.toContain('DROP');
    expect(q.values).toContain(evil);
    expect(q.sql).not.toMatch(/\bnow\(\)/i);
  });

  it('refuses an invalid clock', () => {
    expect(() => compileMembers({ hasTag: 'x' }, { now: new Date(NaN) })).toThrow(/now/);
  });
});

describe('exact numbers', () => {
  it('parses JSON keeping the text of every number', () => {
    const v = parseExactJson('{"a": 12.50000000000000001, "b": [-1, 2e3, "3", "-4\\"5"], "c": {"d": null, "e": true}, "f": "x\\\\"}');
    expect(v).toEqual({
      a: new JsonNumber('12.50000000000000001'),
      b: [new JsonNumber('-1'), new JsonNumber('2e3'), '3', '-4"5'],
      c: { d: null, e: true },
      f: 'x\\',
    });
  });
  it('adds and compares decimals exactly', () => {
    const d = (s: string) => parseDecimal(s)!;
    expect(compareDecimal(addDecimal(d('0.1'), d('0.2')), d('0.3'))).toBe(0);
    expect(compareDecimal(d('12.50000000000000001'), d('12.5'))).toBe(1);
    expect(compareDecimal(d('-1e+21'), d('-999999999999999999999'))).toBe(-1);
    expect(compareDecimal(d('0.00'), d('-0'))).toBe(0);
    expect(parseDecimal(' 1')).toBeNull();
  });
});

// ---- the evaluator on hand-made facts ----

const NOW = new Date('2025-06-15T12:00:00.000Z');
const ago = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
const tp = (event: string, days: number, properties: TouchpointFacts['properties'] = {}, extra: Partial<TouchpointFacts> = {}): TouchpointFacts => ({
  event,
  type: event === 'Page Viewed' ? 'PAGE' : 'TRACK',
  channel: 'WEB',
  occurredAt: ago(days),
  revenue: null,
  properties,
  ...extra,
});
const facts = (patch: Partial<Omit<CustomerFacts, 'attrs'>> & { attrs?: Partial<CustomerFacts['attrs']> } = {}): CustomerFacts => ({
  id: '00000000-0000-4000-8000-000000000001',
  tagKeys: new Set(),
  segmentIds: new Set(),
  touchpoints: [],
  traits: {},
  ...patch,
  attrs: {
    email: null,
    phone: null,
    firstName: null,
    lastName: null,
    name: null,
    gender: null,
    birthday: null,
    country: null,
    city: null,
    company: null,
    externalId: null,
    source: '',
    lifetimeValue: '0.00',
    orderCount: 0,
    touchpointCount: 0,
    createdAt: ago(100),
    firstSeenAt: null,
    lastSeenAt: null,
    rfmTier: null,
    ...patch.attrs,
  },
});
const check = (rule: Rule, f: CustomerFacts) => {
  expect(parseRule(rule), JSON.stringify(rule)).toMatchObject({ ok: true });
  return evaluateRule(rule, f, NOW);
};

describe('evaluateRule', () => {
  it('reads clusters by run reference and propensity scores as numbers', () => {
    const run = '0F8FAD5B-D9CB-469F-A165-70867728950E';
    const f = facts({ clusters: new Map([['latest', 2], [run.toLowerCase(), 1]]), attrs: { churnProbability: '0.712345' } });
    expect(check({ inCluster: { run: 'latest', cluster: 2 } }, f)).toBe(true);
    expect(check({ inCluster: { run, cluster: 1 } }, f)).toBe(true);
    expect(check({ inCluster: { run, cluster: 2 } }, f)).toBe(false);
    expect(check({ inCluster: { run: 'latest', cluster: 0 } }, facts())).toBe(false);
    expect(check({ attr: 'churnProbability', op: 'gt', value: 0.7 }, f)).toBe(true);
    expect(check({ attr: 'churnProbability', op: 'gt', value: 0.712345 }, f)).toBe(false);
    expect(check({ attr: 'conversionProbability', op: 'lt', value: 1 }, f)).toBe(false);
    expect(parseRule({ inCluster: { run: 'latest', cluster: 1.5 } })).toMatchObject({ ok: false, path: '$.inCluster.cluster' });
    expect(parseRule({ inCluster: { run: '', cluster: 1 } })).toMatchObject({ ok: false, path: '$.inCluster.run' });
  });

  it('treats a missing value as matching no comparison, neq included', () => {
    const f = facts();
    expect(check({ attr: 'country', op: 'eq', value: 'CN' }, f)).toBe(false);
    expect(check({ attr: 'country', op: 'neq', value: 'CN' }, f)).toBe(false);
    expect(check({ not: { attr: 'country', op: 'eq', value: 'CN' } }, f)).toBe(true);
    expect(check({ attr: 'country', op: 'exists' }, f)).toBe(false);
    expect(check({ trait: 'plan', op: 'neq', value: 'pro' }, facts({ traits: { plan: null } }))).toBe(false);
    expect(check({ trait: 'plan', op: 'exists' }, facts({ traits: { plan: null } }))).toBe(false);
    expect(check({ trait: 'plan', op: 'exists' }, facts({ traits: { plan: '' } }))).toBe(true);
    expect(check({ trait: 'toString', op: 'exists' }, f)).toBe(false);
  });

  it('compares text exactly, in code-point order, and contains folds ASCII case only', () => {
    const f = facts({ attrs: { city: 'München', firstName: '😀' } });
    expect(check({ attr: 'city', op: 'eq', value: 'münchen' }, f)).toBe(false);
    expect(check({ attr: 'city', op: 'contains', value: 'mün' }, f)).toBe(true);
    expect(check({ attr: 'city', op: 'contains', value: 'MÜN' }, f)).toBe(false);
    expect(check({ attr: 'city', op: 'in', value: ['Paris', 'München'] }, f)).toBe(true);
    expect(check({ attr: 'firstName', op: 'gt', value: '\uFF21' }, f)).toBe(true);
    expect(check({ attr: 'city', op: 'lt', value: 'Z' }, f)).toBe(true);
  });

  it('compares numeric columns and dates exactly', () => {
    const f = facts({ attrs: { lifetimeValue: '5000.10', orderCount: 3, birthday: new Date('1990-05-01T00:00:00Z'), lastSeenAt: ago(2) } });
    expect(check({ attr: 'lifetimeValue', op: 'gt', value: 5000.1 }, f)).toBe(false);
    expect(check({ attr: 'lifetimeValue', op: 'gte', value: 5000.1 }, f)).toBe(true);
    expect(check({ attr: 'orderCount', op: 'in', value: [1, 3] }, f)).toBe(true);
    expect(check({ attr: 'birthday', op: 'eq', value: '1990-05-01' }, f)).toBe(true);
    expect(check({ attr: 'birthday', op: 'eq', value: '1990-05-01T08:00:00+08:00' }, f)).toBe(true);
    expect(check({ attr: 'lastSeenAt', op: 'gt', value: ago(3).toISOString() }, f)).toBe(true);
  });

  it('types trait comparisons by the rule value: numbers (numeric strings too), strings, booleans', () => {
    const f = facts({ traits: { score: '12.5', padded: ' 12', sci: '1e3', exact: new JsonNumber('12.50000000000000001'), beta: true, flag: 'true', n: 7 } });
    expect(check({ trait: 'score', op: 'eq', value: 12.5 }, f)).toBe(true);
    expect(check({ trait: 'score', op: 'gt', value: 12 }, f)).toBe(true);
    expect(check({ trait: 'score', op: 'eq', value: '12.5' }, f)).toBe(true);
    expect(check({ trait: 'n', op: 'eq', value: '7' }, f)).toBe(false);
    expect(check({ trait: 'padded', op: 'eq', value: 12 }, f)).toBe(false);
    expect(check({ trait: 'sci', op: 'eq', value: 1000 }, f)).toBe(false);
    expect(check({ trait: 'exact', op: 'gt', value: 12.5 }, f)).toBe(true);
    expect(check({ trait: 'beta', op: 'eq', value: true }, f)).toBe(true);
    expect(check({ trait: 'flag', op: 'eq', value: true }, f)).toBe(false);
    expect(check({ trait: 'flag', op: 'neq', value: true }, f)).toBe(false);
    expect(check({ trait: 'n', op: 'in', value: ['7', 7] }, f)).toBe(true);
  });

  it('contains: substring on text, element equality on arrays', () => {
    const f = facts({ traits: { bio: 'Loves SHOES', tags: ['Shoes', 2, '3.0', null], nested: [['shoes']] } });
    expect(check({ trait: 'bio', op: 'contains', value: 'shoe' }, f)).toBe(true);
    expect(check({ trait: 'tags', op: 'contains', value: 'Shoes' }, f)).toBe(true);
    expect(check({ trait: 'tags', op: 'contains', value: 'shoes' }, f)).toBe(false);
    expect(check({ trait: 'tags', op: 'contains', value: 3 }, f)).toBe(true);
    expect(check({ trait: 'tags', op: 'contains', value: 2 }, f)).toBe(true);
    expect(check({ trait: 'nested', op: 'contains', value: 'shoes' }, f)).toBe(false);
    expect(check({ trait: 'bio', op: 'contains', value: 5 }, f)).toBe(false);
  });

  it('counts and sums matching touchpoints within the window, boundary included', () => {
    const f = facts({
      touchpoints: [
        tp('Order Completed', 1, { amount: 0.1, category: 'shoes' }, { revenue: '0.10' }),
        tp('Order Completed', 30, { amount: 0.2, category: 'shoes' }, { revenue: '0.20', channel: 'APP' }),
        tp('Order Completed', 31, { amount: '100', category: 'bags' }, { revenue: '100.00' }),
        tp('Order Completed', 2, { amount: 'n/a' }),
        tp('Login', 8),
      ],
    });
    expect(check({ event: 'Order Completed', withinDays: 30, sum: { prop: 'amount', op: 'eq', value: 0.3 } }, f)).toBe(true);
    expect(check({ event: 'Order Completed', withinDays: 30, sum: { prop: 'revenue', op: 'eq', value: 0.3 } }, f)).toBe(true);
    expect(check({ event: 'Order Completed', sum: { prop: 'amount', op: 'eq', value: 100.3 } }, f)).toBe(true);
    expect(check({ event: 'Order Completed', withinDays: 30, count: { op: 'eq', value: 3 } }, f)).toBe(true);
    expect(check({ event: 'Order Completed', channel: 'APP', count: { op: 'eq', value: 1 } }, f)).toBe(true);
    expect(check({ event: 'Order Completed', where: [{ prop: 'category', op: 'eq', value: 'shoes' }], count: { op: 'eq', value: 2 } }, f)).toBe(true);
    expect(check({ event: 'Order Completed', where: [{ prop: 'revenue', op: 'gte', value: 100 }] }, f)).toBe(true);
    expect(check({ event: 'Order Completed', where: [{ prop: 'revenue', op: 'exists' }], count: { op: 'eq', value: 3 } }, f)).toBe(true);
    // With count and sum both must hold; with neither, at least one touchpoint.
    expect(check({ event: 'Order Completed', count: { op: 'gte', value: 1 }, sum: { prop: 'amount', op: 'gt', value: 1000 } }, f)).toBe(false);
    expect(check({ event: 'Login', withinDays: 7 }, f)).toBe(false);
    expect(check({ event: 'Login', withinDays: 8 }, f)).toBe(true);
    expect(check({ not: { event: 'Login', count: { op: 'gte', value: 1 }, withinDays: 7 } }, f)).toBe(true);
    // A sum over nothing is 0.
    expect(check({ event: 'Refund', sum: { prop: 'revenue', op: 'eq', value: 0 } }, f)).toBe(true);
  });

  it('selects touchpoints by type, with or without an event name', () => {
    const f = facts({
      touchpoints: [
        tp('Page Viewed', 1, { name: 'Home' }),
        tp('Page Viewed', 2, { name: 'Cart' }),
        tp('Page Viewed', 40, { name: 'Home' }, { type: 'TRACK' }), // a track call named like a page view
        tp('Screen Viewed', 3, {}, { type: 'SCREEN' }),
        tp('Order Completed', 1),
      ],
    });
    expect(check({ type: 'PAGE', count: { op: 'eq', value: 2 } }, f)).toBe(true);
    expect(check({ event: 'Page Viewed', count: { op: 'eq', value: 3 } }, f)).toBe(true);
    expect(check({ event: 'Page Viewed', type: 'TRACK', count: { op: 'eq', value: 1 } }, f)).toBe(true);
    expect(check({ type: 'PAGE', where: [{ prop: 'name', op: 'eq', value: 'Home' }], count: { op: 'eq', value: 1 } }, f)).toBe(true);
    expect(check({ type: 'SCREEN', withinDays: 2 }, f)).toBe(false);
    expect(check({ type: 'TRACK', count: { op: 'eq', value: 2 } }, f)).toBe(true);
    expect(check({ type: 'IDENTIFY' }, f)).toBe(false);
  });

  it('lastSeen/firstSeen: never seen is false; newer includes the boundary, older excludes it', () => {
    expect(check({ lastSeen: { olderThanDays: 60 } }, facts())).toBe(false);
    expect(check({ lastSeen: { newerThanDays: 60 } }, facts())).toBe(false);
    const f = facts({ attrs: { firstSeenAt: ago(90), lastSeenAt: ago(60) } });
    expect(check({ lastSeen: { olderThanDays: 60 } }, f)).toBe(false);
    expect(check({ lastSeen: { newerThanDays: 60 } }, f)).toBe(true);
    expect(check({ firstSeen: { olderThanDays: 60, newerThanDays: 120 } }, f)).toBe(true);
    expect(check({ firstSeen: { newerThanDays: 7 } }, f)).toBe(false);
  });

  it('hasTag, inSegment (ids in any case), and/or/not', () => {
    const seg = 'AB1C0D2E-0000-4000-8000-00000000000F';
    const f = facts({ tagKeys: new Set(['vip']), segmentIds: new Set([seg.toLowerCase()]) });
    expect(check({ hasTag: 'vip' }, f)).toBe(true);
    expect(check({ hasTag: 'VIP' }, f)).toBe(false);
    expect(check({ inSegment: seg }, f)).toBe(true);
    expect(check({ inSegment: 'segment-id' }, f)).toBe(false);
    expect(check({ and: [{ hasTag: 'vip' }, { not: { hasTag: 'test' } }] }, f)).toBe(true);
    expect(check({ or: [{ hasTag: 'test' }, { attr: 'email', op: 'exists' }] }, f)).toBe(false);
  });
});
