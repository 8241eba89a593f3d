/**
 * Reference values from mpmath at 50 significant digits (mpmath.erfc, and the pooled two-proportion z
 * computed in mpmath arithmetic), rounded to 17 digits here.
 */
import { describe, expect, it } from 'vitest';
import { erfc, twoProportionZTest, twoSidedP } from '../../src/modules/analytics/experiment.stats.ts';

const ERFC: [number, number][] = [
  [0, 1.0],
  [0.1, 0.8875370839817151],
  [0.25, 0.72367360983176307],
  [0.5, 0.47950012218695346],
  [1, 0.15729920705028513],
  [1.25, 0.07709987174354177],
  [1.4375, 0.042059393943539936],
  [1.5, 0.033894853524689273],
  [1.75, 0.013328328780817556],
  [2, 0.0046777349810472658],
  [2.25, 0.0014627165866811517],
  [2.4375, 0.00056654325458016491],
  [2.5, 0.00040695201744495894],
  [3, 2.2090496998585441e-5],
  [3.5, 7.4309837234141275e-7],
  [4, 1.5417257900280019e-8],
  [5, 1.5374597944280349e-12],
  [6, 2.1519736712498913e-17],
  [7, 4.1838256077794144e-23],
  [8, 1.1224297172982927e-29]
];

describe('erfc and the two-proportion z-test', () => {
  it('erfc matches mpmath to 1e-13 relative over [0, 8], and is symmetric', () => {
    for (const [x, want] of ERFC) expect(Math.abs(erfc(x) - want) / want, `erfc(${x})`).toBeLessThan(1e-13);
    expect(erfc(-1)).toBeCloseTo(2 - ERFC.find(([x]) => x === 1)![1], 15);
    expect(twoSidedP(0)).toBe(1);
    expect(twoSidedP(1.959963984540054)).toBeCloseTo(0.05, 12);
  });

  it('200/1000 vs 250/1000: z = 2.6773977630083295, p = 0.0074196492610256749', () => {
    const t = twoProportionZTest(200, 1000, 250, 1000)!;
    expect(t.z).toBeCloseTo(2.6773977630083295, 12);
    expect(Math.abs(t.pValue - 0.0074196492610256749)).toBeLessThan(1e-15);
    const back = twoProportionZTest(250, 1000, 200, 1000)!;
    expect(back.z).toBeCloseTo(-t.z, 12);
    expect(back.pValue).toBeCloseTo(t.pValue, 15);
  });

  it('is undefined without variance or without people', () => {
    expect(twoProportionZTest(0, 10, 0, 20)).toBeNull();
    expect(twoProportionZTest(10, 10, 20, 20)).toBeNull();
    expect(twoProportionZTest(0, 0, 1, 2)).toBeNull();
  });
});
