/**
 * Suppression of erased people: what counts as identifying, and the hash an identifier is kept under.
 * Pure, so both doors (events and CRM rows) and the eraser agree on exactly the same keys.
 */
import { createHash } from 'node:crypto';
import type { IdentityType } from '../../generated/prisma/enums.ts';

/**
 * Identifiers that name one person for good. Anonymous, device and cookie ids are left out on
 * purpose: they rotate and are shared (a family tablet), so suppressing them would silently drop the
 * next person's events; CUSTOM has no known meaning. An event or row carrying only those is accepted
 * as a stranger, and the moment it names the person (email, phone, user id) it is dropped.
 */
export const SUPPRESSED_TYPES: ReadonlySet<IdentityType> = new Set<IdentityType>(['EMAIL', 'PHONE', 'USER_ID', 'CRM_ID', 'WECHAT_OPEN_ID', 'WECHAT_UNION_ID']);

export interface SuppressionKey {
  hash: string;
  type: IdentityType;
  /** Where the identifier came from on the item (for row errors); never its value. */
  field: string;
}

/** sha256 of `${type}:${normalisedValue}`: the value itself is never stored again. */
export const suppressionHash = (type: IdentityType, normalisedValue: string): string =>
  createHash('sha256').update(`${type}:${normalisedValue}`).digest('hex');

/**
 * A CRM record id is suppressed as a CRM_ID scoped by its source system (a JSON pair cannot collide
 * with a plain CRM_ID value), so a nightly CRM re-sync cannot bring the person back.
 */
export const externalIdValue = (source: string, externalId: string): string => JSON.stringify([source, externalId]);

type Ref = { type: IdentityType; value: string };

export function suppressionKeys(identities: readonly Ref[], fieldOf: (i: Ref) => string = () => 'identities'): SuppressionKey[] {
  const out = new Map<string, SuppressionKey>();
  for (const i of identities) {
    if (!SUPPRESSED_TYPES.has(i.type)) continue;
    const hash = suppressionHash(i.type, i.value);
    if (!out.has(hash)) out.set(hash, { hash, type: i.type, field: fieldOf(i) });
  }
  return [...out.values()];
}

/** How many items carry each hash (an item counts once per hash): what each row's dropped_count grows by. */
export function countByHash(items: readonly (readonly SuppressionKey[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const keys of items) for (const k of new Set(keys.map((x) => x.hash))) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** A CRM row's keys, each naming the input field it came from (email, phone, externalId, identities). */
export function rowSuppressionKeys(row: { source: string; externalId: string | null; attributes: { email?: string | null; phone?: string | null }; identities: readonly Ref[] }): SuppressionKey[] {
  const fieldOf = (i: Ref) =>
    i.type === 'EMAIL' && i.value === row.attributes.email ? 'email' : i.type === 'PHONE' && i.value === row.attributes.phone ? 'phone' : 'identities';
  const ext = row.externalId !== null ? suppressionKeys([{ type: 'CRM_ID', value: externalIdValue(row.source, row.externalId) }], () => 'externalId') : [];
  return [...ext, ...suppressionKeys(row.identities, fieldOf)];
}
