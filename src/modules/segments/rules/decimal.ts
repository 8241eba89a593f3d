/**
 * Exact decimal arithmetic, just enough for rule evaluation: the SQL side compares and sums `numeric`
 * values exactly, so the JS side must not use doubles (0.1 + 0.2 > 0.3 in floating point, not in
 * `numeric`). A value is coef × 10^exp with a BigInt coefficient.
 */
export interface Decimal {
  readonly coef: bigint;
  readonly exp: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export const ZERO: Decimal = { coef: 0n, exp: 0 };

/** Parses decimal text ("12.50", "-3", "1e+21", "5e-7"); null for anything else. */
export function parseDecimal(text: string): Decimal | null {
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return null;
  const fraction = m[3] ?? '';
  const exponent = Number(m[4] ?? '0');
  // Only rule values (doubles, |exp| <= 324) and database text (no exponent) come here; the bound keeps 10^k cheap.
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 10_000) return null;
  const coef = BigInt(m[2]! + fraction);
  return { coef: m[1] === '-' ? -coef : coef, exp: exponent - fraction.length };
}

/** The exact value of a finite double as JSON writes it (shortest round-trip text), which is also what SQL receives. */
export function decimalOfNumber(n: number): Decimal {
  const d = parseDecimal(String(n));
  if (!d) throw new Error(`not a finite number: ${n}`);
  return d;
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp), exp];
}

export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const sa = sign(a.coef);
  const sb = sign(b.coef);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const sign = (n: bigint) => (n > 0n ? 1 : n < 0n ? -1 : 0);

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, exp] = align(a, b);
  return { coef: x + y, exp };
}
