/**
 * First-order Markov attribution, exactly: from the transition counts (aggregated in SQL, a matrix
 * over at most START + 13 channels), the probability of reaching CONVERSION from START solves the
 * absorbing-chain system (I − Q)·x = r, Q the transient-to-transient probabilities and r the
 * probabilities of stepping into CONVERSION. Removing a channel makes it absorb into NULL (its
 * conversion probability is 0); its removal effect is 1 − P_without / P. No simulation.
 */
import { CONVERSION, NULL_STATE, START, type Transition } from './attribution.repository.ts';

export interface MarkovResult {
  conversionProbability: number;
  /** Removal effect per channel (every channel state of the chain). */
  removalEffects: Map<string, number>;
}

export function markovRemovalEffects(transitions: Transition[]): MarkovResult {
  const channels = [...new Set(transitions.flatMap((t) => [t.src, t.dst]))].filter((s) => s !== START && s !== CONVERSION && s !== NULL_STATE).sort();
  const states = [START, ...channels];
  const index = new Map(states.map((s, i) => [s, i]));
  const outTotal = new Map<string, number>();
  for (const t of transitions) outTotal.set(t.src, (outTotal.get(t.src) ?? 0) + t.n);
  const size = states.length;
  const Q = Array.from({ length: size }, () => new Float64Array(size));
  const r = new Float64Array(size);
  for (const t of transitions) {
    const from = index.get(t.src);
    if (from === undefined) continue;
    const p = t.n / outTotal.get(t.src)!;
    if (t.dst === CONVERSION) r[from]! += p;
    else if (t.dst !== NULL_STATE) Q[from]![index.get(t.dst)!]! += p;
  }

  /** P(CONVERSION | START) with the states in `removed` made absorbing into NULL. */
  const conversionFrom = (removed: number | null): number => {
    const keep = states.map((_, i) => i).filter((i) => i !== removed);
    const x = solve(
      keep.map((i) => keep.map((j) => (i === j ? 1 : 0) - Q[i]![j]!)),
      keep.map((i) => r[i]!),
    );
    return x[0]!; // START is always kept and first
  };

  const base = conversionFrom(null);
  const removalEffects = new Map<string, number>();
  channels.forEach((c, k) => removalEffects.set(c, base > 0 ? 1 - conversionFrom(k + 1) / base : 0));
  return { conversionProbability: base, removalEffects };
}

/** Gaussian elimination with partial pivoting; A is square and non-singular ((I − Q) of an absorbing chain). */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(M[i]![col]!) > Math.abs(M[pivot]![col]!)) pivot = i;
    if (Math.abs(M[pivot]![col]!) < 1e-300) throw new Error('singular transition system');
    [M[col], M[pivot]] = [M[pivot]!, M[col]!];
    const p = M[col]!;
    for (let i = col + 1; i < n; i++) {
      const row = M[i]!;
      const f = row[col]! / p[col]!;
      if (f === 0) continue;
      for (let j = col; j <= n; j++) row[j]! -= f * p[j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= M[i]![j]! * x[j]!;
    x[i] = s / M[i]![i]!;
  }
  return x;
}
