/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares):
 * on standardised features of a few dozen columns it converges in a handful of exact steps, with no
 * learning rate to tune and the same answer on every machine. Minimises
 *   −Σ [y log p + (1 − y) log(1 − p)] / n + (λ / 2) ‖w‖²   (the intercept is not penalised).
 */

export interface LogisticModel {
  intercept: number;
  weights: number[];
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function predict(m: LogisticModel, x: readonly number[]): number {
  let z = m.intercept;
  for (let j = 0; j < m.weights.length; j++) z += m.weights[j]! * x[j]!;
  return sigmoid(z);
}

/** Solves A·x = b (A symmetric positive definite here) by Gaussian elimination with partial pivoting. */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const pivot = M[c]![c]!;
    if (Math.abs(pivot) < 1e-300) throw new Error('singular system');
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / pivot;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

export function fitLogistic(X: readonly number[][], y: readonly number[], opts: { l2?: number; maxIterations?: number; tolerance?: number } = {}): LogisticModel & { iterations: number } {
  const l2 = opts.l2 ?? 1e-3;
  const n = X.length;
  const d = X[0]?.length ?? 0;
  // θ = [intercept, w1..wd]; rows get a leading 1.
  let theta = new Array<number>(d + 1).fill(0);
  let iterations = 0;
  for (; iterations < (opts.maxIterations ?? 50); iterations++) {
    const grad = new Array<number>(d + 1).fill(0);
    const H = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const xi = [1, ...X[i]!];
      let z = 0;
      for (let j = 0; j <= d; j++) z += theta[j]! * xi[j]!;
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-12);
      for (let j = 0; j <= d; j++) {
        grad[j]! += ((p - y[i]!) * xi[j]!) / n;
        for (let k = j; k <= d; k++) H[j]![k]! += (w * xi[j]! * xi[k]!) / n;
      }
    }
    for (let j = 0; j <= d; j++) for (let k = 0; k < j; k++) H[j]![k] = H[k]![j]!;
    for (let j = 1; j <= d; j++) {
      grad[j]! += l2 * theta[j]!;
      H[j]![j]! += l2;
    }
    // Ridge on the intercept's diagonal too, tiny: keeps the system solvable when one class is nearly absent.
    H[0]![0]! += 1e-9;
    const step = solve(H, grad);
    theta = theta.map((t, j) => t - step[j]!);
    if (Math.max(...step.map(Math.abs)) < (opts.tolerance ?? 1e-8)) {
      iterations++;
      break;
    }
  }
  return { intercept: theta[0]!, weights: theta.slice(1), iterations };
}
