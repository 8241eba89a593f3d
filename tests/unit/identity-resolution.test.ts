import { describe, expect, it } from 'vitest';
import type { IdentityType } from '../../src/generated/prisma/enums.ts';
import { breaksCap, planResolution, type KnownCustomer, type ResolutionSnapshot } from '../../src/modules/identities/identity-resolution.ts';

const cfg = { caps: new Map<IdentityType, number>([['USER_ID', 1]]), winner: 'user_id_then_oldest' as const };
const id = (type: IdentityType, value: string) => ({ type, value });
const ids = () => {
  let n = 0;
  return () => `new-${++n}`;
};
function known(createdAt: string, userIds: string[] = []): KnownCustomer {
  return { createdAt: new Date(createdAt), capped: new Map(userIds.length ? [['USER_ID', new Set(userIds)]] : []) };
}
function snapshot(owners: Record<string, string>, customers: Record<string, KnownCustomer>): ResolutionSnapshot {
  return { owners: new Map(Object.entries(owners)), customers: new Map(Object.entries(customers)) };
}

describe('planResolution', () => {
  it('creates one customer for unknown identities, and later events of the batch find it', () => {
    const plan = planResolution([[id('ANONYMOUS_ID', 'a')], [id('ANONYMOUS_ID', 'a'), id('EMAIL', 'x@y.co')]], snapshot({}, {}), cfg, ids());
    expect(plan.targets).toEqual(['new-1', 'new-1']);
    expect(plan.newCustomerIds).toEqual(['new-1']);
    expect(plan.identities).toEqual([
      { type: 'ANONYMOUS_ID', value: 'a', customerId: 'new-1' },
      { type: 'EMAIL', value: 'x@y.co', customerId: 'new-1' },
    ]);
  });

  it('merges customers linked by one event into the one with a user id, else the oldest', () => {
    const s = snapshot(
      { 'COOKIE:c1': 'old', 'EMAIL:e@x.co': 'young', 'USER_ID:u1': 'user' },
      { old: known('2020-01-01'), young: known('2024-01-01'), user: known('2025-01-01', ['u1']) },
    );
    const oldest = planResolution([[id('COOKIE', 'c1'), id('EMAIL', 'e@x.co')]], s, cfg, ids());
    expect(oldest.merges).toEqual([{ winnerId: 'old', loserId: 'young', reason: 'shared_identity' }]);
    expect(oldest.targets).toEqual(['old']);
    const withUser = planResolution([[id('COOKIE', 'c1'), id('USER_ID', 'u1')]], s, cfg, ids());
    expect(withUser.merges).toEqual([{ winnerId: 'user', loserId: 'old', reason: 'shared_identity' }]);
    const oldestRule = planResolution([[id('COOKIE', 'c1'), id('USER_ID', 'u1')]], s, { ...cfg, winner: 'oldest' }, ids());
    expect(oldestRule.merges).toEqual([{ winnerId: 'old', loserId: 'user', reason: 'shared_identity' }]);
  });

  it('refuses a merge that breaks a cap and records the conflict; the event goes to its user id', () => {
    const s = snapshot({ 'EMAIL:e@x.co': 'a', 'USER_ID:u1': 'a', 'USER_ID:u2': 'b' }, { a: known('2020-01-01', ['u1']), b: known('2021-01-01', ['u2']) });
    const plan = planResolution([[id('EMAIL', 'e@x.co'), id('USER_ID', 'u2')]], s, cfg, ids());
    expect(plan.merges).toEqual([]);
    expect(plan.conflicts).toEqual([{ winnerId: 'a', loserId: 'b', reason: 'cap_user_id', type: 'USER_ID' }]);
    expect(plan.targets).toEqual(['b']);
  });

  it('a new user id beside another person’s anonymous id is a new person (shared device)', () => {
    const s = snapshot({ 'ANONYMOUS_ID:tablet': 'a' }, { a: known('2020-01-01', ['u1']) });
    const plan = planResolution([[id('USER_ID', 'u2'), id('ANONYMOUS_ID', 'tablet')]], s, cfg, ids());
    expect(plan.targets).toEqual(['new-1']);
    expect(plan.identities).toEqual([{ type: 'USER_ID', value: 'u2', customerId: 'new-1' }]);
    expect(plan.merges).toEqual([]);
  });

  it('follows merges made earlier in the same batch', () => {
    const s = snapshot({ 'COOKIE:1': 'c1', 'COOKIE:2': 'c2', 'COOKIE:3': 'c3' }, { c1: known('2020-01-01'), c2: known('2021-01-01'), c3: known('2022-01-01') });
    const plan = planResolution([[id('COOKIE', '2'), id('COOKIE', '3')], [id('COOKIE', '1'), id('COOKIE', '3')]], s, cfg, ids());
    expect(plan.merges).toEqual([
      { winnerId: 'c2', loserId: 'c3', reason: 'shared_identity' },
      { winnerId: 'c1', loserId: 'c2', reason: 'shared_identity' },
    ]);
    expect(plan.targets).toEqual(['c1', 'c1']);
  });

  describe('alias previousId (Segment spec: an anonymous id or a user id the person had)', () => {
    it('a known user id: the new user id joins that person outright, beyond the USER_ID cap, with no anonymous id made up', () => {
      const s = snapshot({ 'USER_ID:u-old': 'a' }, { a: known('2020-01-01', ['u-old']) });
      const plan = planResolution([{ identities: [id('USER_ID', 'u-new')], previousId: 'u-old' }], s, cfg, ids());
      expect(plan.targets).toEqual(['a']);
      expect(plan.newCustomerIds).toEqual([]);
      expect(plan.identities).toEqual([{ type: 'USER_ID', value: 'u-new', customerId: 'a' }]);
    });

    it('two known user ids: their people merge (reason alias), not a refused conflict', () => {
      const s = snapshot({ 'USER_ID:u-old': 'a', 'USER_ID:u-new': 'b' }, { a: known('2020-01-01', ['u-old']), b: known('2021-01-01', ['u-new']) });
      const plan = planResolution([{ identities: [id('USER_ID', 'u-new')], previousId: 'u-old' }], s, cfg, ids());
      expect(plan.merges).toEqual([{ winnerId: 'a', loserId: 'b', reason: 'alias' }]);
      expect(plan.conflicts).toEqual([]);
      expect(plan.targets).toEqual(['a']);
    });

    it('a user id before an anonymous id of the same value; an anonymous id when only that is known; else a new anonymous id', () => {
      const both = snapshot({ 'USER_ID:x': 'user', 'ANONYMOUS_ID:x': 'anon' }, { user: known('2021-01-01', ['x']), anon: known('2020-01-01') });
      const toUser = planResolution([{ identities: [id('USER_ID', 'u-2')], previousId: 'x' }], both, cfg, ids());
      // Only the user id is meant: the anonymous holder of the same text is someone else, left alone.
      expect(toUser.merges).toEqual([]);
      expect(toUser.targets).toEqual(['user']);
      expect(toUser.identities).toEqual([{ type: 'USER_ID', value: 'u-2', customerId: 'user' }]);

      const anon = snapshot({ 'ANONYMOUS_ID:x': 'anon' }, { anon: known('2020-01-01') });
      const toAnon = planResolution([{ identities: [id('USER_ID', 'u-2')], previousId: 'x' }], anon, cfg, ids());
      expect(toAnon.targets).toEqual(['anon']);
      expect(toAnon.identities).toEqual([{ type: 'USER_ID', value: 'u-2', customerId: 'anon' }]);

      const none = planResolution([{ identities: [id('USER_ID', 'u-2')], previousId: 'x' }], snapshot({}, {}), cfg, ids());
      expect(none.identities).toEqual([
        { type: 'USER_ID', value: 'u-2', customerId: 'new-1' },
        { type: 'ANONYMOUS_ID', value: 'x', customerId: 'new-1' },
      ]);
    });

    it('finds a user id an earlier event of the same batch introduced', () => {
      const plan = planResolution([[id('USER_ID', 'u-old')], { identities: [id('USER_ID', 'u-new')], previousId: 'u-old' }], snapshot({}, {}), cfg, ids());
      expect(plan.targets).toEqual(['new-1', 'new-1']);
      expect(plan.identities.map((i) => [i.type, i.value])).toEqual([['USER_ID', 'u-old'], ['USER_ID', 'u-new']]);
    });

    it('an anonymous previousId does not lift the cap: a shared device still keeps two people apart', () => {
      const s = snapshot({ 'ANONYMOUS_ID:tablet': 'a' }, { a: known('2020-01-01', ['u1']) });
      const plan = planResolution([{ identities: [id('USER_ID', 'u2')], previousId: 'tablet' }], s, cfg, ids());
      expect(plan.targets).toEqual(['new-1']);
    });

    it('a person an alias put over the cap still absorbs a profile with no user id, but not another user id', () => {
      const s = snapshot(
        { 'USER_ID:u1': 'a', 'USER_ID:u2': 'a', 'COOKIE:c': 'anon', 'COOKIE:d': 'other' },
        { a: known('2020-01-01', ['u1', 'u2']), anon: known('2021-01-01'), other: known('2022-01-01', ['u3']) },
      );
      expect(planResolution([[id('USER_ID', 'u1'), id('COOKIE', 'c')]], s, cfg, ids()).merges).toEqual([{ winnerId: 'a', loserId: 'anon', reason: 'shared_identity' }]);
      expect(planResolution([[id('USER_ID', 'u1'), id('COOKIE', 'd')]], s, cfg, ids()).conflicts).toHaveLength(1);
    });
  });

  it('breaksCap: only a join that adds values beyond the cap and beyond either side', () => {
    const set = (...v: string[]) => new Set(v);
    expect(breaksCap(set('u1'), set('u2'), 1)).toBe(true);
    expect(breaksCap(set('u1'), set(), 1)).toBe(false);
    expect(breaksCap(set('u1', 'u2'), set(), 1)).toBe(false);
    expect(breaksCap(set('u1', 'u2'), set('u3'), 1)).toBe(true);
    expect(breaksCap(set('u1'), set('u2'), 2)).toBe(false);
  });
});
