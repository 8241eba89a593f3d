/** Deterministic ids from the seeded generator, so two runs create the same rows. */
import type { seededRandom } from '../../src/lib/random.ts';

type Rng = ReturnType<typeof seededRandom>;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const word = (rng: Rng) => Math.floor(rng.next() * 0x1_0000_0000);

/** A version-4-shaped UUID drawn from rng. */
export function seededUuid(rng: Rng): string {
  const a = word(rng);
  const b = word(rng);
  const c = word(rng);
  const d = word(rng);
  const s = hex(a, 8) + hex(b, 8) + hex(c, 8) + hex(d, 8);
  const variant = ((parseInt(s[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`;
}
