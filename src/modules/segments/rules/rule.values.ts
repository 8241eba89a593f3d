/**
 * Value semantics shared by the two evaluators. The compiler (SQL) and the evaluator (JS) both read their
 * constants and rules from here, so a change to what counts as a number, or how text compares, lands in
 * both at once.
 *
 * - A rule value's JSON type picks the comparison: a number compares numerically (exactly, as `numeric`),
 *   a string as text, a boolean only with booleans.
 * - A number in the data is a JSON number, or a string holding a plain decimal literal matched by
 *   NUMERIC_STRING ("12.5", "-3", "007"; not " 12", "1e3", "+1", ".5", "12."). Anything else is not a number.
 * - Text order is by Unicode code point (SQL: COLLATE "C"), whatever the database's locale.
 * - `contains` on text ignores case for ASCII letters only (SQL: lower() under COLLATE "C"), so the result
 *   does not depend on the database's locale either.
 */
import { compareDecimal, decimalOfNumber, parseDecimal, type Decimal } from './decimal.ts';
import { JsonNumber, type FactValue } from './exact-json.ts';

export const DAY_MS = 86_400_000;

/** Source text of the numeric-string pattern; the same text is a PostgreSQL ARE and a JS RegExp. */
export const NUMERIC_STRING = '^-?[0-9]{1,64}(\\.[0-9]{1,64})?$';
const numericString = new RegExp(NUMERIC_STRING);

/** Start of a window of `days` days ending at `now` (fixed 24-hour days, no calendar or DST). */
export const daysBefore = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

/** The numeric value of a data value, or null when it is not a number. */
export function numericOf(v: FactValue | undefined): Decimal | null {
  if (v instanceof JsonNumber) return parseDecimal(v.text);
  if (typeof v === 'number') return Number.isFinite(v) ? decimalOfNumber(v) : null;
  if (typeof v === 'string' && numericString.test(v)) return parseDecimal(v);
  return null;
}

/** Code-point order, as COLLATE "C" orders UTF-8 text. */
export function compareText(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) as -1 | 1;
}

const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** Substring test ignoring the case of ASCII letters. */
export const containsText = (haystack: string, needle: string) => asciiLower(haystack).includes(asciiLower(needle));

export type OrderOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';

export function holds(order: -1 | 0 | 1, op: OrderOp): boolean {
  switch (op) {
    case 'eq':
      return order === 0;
    case 'neq':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
  }
}

export const compareNumbers = (a: Decimal, b: Decimal) => compareDecimal(a, b);

/** Own property only: a trait named "constructor" must not find Object.prototype.constructor. */
export function own(obj: Record<string, FactValue> | null | undefined, key: string): FactValue | undefined {
  return obj && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * A date value of a rule: "YYYY-MM-DD" (midnight UTC) or an ISO date-time with Z or an offset (a local
 * time without offset would depend on the server's time zone, so it is refused). Null when invalid.
 * Both evaluators compare the instant this returns, never the text.
 */
export function parseIsoInstant(text: string): Date | null {
  const m = ISO_INSTANT.exec(text);
  if (!m) return null;
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x)));
  if (y! < 1000) return null;
  const day = new Date(Date.UTC(y!, mo! - 1, d!));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo! - 1 || day.getUTCDate() !== d) return null;
  if (h! > 23 || mi! > 59 || s! > 59) return null;
  if (m[9] !== undefined && (Number(m[9]) > 14 || Number(m[10]) > 59)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : new Date(at);
}
