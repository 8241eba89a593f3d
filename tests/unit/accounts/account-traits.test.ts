/** The group-call trait merge (key by key, the later event time wins) and account rules in the incremental evaluator. */
import { describe, expect, it } from 'vitest';
import { mergeTraits } from '../../../src/modules/accounts/account.traits.ts';
import { evaluateRule } from '../../../src/modules/segments/rules/rule.evaluator.ts';
import { parseRule } from '../../../src/modules/segments/rules/rule.schema.ts';
import type { CustomerFacts } from '../../../src/modules/segments/rules/rule.facts.ts';
import { JsonNumber } from '../../../src/modules/segments/rules/exact-json.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const empty = { traits: {}, times: {} };

describe('mergeTraits', () => {
  it('a later call wins per key; an older call still adds the keys it alone has', () => {
    const late = { traits: { plan: 'enterprise', region: 'EU' }, occurredAt: at(30) };
    const early = { traits: { plan: 'starter', founded: 1999 }, occurredAt: at(20) };
    const expected = { plan: 'enterprise', region: 'EU', founded: 1999 };
    expect(mergeTraits(empty, [late, early]).traits).toEqual(expected);
    expect(mergeTraits(empty, [early, late]).traits).toEqual(expected);
    // One call at a time, in either order, ends the same.
    type Call = { traits: Record<string, unknown>; occurredAt: Date };
    const oneByOne = (calls: Call[]) => calls.reduce((s, c) => mergeTraits(s, [c]), empty as { traits: Record<string, unknown>; times: Record<string, string> });
    expect(oneByOne([late, early]).traits).toEqual(expected);
    expect(oneByOne([early, late]).traits).toEqual(expected);
  });

  it('says whether values changed (a re-check is needed) and whether anything must be written', () => {
    const s1 = mergeTraits(empty, [{ traits: { plan: 'pro' }, occurredAt: at(1) }]);
    expect(s1).toMatchObject({ valuesChanged: true, dirty: true });
    expect(mergeTraits(s1, [{ traits: { plan: 'pro' }, occurredAt: at(1) }])).toMatchObject({ valuesChanged: false, dirty: false });
    // Same value, later time: written (the key's time moves), but nothing to re-check.
    expect(mergeTraits(s1, [{ traits: { plan: 'pro' }, occurredAt: at(2) }])).toMatchObject({ valuesChanged: false, dirty: true });
    // An older call for a key set later changes nothing.
    expect(mergeTraits(s1, [{ traits: { plan: 'free' }, occurredAt: at(0) }])).toMatchObject({ valuesChanged: false, dirty: false, traits: { plan: 'pro' } });
  });

  it('at equal times the call applied last wins; null is stored; nested values are replaced whole', () => {
    const s = mergeTraits(empty, [
      { traits: { plan: 'a', address: { city: 'Paris', zip: '75001' } }, occurredAt: at(5) },
      { traits: { plan: 'b', address: { city: 'Lyon' }, seats: null }, occurredAt: at(5) },
    ]);
    expect(s.traits).toEqual({ plan: 'b', address: { city: 'Lyon' }, seats: null });
  });
});

describe('account rules (incremental evaluator)', () => {
  const facts = (accounts: CustomerFacts['accounts']) => ({ id: 'x', tagKeys: new Set(), segmentIds: new Set(), touchpoints: [], traits: {}, attrs: {}, accounts }) as unknown as CustomerFacts;
  const rule = (json: unknown) => {
    const r = parseRule(json);
    if (!r.ok) throw new Error(r.message);
    return r.rule;
  };
  const now = new Date();
  const two = facts([
    { groupId: 'acme', traits: { plan: 'enterprise', seats: new JsonNumber('40') } },
    { groupId: 'globex', traits: { plan: 'free', seats: new JsonNumber('400') } },
  ]);

  it('filters apply to one account; two account nodes may be met by two accounts', () => {
    const same = rule({ account: { where: [{ trait: 'plan', op: 'eq', value: 'enterprise' }, { trait: 'seats', op: 'gt', value: 100 }] } });
    const each = rule({ and: [{ account: { where: [{ trait: 'plan', op: 'eq', value: 'enterprise' }] } }, { account: { where: [{ trait: 'seats', op: 'gt', value: 100 }] } }] });
    expect(evaluateRule(same, two, now)).toBe(false);
    expect(evaluateRule(each, two, now)).toBe(true);
  });

  it('groupId, any account, and missing traits', () => {
    expect(evaluateRule(rule({ account: { groupId: 'globex' } }), two, now)).toBe(true);
    expect(evaluateRule(rule({ account: { groupId: 'Globex' } }), two, now)).toBe(false);
    expect(evaluateRule(rule({ account: {} }), two, now)).toBe(true);
    expect(evaluateRule(rule({ account: {} }), facts([]), now)).toBe(false);
    expect(evaluateRule(rule({ account: { where: [{ trait: 'region', op: 'neq', value: 'EU' }] } }), two, now)).toBe(false);
  });

  it('refuses malformed account nodes with the path', () => {
    expect(parseRule({ account: { where: [{ trait: 'plan', op: 'between', value: 1 }] } })).toMatchObject({ ok: false, path: '$.account.where[0].op' });
    expect(parseRule({ account: { groupId: '' } })).toMatchObject({ ok: false, path: '$.account.groupId' });
    expect(parseRule({ account: 'acme' })).toMatchObject({ ok: false, path: '$.account' });
  });
});
