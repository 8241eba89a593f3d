/** Logistic regression by Newton's method and the Mann–Whitney AUC, on hand-checked cases. */
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../../src/modules/propensity/auc.ts';
import { fitLogistic, predict, sigmoid, solve } from '../../../src/modules/propensity/logistic.ts';
import { seededRandom } from '../../../src/lib/random.ts';

describe('rocAuc', () => {
  it('counts pairs, ties as one half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5], [true, false])).toBe(0.5);
    expect(rocAuc([1, 2, 3], [true, true, true])).toBeNull();
    // Brute force over every pair on random data.
    const rnd = seededRandom(9);
    const s = Array.from({ length: 200 }, () => Math.round(rnd.next() * 20) / 20);
    const y = s.map((v) => rnd.chance(v));
    let wins = 0;
    let pairs = 0;
    s.forEach((a, i) => s.forEach((b, j) => {
      if (y[i] && !y[j]) {
        pairs++;
        wins += a > b ? 1 : a === b ? 0.5 : 0;
      }
    }));
    expect(rocAuc(s, y)).toBeCloseTo(wins / pairs, 12);
  });
});

describe('logistic regression', () => {
  it('solves a linear system', () => {
    const x = solve([[4, 1], [1, 3]], [1, 2]);
    expect(x[0]).toBeCloseTo(1 / 11, 12);
    expect(x[1]).toBeCloseTo(7 / 11, 12);
  });

  it('recovers the weights of data drawn from a known model', () => {
    const rnd = seededRandom(2);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd.next())) * Math.cos(2 * Math.PI * rnd.next());
    const X = Array.from({ length: 20_000 }, () => [gauss(), gauss()]);
    const y = X.map(([a, b]) => (rnd.next() < sigmoid(-0.5 + 2 * a! - 1 * b!) ? 1 : 0));
    const m = fitLogistic(X, y, { l2: 0 });
    expect(m.intercept).toBeCloseTo(-0.5, 1);
    expect(m.weights[0]).toBeCloseTo(2, 1);
    expect(m.weights[1]).toBeCloseTo(-1, 1);
    expect(m.iterations).toBeLessThan(15);
  });

  it('has a zero gradient at the optimum, L2 included, and shrinks weights as λ grows', () => {
    const X = [[0], [1], [2], [3], [1.5], [2.5]];
    const y = [0, 0, 1, 1, 1, 0];
    const l2 = 0.1;
    const m = fitLogistic(X, y, { l2 });
    const n = X.length;
    let g0 = 0;
    let g1 = 0;
    X.forEach((x, i) => {
      const p = predict(m, x);
      g0 += (p - y[i]!) / n;
      g1 += ((p - y[i]!) * x[0]!) / n;
    });
    expect(Math.abs(g0)).toBeLessThan(1e-8);
    expect(Math.abs(g1 + l2 * m.weights[0]!)).toBeLessThan(1e-8);
    expect(Math.abs(fitLogistic(X, y, { l2: 10 }).weights[0]!)).toBeLessThan(Math.abs(m.weights[0]!));
  });
});
