import { describe, expect, it } from 'vitest';
import { jsonDepthWithin } from '../../src/graphql/json-scalars.ts';

/** A value whose arrays and objects nest exactly `levels` deep, alternating the two. */
function nested(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = i % 2 ? [1, v, null] : { a: 1, b: v };
  return v;
}

describe('jsonDepthWithin', () => {
  it('counts arrays and objects, not scalars', () => {
    for (const scalar of [null, 1, 'x', true]) expect(jsonDepthWithin(scalar, 0)).toBe(true);
    for (const levels of [1, 2, 7, 64]) {
      expect(jsonDepthWithin(nested(levels), levels), `${levels}`).toBe(true);
      expect(jsonDepthWithin(nested(levels), levels - 1), `${levels}`).toBe(false);
    }
  });

  it('measures the deepest branch, and a million levels without overflowing the stack', () => {
    expect(jsonDepthWithin({ shallow: [1], deep: nested(10) }, 10)).toBe(false);
    expect(jsonDepthWithin({ shallow: [1], deep: nested(10) }, 11)).toBe(true);
    expect(jsonDepthWithin(nested(1_000_000), 64)).toBe(false);
  });
});
