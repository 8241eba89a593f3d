/** Revenue and currency as touchpoints store them: Decimal(18, 2) and an ISO 4217 code. */

/** Decimal(18, 2) holds 16 integer digits. */
export const MAX_ABS_AMOUNT = 1e16;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
const CURRENCY = /^[A-Z]{3}$/;

/** A finite number or numeric string within the column's range, else null. */
export function parseAmount(value: unknown): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && DECIMAL.test(value.trim())) n = Number(value.trim());
  else return null;
  return Number.isFinite(n) && Math.abs(n) < MAX_ABS_AMOUNT ? n : null;
}

/**
 * Half away from zero on the decimal digits as written: shifting through the exponent avoids
 * 1.005 * 100 === 100.49999999999999 (which Math.round would take down to 1.00).
 */
export function roundToCents(n: number): number {
  const shift = (x: number, by: number) => {
    const [mantissa, exponent = '0'] = String(x).split('e');
    return Number(`${mantissa}e${Number(exponent) + by}`);
  };
  const rounded = Math.sign(n) * shift(Math.round(shift(Math.abs(n), 2)), -2);
  return rounded === 0 ? 0 : rounded; // no -0
}

/** Upper-cased three-letter code, or null for anything else. */
export function normalizeCurrency(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const code = value.trim().toUpperCase();
  return CURRENCY.test(code) ? code : null;
}
