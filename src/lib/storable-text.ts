/**
 * PostgreSQL cannot store every JavaScript string: text and jsonb refuse U+0000, and a lone UTF-16
 * surrogate has no UTF-8 form (jsonb refuses its \ud800 escape; a text parameter is silently turned
 * into U+FFFD, so it would not read back as sent). Such input is refused at the door with a code
 * instead of failing as a 500 in SQL, and what must be stored anyway (a quarantined payload) is made
 * storable with U+FFFD in place of each bad character.
 */

/** U+0000, or a surrogate not part of a pair (with the u flag a valid pair is one code point, not Cs). */
const UNSTORABLE = /\u0000|\p{Cs}/u;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 or unpaired surrogates';

export const isStorableText = (s: string): boolean => !UNSTORABLE.test(s);

/**
 * Path ("" for the value itself, "a.0.b" below it) of the first string or object key that cannot be
 * stored, or null. Iterative, so any nesting depth is fine.
 */
export function findUnstorableText(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return path;
    } else if (v !== null && typeof v === 'object') {
      const array = Array.isArray(v);
      for (const key of Object.keys(v)) {
        const at = path ? `${path}.${key}` : key;
        if (!array && !isStorableText(key)) return at;
        stack.push([(v as Record<string, unknown>)[key], at]);
      }
    }
  }
  return null;
}

/** U+FFFD for each U+0000 and lone surrogate. */
export const toStorableText = (s: string): string => s.replace(/\u0000|\p{Cs}/gu, '\uFFFD');

/**
 * A JSON value with every string and key made storable. Returns the value itself when nothing needs
 * changing. Iterative (a quarantined payload may nest thousands deep); keys are defined, never
 * assigned, so a "__proto__" key stays a plain key.
 */
export function toStorableJson(value: unknown): unknown {
  if (findUnstorableText(value) === null) return value;
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return toStorableText(v);
    if (v === null || typeof v !== 'object') return v;
    return Array.isArray(v) ? new Array(v.length) : {};
  };
  const root = copy(value);
  const stack: [unknown, unknown][] = [[value, root]];
  while (stack.length) {
    const [from, to] = stack.pop()!;
    if (from === null || typeof from !== 'object') continue;
    for (const key of Object.keys(from)) {
      const child = (from as Record<string, unknown>)[key];
      const made = copy(child);
      const name = Array.isArray(from) ? key : toStorableText(key);
      Object.defineProperty(to, name, { value: made, enumerable: true, writable: true, configurable: true });
      stack.push([child, made]);
    }
  }
  return root;
}
