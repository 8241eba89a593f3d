/**
 * JSON parsing that keeps every number as its exact text. jsonb stores numbers as `numeric`, and the
 * compiled SQL compares them exactly; JSON.parse would round them to doubles first, and the two
 * evaluators could then disagree on values such as 12.50000000000000001.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A JSON value as the evaluator sees it; plain numbers are accepted too (hand-made facts in tests). */
export type FactValue = null | boolean | number | string | JsonNumber | FactValue[] | { [key: string]: FactValue };

// jsonb never holds U+0000, so a string that starts with it can only be one of our number markers.
const MARK = '\u0000n';
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseExactJson(text: string): FactValue {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER_TOKEN.lastIndex = i;
      const m = NUMBER_TOKEN.exec(text);
      if (!m) throw new SyntaxError(`bad number in JSON at ${i}`);
      out += text.slice(from, i) + JSON.stringify(MARK + m[0]);
      i += m[0].length - 1;
      from = i + 1;
    }
  }
  out += text.slice(from);
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? new JsonNumber(value.slice(MARK.length)) : value,
  ) as FactValue;
}
