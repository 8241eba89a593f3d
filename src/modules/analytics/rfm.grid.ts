/**
 * The RFM tier of a customer from their recency and frequency quintile scores (1..5, 5 = best).
 * The common RFM grid, written once as non-overlapping rectangles so that each of the 25 (R, F) cells
 * has exactly one tier (checked when the module loads and in tests/unit/rfm-grid.test.ts):
 *
 *          F=1          F=2          F=3       F=4        F=5
 *   R=5    New          Potential    Loyal     Champions  Champions
 *   R=4    Potential    Potential    Loyal     Champions  Champions
 *   R=3    Hibernating  Hibernating  Loyal     Loyal      Loyal
 *   R=2    Hibernating  Hibernating  At risk   At risk    At risk
 *   R=1    Lost         Lost         At risk   At risk    At risk
 *
 * Champions R4-5 F4-5; Loyal the rest of R3-5 F3-5; New R5 F1 (before Potential); Potential the rest
 * of R4-5 F1-2; At risk R1-2 F3-5; Hibernating R2-3 F1-2; Lost R1 F1-2. Monetary is scored and
 * reported but does not move the tier.
 */
export const RFM_TIERS = ['CHAMPIONS', 'LOYAL', 'POTENTIAL', 'NEW', 'AT_RISK', 'HIBERNATING', 'LOST'] as const;
export type RfmTierName = (typeof RFM_TIERS)[number];

type Span = readonly [lo: number, hi: number];
export const RFM_TIER_RECTANGLES: readonly { tier: RfmTierName; r: Span; f: Span }[] = [
  { tier: 'CHAMPIONS', r: [4, 5], f: [4, 5] },
  { tier: 'LOYAL', r: [3, 3], f: [3, 5] },
  { tier: 'LOYAL', r: [4, 5], f: [3, 3] },
  { tier: 'NEW', r: [5, 5], f: [1, 1] },
  { tier: 'POTENTIAL', r: [4, 4], f: [1, 2] },
  { tier: 'POTENTIAL', r: [5, 5], f: [2, 2] },
  { tier: 'AT_RISK', r: [1, 2], f: [3, 5] },
  { tier: 'HIBERNATING', r: [2, 3], f: [1, 2] },
  { tier: 'LOST', r: [1, 1], f: [1, 2] },
];

const inSpan = (x: number, [lo, hi]: Span) => x >= lo && x <= hi;

/** The tiers whose rectangles hold (r, f): exactly one for every valid cell. */
export function tiersOfCell(r: number, f: number): RfmTierName[] {
  return RFM_TIER_RECTANGLES.filter((x) => inSpan(r, x.r) && inSpan(f, x.f)).map((x) => x.tier);
}

/** The 25 cells with their tier, as the database joins them. Throws if the rectangles overlap or leave a gap. */
function buildGrid(): { r: number; f: number; tier: RfmTierName }[] {
  const cells = [];
  for (let r = 1; r <= 5; r++)
    for (let f = 1; f <= 5; f++) {
      const tiers = tiersOfCell(r, f);
      if (tiers.length !== 1) throw new Error(`RFM grid: cell R${r} F${f} has ${tiers.length} tiers (${tiers.join(', ')})`);
      cells.push({ r, f, tier: tiers[0]! });
    }
  return cells;
}
export const RFM_GRID = buildGrid();

export function rfmTier(r: number, f: number): RfmTierName {
  const cell = RFM_GRID[(r - 1) * 5 + (f - 1)];
  if (!cell || cell.r !== r || cell.f !== f) throw new Error(`not an RFM cell: R${r} F${f}`);
  return cell.tier;
}
