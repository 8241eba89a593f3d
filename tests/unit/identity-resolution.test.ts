import { describe, expect, it } from 'vitest';
import type { IdentityType } from '../../src/generated/prisma/enums.ts';
import { planResolution, type KnownCustomer, type ResolutionSnapshot } from '../../src/modules/identities/identity-resolution.ts';

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
});
