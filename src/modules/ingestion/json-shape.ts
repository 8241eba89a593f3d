/**
 * Structural checks on a parsed JSON payload before anything reads it: prototype-polluting keys
 * (JSON.parse makes "__proto__" an own key, and a later merge or spread could act on it) and nesting
 * deep enough to hurt recursive code downstream (jsonb, stable JSON, segment rules), and text
 * PostgreSQL cannot store (U+0000, lone surrogates: see lib/storable-text.ts), which used to fail the
 * whole batch as a 500 when the touchpoint was inserted.
 */
import { isStorableText } from '../../lib/storable-text.ts';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_DEPTH = 32;

export type JsonShapeProblem = { cause: 'prototype_key' | 'too_deep' | 'unstorable_text'; path: string };

/** The first problem found, depth first, or null. The top-level object is depth 1. */
export function findJsonShapeProblem(value: unknown, maxDepth = MAX_DEPTH): JsonShapeProblem | null {
  const path: string[] = [];
  const visit = (v: unknown, depth: number): JsonShapeProblem | null => {
    if (typeof v === 'string') return isStorableText(v) ? null : { cause: 'unstorable_text', path: path.join('.') };
    if (v === null || typeof v !== 'object') return null;
    // Checked before descending, so a cyclic object ends here instead of overflowing the stack.
    if (depth > maxDepth) return { cause: 'too_deep', path: path.join('.') };
    const entries: [string, unknown][] = Array.isArray(v)
      ? v.map((item, i) => [String(i), item])
      : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
    for (const [key, child] of entries) {
      path.push(key);
      if (!Array.isArray(v) && FORBIDDEN_KEYS.has(key)) return { cause: 'prototype_key', path: path.join('.') };
      if (!Array.isArray(v) && !isStorableText(key)) return { cause: 'unstorable_text', path: path.join('.') };
      const problem = visit(child, depth + 1);
      if (problem) return problem;
      path.pop();
    }
    return null;
  };
  return visit(value, 1);
}
