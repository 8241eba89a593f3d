/**
 * Turns one CRM row into a normalised row or a list of field errors. Pure: the same input always gives
 * the same output, so upserts are idempotent and this is unit-tested without a database.
 */
import { ErrorCode } from '../../errors.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';
import { findUnstorableText, isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../../lib/storable-text.ts';
import { identityKey, normalizeEmail, normalizeIdentity, normalizePhone } from '../identities/identity.normalize.ts';
import { ATTRIBUTE_FIELDS, type AttributeField, type Attributes, type IdentityRef, type Traits } from './customer.model.ts';

export const MAX_ATTRIBUTE_LENGTH = 256;
export const MAX_TRAITS_BYTES = 16 * 1024;

export interface CustomerRowInput extends Partial<Record<AttributeField, string | null>> {
  externalId?: string | null;
  source?: string | null;
  identities?: { type: IdentityType; value: string }[] | null;
  traits?: Traits | null;
}

export interface NormalizedCustomerRow {
  index: number;
  source: string;
  externalId: string | null;
  /** Only the attributes the row set: undefined keeps, null clears. */
  attributes: Partial<Attributes>;
  traits: Traits | null;
  identities: IdentityRef[];
}

export interface RowError {
  index: number;
  field: string;
  code: string;
  message: string;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function normalizeBirthday(raw: string): string | null {
  const m = ISO_DATE.exec(raw.trim());
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.toISOString().slice(0, 10) !== raw.trim() || d.getTime() > Date.now()) return null;
  return raw.trim();
}

export function normalizeCustomerRow(
  input: CustomerRowInput,
  index: number,
  defaultRegion: string,
): { ok: true; row: NormalizedCustomerRow } | { ok: false; errors: RowError[] } {
  const errors: RowError[] = [];
  const error = (field: string, code: string, message: string) => errors.push({ index, field, code, message });

  // PostgreSQL cannot store U+0000 or a lone surrogate (lib/storable-text.ts): a row carrying one is a
  // bad row with a code. Before, it failed the whole batch in SQL as a 500.
  const unstorable = (['source', 'externalId', ...ATTRIBUTE_FIELDS] as const).filter((f) => typeof input[f] === 'string' && !isStorableText(input[f]));
  for (const f of unstorable) error(f, ErrorCode.BAD_USER_INPUT, `${f} ${UNSTORABLE_TEXT_MESSAGE}`);
  if (unstorable.length) return { ok: false, errors };

  const source = (input.source ?? '').trim();
  if (source.length > MAX_ATTRIBUTE_LENGTH) error('source', ErrorCode.VALUE_TOO_LONG, `at most ${MAX_ATTRIBUTE_LENGTH} characters`);
  let externalId: string | null = null;
  if (input.externalId != null) {
    externalId = input.externalId.trim();
    if (!externalId) error('externalId', ErrorCode.BAD_USER_INPUT, 'externalId must not be empty');
    else if (externalId.length > MAX_ATTRIBUTE_LENGTH) error('externalId', ErrorCode.VALUE_TOO_LONG, `at most ${MAX_ATTRIBUTE_LENGTH} characters`);
  }

  const attributes: Partial<Attributes> = {};
  for (const field of ATTRIBUTE_FIELDS) {
    const raw = input[field];
    if (raw === undefined) continue;
    if (raw === null || raw.trim() === '') {
      attributes[field] = null;
      continue;
    }
    if (field === 'email') {
      const r = normalizeEmail(raw);
      if (r.ok) attributes.email = r.value;
      else error('email', r.code, r.message);
    } else if (field === 'phone') {
      const r = normalizePhone(raw, defaultRegion);
      if (r.ok) attributes.phone = r.value;
      else error('phone', r.code, r.message);
    } else if (field === 'birthday') {
      const b = normalizeBirthday(raw);
      if (b) attributes.birthday = b;
      else error('birthday', ErrorCode.INVALID_DATE, 'birthday must be a past date written YYYY-MM-DD');
    } else {
      const v = raw.trim();
      if (v.length > MAX_ATTRIBUTE_LENGTH) error(field, ErrorCode.VALUE_TOO_LONG, `at most ${MAX_ATTRIBUTE_LENGTH} characters`);
      else attributes[field] = field === 'country' && v.length === 2 ? v.toUpperCase() : v;
    }
  }

  const identities: IdentityRef[] = [];
  const seen = new Set<string>();
  const addIdentity = (type: IdentityType, value: string) => {
    const key = identityKey(type, value);
    if (!seen.has(key)) {
      seen.add(key);
      identities.push({ type, value });
    }
  };
  (input.identities ?? []).forEach((identity, i) => {
    const r = normalizeIdentity(identity.type, identity.value, defaultRegion);
    if (r.ok) addIdentity(identity.type, r.value);
    else error(`identities.${i}.value`, r.code, r.message);
  });
  // The typed email and phone are identities too: a CRM row with an email finds the web visitor who
  // gave the same email.
  if (attributes.email) addIdentity('EMAIL', attributes.email);
  if (attributes.phone) addIdentity('PHONE', attributes.phone);

  let traits: Traits | null = null;
  if (input.traits != null) {
    const badText = typeof input.traits === 'object' ? findUnstorableText(input.traits) : null;
    if (typeof input.traits !== 'object' || Array.isArray(input.traits)) error('traits', ErrorCode.BAD_USER_INPUT, 'traits must be a JSON object');
    else if (badText !== null) error(`traits.${badText}`, ErrorCode.BAD_USER_INPUT, `traits ${UNSTORABLE_TEXT_MESSAGE}`);
    else if (Buffer.byteLength(JSON.stringify(input.traits)) > MAX_TRAITS_BYTES)
      error('traits', ErrorCode.TRAITS_TOO_LARGE, `traits must serialise to at most ${MAX_TRAITS_BYTES} bytes`);
    else traits = input.traits;
  }

  if (errors.length === 0 && externalId === null && identities.length === 0)
    error('identities', ErrorCode.BAD_USER_INPUT, 'a customer needs an externalId or at least one identity (email, phone, ...)');

  if (errors.length) return { ok: false, errors };
  return { ok: true, row: { index, source, externalId, attributes, traits, identities } };
}
