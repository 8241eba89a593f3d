/**
 * Decides, for a batch of normalised CRM rows and what the database already holds, which customer
 * each row lands on and what must be written. Pure and in-memory, so the database sees a handful of
 * set-based statements per batch instead of a query per row, and rows later in a batch see the
 * customers created by earlier ones.
 *
 * Matching: by (source, externalId) first, else by any identity. A customer already bound to another
 * externalId of the same source is a different person, even if they share an identity.
 */
import { stableStringify } from '../../lib/stable-json.ts';
import { identityKey } from '../identities/identity.normalize.ts';
import { ATTRIBUTE_FIELDS, externalKey, type CustomerState, type IdentityRef } from './customer.model.ts';
import type { NormalizedCustomerRow } from './customer.normalize.ts';

export type UpsertStatus = 'CREATED' | 'UPDATED' | 'UNCHANGED';

export interface ExistingSnapshot {
  /** externalKey(source, externalId) → customer id */
  byExternalId: Map<string, string>;
  /** identityKey(type, value) → customer id */
  byIdentity: Map<string, string>;
  customers: Map<string, CustomerState>;
}

export interface IdentityWrite extends IdentityRef {
  customerId: string;
  source: string;
}

export interface UpsertPlan {
  results: { index: number; status: UpsertStatus; customerId: string }[];
  /** New and changed customers, in their final state. */
  writes: CustomerState[];
  createdIds: Set<string>;
  identities: IdentityWrite[];
}

export const sameState = (a: CustomerState, b: CustomerState) => stableStringify(a) === stableStringify(b);

function emptyState(id: string, source: string, externalId: string | null): CustomerState {
  const state = { id, source, externalId, traits: {} } as CustomerState;
  for (const f of ATTRIBUTE_FIELDS) state[f] = null;
  return state;
}

/**
 * Whether applying the row changes `before`: only what the row sets is compared (its attributes, its
 * trait keys, and an externalId for a customer without one), instead of serialising both states.
 */
function changes(before: CustomerState, row: NormalizedCustomerRow): boolean {
  if (row.externalId !== null && before.externalId === null) return true;
  for (const [field, value] of Object.entries(row.attributes)) if (before[field as keyof typeof row.attributes] !== value) return true;
  if (row.traits)
    for (const [key, value] of Object.entries(row.traits))
      if (!Object.hasOwn(before.traits, key) || stableStringify(before.traits[key]) !== stableStringify(value)) return true;
  return false;
}

function apply(before: CustomerState, row: NormalizedCustomerRow): CustomerState {
  const after: CustomerState = { ...before, ...row.attributes, traits: row.traits ? { ...before.traits, ...row.traits } : before.traits };
  if (row.externalId !== null && before.externalId === null) {
    after.source = row.source;
    after.externalId = row.externalId;
  }
  return after;
}

export function planUpsert(rows: NormalizedCustomerRow[], existing: ExistingSnapshot, newId: () => string): UpsertPlan {
  const byExternalId = new Map(existing.byExternalId);
  const byIdentity = new Map(existing.byIdentity);
  const states = new Map(existing.customers);
  const createdIds = new Set<string>();
  const identities = new Map<string, IdentityWrite>();
  const results: UpsertPlan['results'] = [];
  /** Existing customers some row changed (a later row may change them back: compared again at the end). */
  const changed = new Set<string>();

  for (const row of rows) {
    let target = row.externalId !== null ? byExternalId.get(externalKey(row.source, row.externalId)) : undefined;
    if (!target) {
      for (const identity of row.identities) {
        const candidate = byIdentity.get(identityKey(identity.type, identity.value));
        if (!candidate) continue;
        const state = states.get(candidate);
        const boundElsewhere =
          row.externalId !== null && state?.externalId != null && state.source === row.source && state.externalId !== row.externalId;
        if (!boundElsewhere) {
          target = candidate;
          break;
        }
      }
    }
    const isNew = !target;
    if (!target) {
      target = newId();
      createdIds.add(target);
      states.set(target, emptyState(target, row.source, row.externalId));
    }
    const before = states.get(target)!;
    const differs = isNew || changes(before, row);
    const after = differs ? apply(before, row) : before;
    if (differs) {
      states.set(target, after);
      changed.add(target);
    }
    if (row.externalId !== null && after.externalId === row.externalId && after.source === row.source)
      byExternalId.set(externalKey(row.source, row.externalId), target);

    let addedIdentity = false;
    for (const identity of row.identities) {
      const key = identityKey(identity.type, identity.value);
      // An identity that already belongs to someone else stays there; joining two people is a merge.
      if (byIdentity.has(key)) continue;
      byIdentity.set(key, target);
      identities.set(key, { ...identity, customerId: target, source: row.source });
      addedIdentity = true;
    }
    const status: UpsertStatus = isNew ? 'CREATED' : addedIdentity || differs ? 'UPDATED' : 'UNCHANGED';
    results.push({ index: row.index, status, customerId: target });
  }

  const writes = [...states.values()].filter((s) => createdIds.has(s.id) || (changed.has(s.id) && !sameState(s, existing.customers.get(s.id)!)));
  return { results, writes, createdIds, identities: [...identities.values()] };
}
