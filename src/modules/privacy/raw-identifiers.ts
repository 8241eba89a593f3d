/**
 * Identifiers in an event that failed validation, read defensively (the payload may be any shape).
 * Quarantine keeps the raw payload; for an erased person that would store their email again, so
 * before quarantining the ingestion service checks these against the suppression list and drops
 * the event instead. Only the places events carry ids are read: userId, explicit identities, and the
 * email / phone of traits and context.traits.
 */
import type { IdentityType } from '../../generated/prisma/enums.ts';
import { normalizeIdentity } from '../identities/identity.normalize.ts';
import { SUPPRESSED_TYPES } from './suppression.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const idText = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

export function rawIdentifiers(raw: unknown): { type: IdentityType; value: string }[] {
  const p = obj(raw);
  if (!p) return [];
  const out: { type: IdentityType; value: string }[] = [];
  const add = (type: IdentityType, v: unknown) => {
    const value = idText(v);
    if (value !== undefined) out.push({ type, value });
  };
  add('USER_ID', p.userId);
  if (Array.isArray(p.identities))
    for (const i of p.identities) {
      const o = obj(i);
      if (o && typeof o.type === 'string') add(o.type.toUpperCase() as IdentityType, o.value);
    }
  for (const traits of [obj(p.traits), obj(obj(p.context)?.traits)]) {
    if (!traits) continue;
    add('EMAIL', traits.email);
    add('PHONE', traits.phone);
  }
  return out;
}

/** A raw payload's identifiers that can be suppressed, normalised the way stored ones are. */
export function rawSuppressible(raw: unknown, defaultRegion: string): { type: IdentityType; value: string }[] {
  return rawIdentifiers(raw).flatMap((i) => {
    if (!SUPPRESSED_TYPES.has(i.type)) return [];
    const r = normalizeIdentity(i.type, i.value, defaultRegion);
    return r.ok ? [{ type: i.type, value: r.value }] : [];
  });
}
