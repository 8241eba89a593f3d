import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableStringify } from '../../src/lib/stable-json.ts';
import { identityKey } from '../../src/modules/identities/identity.normalize.ts';
import { externalKey, type CustomerState } from '../../src/modules/customers/customer.model.ts';
import { normalizeCustomerRow, type CustomerRowInput, type NormalizedCustomerRow } from '../../src/modules/customers/customer.normalize.ts';
import { planUpsert, type ExistingSnapshot } from '../../src/modules/customers/customer.upsert-plan.ts';

const rows = (inputs: CustomerRowInput[]): NormalizedCustomerRow[] =>
  inputs.map((input, i) => {
    const r = normalizeCustomerRow(input, i, 'US');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.row;
  });

const empty = (): ExistingSnapshot => ({ byExternalId: new Map(), byIdentity: new Map(), customers: new Map() });
const ids = () => {
  let n = 0;
  return () => `new-${++n}`;
};

function state(id: string, patch: Partial<CustomerState>): CustomerState {
  return { id, source: '', externalId: null, email: null, phone: null, firstName: null, lastName: null, name: null, gender: null, birthday: null, country: null, city: null, company: null, traits: {}, ...patch };
}

describe('normalizeCustomerRow', () => {
  it('collects every field error of a row with its path', () => {
    const r = normalizeCustomerRow({ email: 'x', phone: 'y', identities: [{ type: 'EMAIL', value: 'ok@example.com' }, { type: 'PHONE', value: '1' }], birthday: '2999-01-01' }, 4, 'US');
    expect(r).toEqual({
      ok: false,
      errors: [
        { index: 4, field: 'email', code: 'INVALID_EMAIL', message: expect.any(String) },
        { index: 4, field: 'phone', code: 'INVALID_PHONE', message: expect.any(String) },
        { index: 4, field: 'birthday', code: 'INVALID_DATE', message: expect.any(String) },
        { index: 4, field: 'identities.1.value', code: 'INVALID_PHONE', message: expect.any(String) },
      ],
    });
  });

  it('needs an externalId or an identity, and traits must be an object of sane size', () => {
    expect(normalizeCustomerRow({ city: 'Paris' }, 0, 'US')).toMatchObject({ ok: false, errors: [{ field: 'identities', code: 'BAD_USER_INPUT' }] });
    expect(normalizeCustomerRow({ externalId: 'a', traits: { big: 'x'.repeat(17_000) } }, 0, 'US')).toMatchObject({ ok: false, errors: [{ code: 'TRAITS_TOO_LARGE' }] });
  });

  it('makes the typed email and phone identities too', () => {
    const [r] = rows([{ email: 'A@B.CO', phone: '4155552671' }]);
    expect(r!.identities).toEqual([{ type: 'EMAIL', value: 'a@b.co' }, { type: 'PHONE', value: '+14155552671' }]);
  });
});

describe('planUpsert', () => {
  it('matches by externalId before identities', () => {
    const existing = empty();
    existing.customers.set('c1', state('c1', { source: 'crm', externalId: 'E1' }));
    existing.customers.set('c2', state('c2', { email: 'a@b.co' }));
    existing.byExternalId.set(externalKey('crm', 'E1'), 'c1');
    existing.byIdentity.set('EMAIL:a@b.co', 'c2');
    const plan = planUpsert(rows([{ source: 'crm', externalId: 'E1', email: 'a@b.co' }]), existing, ids());
    expect(plan.results).toEqual([{ index: 0, status: 'UPDATED', customerId: 'c1' }]);
    // The email stays with the customer that already holds it; joining the two is a merge.
    expect(plan.identities).toEqual([]);
    expect(plan.writes.map((w) => [w.id, w.email])).toEqual([['c1', 'a@b.co']]);
  });

  it('does not put a row on a customer bound to another externalId of the same source', () => {
    const existing = empty();
    existing.customers.set('c1', state('c1', { source: 'crm', externalId: 'E1', email: 'shared@b.co' }));
    existing.byExternalId.set(externalKey('crm', 'E1'), 'c1');
    existing.byIdentity.set('EMAIL:shared@b.co', 'c1');
    const plan = planUpsert(rows([{ source: 'crm', externalId: 'E2', email: 'shared@b.co' }]), existing, ids());
    expect(plan.results).toEqual([{ index: 0, status: 'CREATED', customerId: 'new-1' }]);
  });

  it('reports UNCHANGED and writes nothing when a row matches what is stored', () => {
    const existing = empty();
    existing.customers.set('c1', state('c1', { source: 'crm', externalId: 'E1', city: 'Paris', traits: { a: 1, b: { c: 2 } } }));
    existing.byExternalId.set(externalKey('crm', 'E1'), 'c1');
    const plan = planUpsert(rows([{ source: 'crm', externalId: 'E1', city: ' Paris ', traits: { b: { c: 2 } } }]), existing, ids());
    expect(plan.results[0]!.status).toBe('UNCHANGED');
    expect(plan.writes).toEqual([]);
  });

  it('lets later rows of a batch find customers created by earlier ones', () => {
    const plan = planUpsert(
      rows([
        { externalId: 'X', identities: [{ type: 'USER_ID', value: 'u1' }] },
        { identities: [{ type: 'USER_ID', value: 'u1' }], city: 'Oslo' },
        { externalId: 'X', city: 'Bergen' },
      ]),
      empty(),
      ids(),
    );
    expect(plan.results.map((r) => [r.status, r.customerId])).toEqual([
      ['CREATED', 'new-1'],
      ['UPDATED', 'new-1'],
      ['UPDATED', 'new-1'],
    ]);
    expect(plan.writes).toHaveLength(1);
    expect(plan.writes[0]!.city).toBe('Bergen');
  });

  it('decides like a planner that compares whole states (same statuses, targets, writes and identities)', () => {
    const value = <T,>(xs: T[]) => fc.constantFrom(...xs);
    const traits = fc.dictionary(value(['a', 'b', 'constructor']), value<unknown>([1, 2, 'x', null, { n: 1 }, { n: 2 }, [1]]), { maxKeys: 2 });
    const existingCustomer = fc.record({
      externalId: value([null, 'E1', 'E2']),
      email: value([null, 'a@x.co', 'b@x.co']),
      city: value([null, 'Oslo', 'Paris']),
      traits,
    });
    const input = fc.record(
      {
        externalId: value([null, 'E1', 'E2', 'E3']),
        email: value([null, '', 'a@x.co', 'B@x.co']),
        city: value([null, 'Oslo', ' Paris ']),
        traits,
        identities: fc.array(fc.record({ type: value(['USER_ID' as const]), value: value(['u1', 'u2']) }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(existingCustomer, { maxLength: 3 }), fc.array(input, { maxLength: 6 }), (customers, inputs) => {
        const existing = empty();
        customers.forEach((c, i) => {
          const id = `c${i}`;
          // An externalId or email held by an earlier customer stays with it (as the unique indexes say).
          const externalId = c.externalId && !existing.byExternalId.has(externalKey('crm', c.externalId)) ? c.externalId : null;
          const email = c.email && !existing.byIdentity.has(identityKey('EMAIL', c.email)) ? c.email : null;
          existing.customers.set(id, state(id, { source: 'crm', externalId, email, city: c.city, traits: c.traits }));
          if (externalId) existing.byExternalId.set(externalKey('crm', externalId), id);
          if (email) existing.byIdentity.set(identityKey('EMAIL', email), id);
        });
        const batch = inputs.flatMap((x, i) => {
          const r = normalizeCustomerRow({ ...x, source: 'crm' }, i, 'US');
          return r.ok ? [r.row] : [];
        });
        expect(planUpsert(batch, existing, ids())).toEqual(wholeStatePlan(batch, existing, ids()));
      }),
      { numRuns: 2000, seed: 20260705 },
    );
  });
});

/** The reference: the planner as it was, comparing the whole state before and after every row. */
function wholeStatePlan(rows: NormalizedCustomerRow[], existing: ExistingSnapshot, newId: () => string) {
  const same = (a: CustomerState, b: CustomerState) => stableStringify(a) === stableStringify(b);
  const byExternalId = new Map(existing.byExternalId);
  const byIdentity = new Map(existing.byIdentity);
  const states = new Map(existing.customers);
  const createdIds = new Set<string>();
  const identities = new Map<string, { type: string; value: string; customerId: string; source: string }>();
  const results: { index: number; status: string; customerId: string }[] = [];
  for (const row of rows) {
    let target = row.externalId !== null ? byExternalId.get(externalKey(row.source, row.externalId)) : undefined;
    for (const identity of target ? [] : row.identities) {
      const candidate = byIdentity.get(identityKey(identity.type, identity.value));
      const s = candidate ? states.get(candidate) : undefined;
      if (candidate && !(row.externalId !== null && s?.externalId != null && s.source === row.source && s.externalId !== row.externalId)) {
        target = candidate;
        break;
      }
    }
    const isNew = !target;
    if (!target) {
      target = newId();
      createdIds.add(target);
      states.set(target, state(target, { source: row.source, externalId: row.externalId }));
    }
    const before = states.get(target)!;
    const after: CustomerState = { ...before, ...row.attributes, traits: row.traits ? { ...before.traits, ...row.traits } : before.traits };
    if (row.externalId !== null && before.externalId === null) Object.assign(after, { source: row.source, externalId: row.externalId });
    states.set(target, after);
    if (row.externalId !== null && after.externalId === row.externalId && after.source === row.source) byExternalId.set(externalKey(row.source, row.externalId), target);
    let added = false;
    for (const identity of row.identities) {
      const key = identityKey(identity.type, identity.value);
      if (byIdentity.has(key)) continue;
      byIdentity.set(key, target);
      identities.set(key, { ...identity, customerId: target, source: row.source });
      added = true;
    }
    results.push({ index: row.index, status: isNew ? 'CREATED' : added || !same(before, after) ? 'UPDATED' : 'UNCHANGED', customerId: target });
  }
  const writes = [...states.values()].filter((s) => createdIds.has(s.id) || !same(s, existing.customers.get(s.id)!));
  return { results, writes, createdIds, identities: [...identities.values()] };
}
