/**
 * Segment `identify` traits update the profile: the well-known ones (email, phone, names, address,
 * company, ...) fill the typed columns, the rest merge into traits. An invalid well-known trait (a bad
 * email, say) is kept as a plain trait instead of failing the event. Identify never clears a field.
 */
import type { Db } from '../../db/client.ts';
import type { Attributes, Traits } from './customer.model.ts';
import { normalizeCustomerRow } from './customer.normalize.ts';
import { customerRepository } from './customer.repository.ts';
import { sameState } from './customer.upsert-plan.ts';

const ALIASES: Record<string, keyof Attributes> = {
  email: 'email',
  phone: 'phone',
  firstName: 'firstName',
  first_name: 'firstName',
  lastName: 'lastName',
  last_name: 'lastName',
  name: 'name',
  gender: 'gender',
  birthday: 'birthday',
  country: 'country',
  city: 'city',
};

/** Splits identify traits into typed attributes and the free remainder. */
export function splitTraits(traits: Traits, region: string): { attributes: Partial<Attributes>; rest: Traits } {
  const candidate: Partial<Record<keyof Attributes, string>> = {};
  const rest: Traits = {};
  for (const [k, v] of Object.entries(traits)) {
    const field = ALIASES[k];
    const text = field === 'phone' ? phoneText(v) : v;
    if (field && typeof text === 'string' && text.trim()) candidate[field] = text;
    else if (k === 'address' && v && typeof v === 'object' && !Array.isArray(v)) {
      const a = v as Record<string, unknown>;
      if (typeof a.city === 'string' && a.city.trim()) candidate.city = a.city;
      if (typeof a.country === 'string' && a.country.trim()) candidate.country = a.country;
      rest[k] = v;
    } else if (k === 'company' && (typeof v === 'string' || (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string'))) {
      candidate.company = typeof v === 'string' ? v : (v as { name: string }).name;
      if (typeof v !== 'string') rest[k] = v;
    } else rest[k] = v;
  }
  const first = normalizeCustomerRow({ ...candidate, externalId: 'identify' }, 0, region);
  if (first.ok) return { attributes: first.row.attributes, rest };
  for (const e of first.errors) {
    const f = e.field as keyof Attributes;
    if (candidate[f] !== undefined) {
      // As sent, so a numeric phone that is no phone stays a number among the traits.
      rest[f] = f === 'phone' ? traits.phone : candidate[f];
      delete candidate[f];
    }
  }
  const second = normalizeCustomerRow({ ...candidate, externalId: 'identify' }, 0, region);
  return { attributes: second.ok ? second.row.attributes : {}, rest };
}

/**
 * Phones often arrive as numbers from spreadsheets and CRMs; the event's PHONE identity reads them
 * (ingestion/event-identities.ts), so the profile's phone must too, or the two disagree.
 */
function phoneText(v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
}

export async function applyIdentifyTraits(tx: Db, updates: { customerId: string; traits: Traits }[], region: string): Promise<void> {
  if (updates.length === 0) return;
  const current = new Map((await customerRepository.statesByIds(tx, [...new Set(updates.map((u) => u.customerId))])).map((c) => [c.id, c]));
  const next = new Map([...current].map(([id, s]) => [id, { ...s, traits: { ...s.traits } }]));
  for (const u of updates) {
    const state = next.get(u.customerId);
    if (!state) continue;
    const { attributes, rest } = splitTraits(u.traits, region);
    for (const [k, v] of Object.entries(attributes)) if (v != null) (state as unknown as Record<string, unknown>)[k] = v;
    Object.assign(state.traits, rest);
  }
  const changed = [...next.values()].filter((s) => !sameState(s, current.get(s.id)!));
  await customerRepository.writeStates(tx, changed);
}
