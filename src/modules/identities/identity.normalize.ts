/**
 * One normalisation for every door (CRM sync, touchpoints, lookups), so " Foo@Example.COM " and
 * "foo@example.com" are one identity, and "+86 138 0013 8000" and "13800138000" (region CN) one phone.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { ErrorCode, fail, ok, type Result } from '../../errors.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../../lib/storable-text.ts';

export const MAX_IDENTITY_LENGTH = 256;
const emailSchema = z.email();

export function normalizeEmail(raw: string): Result<string> {
  const value = raw.trim().toLowerCase();
  if (value.length > MAX_IDENTITY_LENGTH) return fail(ErrorCode.VALUE_TOO_LONG, `email is longer than ${MAX_IDENTITY_LENGTH} characters`);
  if (!emailSchema.safeParse(value).success) return fail(ErrorCode.INVALID_EMAIL, 'not a valid email address');
  return ok(value);
}

export function normalizePhone(raw: string, defaultRegion: string): Result<string> {
  const trimmed = raw.trim();
  if (trimmed.length > 64) return fail(ErrorCode.INVALID_PHONE, 'not a valid phone number');
  const parsed = parsePhoneNumberFromString(trimmed, { defaultCountry: defaultRegion as CountryCode, extract: false });
  if (!parsed || !parsed.isValid()) return fail(ErrorCode.INVALID_PHONE, `not a valid phone number (default region ${defaultRegion})`);
  return ok(parsed.number);
}

export function normalizeIdentity(type: IdentityType, raw: string, defaultRegion: string): Result<string> {
  // Checked first for every type: as a lookup or lock key it failed in SQL (a 500), never matched.
  if (!isStorableText(raw)) return fail(ErrorCode.INVALID_IDENTITY, `${type} ${UNSTORABLE_TEXT_MESSAGE}`);
  if (type === 'EMAIL') return normalizeEmail(raw);
  if (type === 'PHONE') return normalizePhone(raw, defaultRegion);
  const value = raw.trim();
  if (value.length === 0) return fail(ErrorCode.INVALID_IDENTITY, `${type} must not be empty`);
  if (value.length > MAX_IDENTITY_LENGTH) return fail(ErrorCode.VALUE_TOO_LONG, `${type} is longer than ${MAX_IDENTITY_LENGTH} characters`);
  return ok(value);
}

/** The key that identifies an identity across the system (locks, maps). */
export const identityKey = (type: IdentityType, value: string) => `${type}:${value}`;
