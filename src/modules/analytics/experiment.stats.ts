/**
 * The two-proportion z-test, in plain arithmetic (a handful of numbers per query, nothing to do in SQL).
 *
 * erfc is computed to double precision, not with a short polynomial fit: the power series
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (all terms positive, no cancellation)
 * below x = 1.5, and the Laplace continued fraction for erfc above, evaluated with the modified Lentz
 * method. Against mpmath at 50 digits over x = 0, 1/16, ..., 8 the relative error
 * stayed below 1e-14 (values pinned in tests/unit/experiment-stats.test.ts), so a p-value is exact
 * to far more digits than any A/B decision needs.
 */
const SQRT_PI = Math.sqrt(Math.PI);

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) {
    // erf by the positive series; erfc = 1 − erf loses at most ~1e-15 absolute here (erfc(1.5) ≈ 0.034).
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - ((2 / SQRT_PI) * Math.exp(-x * x) * sum);
  }
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

/** P(|Z| ≥ |z|) for a standard normal Z. */
export const twoSidedP = (z: number) => erfc(Math.abs(z) / Math.SQRT2);

export interface ZTest {
  z: number;
  pValue: number;
}

/**
 * Variant (c2 of n2) against control (c1 of n1) with the pooled standard error
 * √(p̂(1−p̂)(1/n1 + 1/n2)), p̂ = (c1+c2)/(n1+n2). Null when the test is undefined: an empty group, or
 * both groups all-converted or none-converted (standard error 0).
 */
export function twoProportionZTest(c1: number, n1: number, c2: number, n2: number): ZTest | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const pooled = (c1 + c2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return null;
  const z = (c2 / n2 - c1 / n1) / se;
  return { z, pValue: twoSidedP(z) };
}
