/**
 * Where an event carries identities, in one place, so the validate step's "has any identity at all"
 * and the normalise step's extraction cannot drift apart.
 */
import type { IdentityType } from '../../generated/prisma/enums.ts';
import type { EventPayload } from './event.schema.ts';

export interface IdentityCandidate {
  type: IdentityType;
  value: string;
  /** From the `identities` list: the sender asked for it, so a bad one is an error, not noise. */
  explicit: boolean;
}

const asObject = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const asId = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** Raw candidates in a fixed order; not yet normalised, possibly duplicated. */
export function identityCandidates(p: EventPayload): IdentityCandidate[] {
  const out: IdentityCandidate[] = [];
  const add = (type: IdentityType, value: string | undefined, explicit = false) => {
    if (value !== undefined) out.push({ type, value, explicit });
  };
  add('USER_ID', p.userId);
  add('ANONYMOUS_ID', p.anonymousId);
  for (const identity of p.identities ?? []) add(identity.type, identity.value, true);
  // identify traits describe the person; group traits describe the account, so their email is not the user's.
  const traitSources = [p.type === 'IDENTIFY' ? p.traits : undefined, asObject(p.context?.traits)];
  for (const traits of traitSources) {
    if (!traits) continue;
    add('EMAIL', typeof traits.email === 'string' ? traits.email : undefined);
    // Phones often arrive as numbers from spreadsheets and CRMs.
    add('PHONE', asId(traits.phone));
  }
  add('DEVICE_ID', asId(asObject(p.context?.device)?.id));
  return out;
}

/** Whether the event names anyone at all (before normalisation decides whether the values are good). */
export function hasAnyIdentity(p: EventPayload): boolean {
  if (p.type === 'ALIAS' && p.previousId?.trim()) return true;
  return identityCandidates(p).some((c) => c.value.trim() !== '');
}
