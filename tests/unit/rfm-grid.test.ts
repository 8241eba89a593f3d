import { describe, expect, it } from 'vitest';
import { RFM_GRID, RFM_TIERS, rfmTier, tiersOfCell } from '../../src/modules/analytics/rfm.grid.ts';

describe('the RFM tier grid', () => {
  it('maps every (R, F) cell to exactly one tier', () => {
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) expect(tiersOfCell(r, f), `R${r} F${f}`).toHaveLength(1);
    expect(RFM_GRID).toHaveLength(25);
    expect(new Set(RFM_GRID.map((c) => c.tier))).toEqual(new Set(RFM_TIERS)); // every tier is reachable
  });

  it('follows the common grid', () => {
    const rows = [5, 4, 3, 2, 1].map((r) => [1, 2, 3, 4, 5].map((f) => rfmTier(r, f)).join(' '));
    expect(rows).toEqual([
      'NEW POTENTIAL LOYAL CHAMPIONS CHAMPIONS',
      'POTENTIAL POTENTIAL LOYAL CHAMPIONS CHAMPIONS',
      'HIBERNATING HIBERNATING LOYAL LOYAL LOYAL',
      'HIBERNATING HIBERNATING AT_RISK AT_RISK AT_RISK',
      'LOST LOST AT_RISK AT_RISK AT_RISK',
    ]);
    expect(() => rfmTier(0, 3)).toThrow();
    expect(() => rfmTier(3, 6)).toThrow();
  });
});
