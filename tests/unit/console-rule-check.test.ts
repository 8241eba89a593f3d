/**
 * The console's in-browser rule check (console/src/lib/rule-check.ts) against segmentRuleSchema, the
 * JSON Schema the server serves (ruleJsonSchema(), what the `segmentRuleSchema` query answers). The
 * expected verdicts and paths come from the rule language as docs/rules.md defines it; the same rules
 * then go through the server's own validator (parseRule), which must agree, verdict and path. The
 * rules the schema cannot express (docs/rules.md: the server's check remains the authority) are listed
 * apart: the browser lets them through and the server refuses them.
 */
import { describe, expect, it } from 'vitest';
import { checkRuleJson, pointerToPath, ruleChecker } from '../../console/src/lib/rule-check.ts';
import { parseRule, ruleJsonSchema } from '../../src/modules/segments/rules/rule.schema.ts';

const check = ruleChecker(ruleJsonSchema());

/** Rules docs/rules.md allows. */
const VALID: [string, unknown][] = [
  ['an attribute comparison', { attr: 'country', op: 'eq', value: 'NL' }],
  ['all of an event count and not a tag', { and: [{ event: 'Order Completed', count: { op: 'gte', value: 2 }, withinDays: 30 }, { not: { hasTag: 'vip' } }] }],
  ['any of a trait list and last seen', { or: [{ trait: 'plan', op: 'in', value: ['pro', 'team'] }, { lastSeen: { olderThanDays: 30 } }] }],
  ['one page by type and property', { type: 'PAGE', where: [{ prop: 'name', op: 'eq', value: 'Pricing' }] }],
  ['an account with traits', { account: { groupId: 'acme', where: [{ trait: 'plan', op: 'eq', value: 'enterprise' }, { trait: 'seats', op: 'gte', value: 10 }] } }],
  ['a cluster of the latest run', { inCluster: { run: 'latest', cluster: 0 } }],
  ['a sum of revenue', { event: 'Order Completed', channel: 'WEB', sum: { prop: 'revenue', op: 'gt', value: 500 } }],
  ['exists without a value', { trait: 'email', op: 'exists' }],
  ['first seen and a segment', { and: [{ firstSeen: { newerThanDays: 7 } }, { inSegment: '00000000-0000-4000-8000-000000000000' }] }],
  ['the largest day count', { event: 'Page Viewed', withinDays: 3650 }],
];

/** Rules docs/rules.md refuses, with the JSON path of the node at fault. */
const INVALID: [string, unknown, string][] = [
  ['an unknown count op (the docs\' own example)', { and: [{ attr: 'country', op: 'eq', value: 'NL' }, { event: 'X', count: { op: 'between', value: 1 } }] }, '$.and[1].count.op'],
  ['an unknown key', { attr: 'country', op: 'eq', value: 'NL', extra: 1 }, '$.extra'],
  ['an empty and', { and: [] }, '$.and'],
  ['zero days', { event: 'X', withinDays: 0 }, '$.withinDays'],
  ['more than 3,650 days', { event: 'X', withinDays: 4000 }, '$.withinDays'],
  ['a count that is not whole', { event: 'X', count: { op: 'gte', value: 1.5 } }, '$.count.value'],
  ['an unknown attribute under not', { not: { attr: 'shoeSize', op: 'eq', value: 1 } }, '$.not.attr'],
  ['an empty tag key', { or: [{ hasTag: '' }] }, '$.or[0].hasTag'],
  ['an unknown channel', { event: 'X', channel: 'PIGEON' }, '$.channel'],
  ['a cluster above 100', { inCluster: { run: 'latest', cluster: 101 } }, '$.inCluster.cluster'],
  ['an empty list for in', { trait: 'plan', op: 'in', value: [] }, '$.value'],
  ['an unknown key in a window', { lastSeen: { olderThanDays: 10, sooner: 1 } }, '$.lastSeen.sooner'],
  ['an unknown op in the second filter', { event: 'X', where: [{ prop: 'a', op: 'eq', value: 1 }, { prop: 'b', op: 'like', value: 'x' }] }, '$.where[1].op'],
  ['a trait name over 256 characters', { trait: 'x'.repeat(257), op: 'exists' }, '$.trait'],
  ['a number where a rule goes', { and: [{ hasTag: 'vip' }, 42] }, '$.and[1]'],
  ['a node of no kind', { or: [{ hasTag: 'vip' }, { colour: 'red' }] }, '$.or[1]'],
  ['a string for a count', { event: 'X', count: { op: 'gt', value: '3' } }, '$.count.value'],
  ['an empty rule', { or: [{ hasTag: 'vip' }, {}] }, '$.or[1]'],
  ['event options with neither event nor type', { and: [{ withinDays: 3, channel: 'WEB' }] }, '$.and[0]'],
];

/** Refused by the server's checks the JSON Schema does not carry (op/value pairs, nesting limits). */
const SERVER_ONLY: [string, unknown][] = [
  ['"exists" with a value', { attr: 'country', op: 'exists', value: 'NL' }],
  ['a number column compared with text', { attr: 'lifetimeValue', op: 'gt', value: 'ten' }],
  ['eleven levels of not', [...Array(10)].reduce<unknown>((r) => ({ not: r }), { hasTag: 'vip' })],
];

describe('console rule check against segmentRuleSchema', () => {
  it.each(VALID)('accepts %s, as the server does', (_name, rule) => {
    expect(check(rule)).toBeNull();
    expect(parseRule(rule).ok).toBe(true);
  });

  it.each(INVALID)('refuses %s at the node the docs name, as the server does', (_name, rule, path) => {
    const problem = check(rule);
    expect(problem?.path).toBe(path);
    expect(problem?.message.length).toBeGreaterThan(0);
    const server = parseRule(rule);
    expect(server.ok).toBe(false);
    expect(!server.ok && server.path).toBe(path);
  });

  it.each(SERVER_ONLY)('lets %s through for the server to refuse (the schema cannot say it)', (_name, rule) => {
    expect(check(rule)).toBeNull();
    expect(parseRule(rule).ok).toBe(false);
  });

  it('says so when the JSON view does not parse, and checks the rule when it does', () => {
    expect(checkRuleJson('{"attr": "country",', check)).toMatchObject({ path: '', message: expect.stringContaining('does not parse') });
    expect(checkRuleJson('{"attr": "country", "op": "eq", "value": "NL"}', check)).toBeNull();
    expect(checkRuleJson('{"hasTag": 7}', check)).toMatchObject({ path: '$.hasTag' });
    // Of a union, the branch that took the value's type speaks: an empty list is too short, not "not a string".
    expect(check({ trait: 'plan', op: 'in', value: [] })?.message).toMatch(/too few/i);
    expect(check({ colour: 'red' })?.message).toMatch(/unknown rule.*and, or, not, attr, trait, event/);
    expect(check({})?.message).toMatch(/^unknown rule: expected one of the keys and, or/);
  });

  it('writes JSON Pointers as the server writes paths', () => {
    expect(pointerToPath('#')).toBe('$');
    expect(pointerToPath('#/and/1/count/op')).toBe('$.and[1].count.op');
    expect(pointerToPath('#/a~1b/c~0d/my%20key')).toBe('$["a/b"]["c~d"]["my key"]');
  });
});
