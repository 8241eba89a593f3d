/**
 * How personal data looks to a READER key: enough left to recognise a record in a support
 * conversation ("j•••@example.com", "+33•••••••78"), not enough to contact or identify the person.
 * Pure functions; the GraphQL side decides when they apply.
 */
const DOT = '•••';
/** Anything with one @ between non-blanks: masked as an email wherever it appears. */
const EMAIL_SHAPED = /^[^@\s]+@[^@\s]+$/;

export type PiiKind = 'email' | 'phone' | 'name' | 'date' | 'json';

export function maskEmail(v: string): string {
  const at = v.lastIndexOf('@');
  if (at <= 0) return maskText(v);
  return `${v[0]}${DOT}@${v.slice(at + 1)}`;
}

/** Keeps the country-code plus and the last two digits. */
export function maskPhone(v: string): string {
  const digits = v.replace(/\D/g, '');
  if (digits.length <= 4) return DOT;
  return `${v.startsWith('+') ? '+' : ''}${DOT}${digits.slice(-2)}`;
}

/** First letter only. */
export function maskText(v: string): string {
  return v.length === 0 ? v : `${[...v][0]}${DOT}`;
}

/** Trait and property keys that hold personal data (matched on the key, case- and separator-blind). */
const PII_KEY = /^(e?mail|emailaddress|phone|phonenumber|mobile|tel|telephone|name|firstname|lastname|fullname|surname|givenname|familyname|username|birthday|birthdate|dateofbirth|dob|address|addressline[12]?|street|streetaddress|postalcode|postcode|zip|zipcode|ip|ipaddress|ssn|nationalid|passport)$/;

export const isPiiKey = (key: string): boolean => PII_KEY.test(key.toLowerCase().replace(/[\s_.-]/g, ''));

/** Keys that are not in the list but still name contact data or a birth date ("workEmail", "mobile_phone_2"). */
const PII_WORD = /mail|phone|mobile|birth/;
const EMAIL_SHAPED_VALUE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * The typed customer columns that hold personal data, and how each is masked. The Customer type
 * masks them for READER keys, and READER keys may not compare, filter or group by them.
 */
export const PII_ATTRS = { email: 'email', phone: 'phone', firstName: 'name', lastName: 'name', name: 'name', birthday: 'date' } as const satisfies Record<string, PiiKind>;
export const isPiiAttr = (attr: string): boolean => Object.hasOwn(PII_ATTRS, attr);

/**
 * A trait or property key whose values READER keys see masked (maskJson) and therefore may not
 * compare or group by either: a PII key, or one that names contact data.
 */
export const isPiiJsonKey = (key: string): boolean => isPiiKey(key) || PII_WORD.test(key.toLowerCase());

/** A value READER keys see masked wherever it appears, so they may not compare with it either. */
export const isPiiShapedValue = (value: unknown): boolean =>
  Array.isArray(value) ? value.some(isPiiShapedValue) : typeof value === 'string' && EMAIL_SHAPED.test(value);

function maskLeaf(key: string, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const k = key.toLowerCase();
  if (typeof value === 'string') {
    if (/birth|^dob$/.test(k.replace(/[\s_.-]/g, ''))) return DOT; // a date of birth: nothing kept, as Customer.birthday
    if (k.includes('mail') || EMAIL_SHAPED_VALUE.test(value)) return maskEmail(value);
    if (/phone|mobile|tel/.test(k)) return maskPhone(value);
    return maskText(value);
  }
  return DOT; // numbers, objects (an address object), arrays under a PII key
}

/** A copy of a JSON value with every PII-keyed entry masked, at any depth. Never mutates the input. */
export function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson);
  if (typeof value === 'string') return EMAIL_SHAPED_VALUE.test(value) ? maskEmail(value) : value;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty: a "__proto__" key stays a plain key instead of replacing the prototype.
    // A string under a key that merely contains a contact word, or any email-shaped string, is masked
    // too; non-strings under such keys (email_opt_in: true, emails_sent: 3) are not personal data.
    const masked = isPiiKey(k) || (typeof v === 'string' && (PII_WORD.test(k.toLowerCase()) || EMAIL_SHAPED_VALUE.test(v)));
    Object.defineProperty(out, k, { value: masked ? maskLeaf(k, v) : maskJson(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Identity values READER keys see masked: emails, phones, and any id that looks like an email. */
export const isPiiIdentity = (type: string, value: string): boolean => type === 'EMAIL' || type === 'PHONE' || EMAIL_SHAPED.test(value);

/** Identity values: emails and phones masked; other ids (user ids, device ids) are pseudonymous and stay, unless they look like an email. */
export function maskIdentity(type: string, value: string): string {
  if (type === 'EMAIL' || EMAIL_SHAPED.test(value)) return maskEmail(value);
  if (type === 'PHONE') return maskPhone(value);
  return value;
}

export function maskValue(kind: PiiKind, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (kind) {
    case 'email':
      return maskEmail(String(value));
    case 'phone':
      return maskPhone(String(value));
    case 'name':
      return maskText(String(value));
    case 'date':
      return DOT;
    case 'json':
      return maskJson(value);
  }
}

/** A value as READER keys see it when it sits under `key` in a trait, property or context object (maskJson's rule for one entry). */
export function maskValueUnderKey(key: string, value: unknown): unknown {
  const holder: Record<string, unknown> = {};
  Object.defineProperty(holder, key, { value, enumerable: true });
  return (maskJson(holder) as Record<string, unknown>)[key];
}
