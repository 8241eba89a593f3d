/**
 * How group-call traits merge into an account: a shallow merge, key by key, where the call with the
 * later event time wins. Each key remembers the time of the call that set it (`times`), so calls that
 * arrive out of order (a retried batch, a slow device) end in the same traits as calls in order, and a
 * resend changes nothing. At equal times the call applied last wins (within a batch: batch order).
 * A key is never removed; a trait sent as null is stored as null (rules treat it as missing).
 */
import type { Traits } from './account.model.ts';

export interface TraitState {
  traits: Traits;
  /** Per top-level key, the ISO time of the call that set it. */
  times: Record<string, string>;
}

export interface MergeOutcome extends TraitState {
  /** Some trait value differs from before (segments on account traits must be re-checked). */
  valuesChanged: boolean;
  /** Something (a value or a time) must be written. */
  dirty: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function mergeTraits(current: TraitState, calls: readonly { traits: Traits; occurredAt: Date }[]): MergeOutcome {
  const traits: Traits = { ...current.traits };
  const times: Record<string, string> = { ...current.times };
  let valuesChanged = false;
  let dirty = false;
  // Stable sort: equal times keep their batch order, so the later call in the batch wins.
  const ordered = calls.map((c, i) => ({ c, i, at: c.occurredAt.toISOString() })).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i));
  for (const { c, at } of ordered) {
    for (const [key, value] of Object.entries(c.traits)) {
      const setAt = Object.hasOwn(times, key) ? times[key]! : null;
      if (setAt !== null && setAt > at) continue; // a later call already set this key
      if (!Object.hasOwn(traits, key) || !same(traits[key], value)) valuesChanged = true;
      if (setAt !== at || !Object.hasOwn(traits, key) || !same(traits[key], value)) dirty = true;
      Object.defineProperty(traits, key, { value, enumerable: true, writable: true, configurable: true });
      times[key] = at;
    }
  }
  return { traits, times, valuesChanged, dirty };
}
