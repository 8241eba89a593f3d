/**
 * What to offer when a question is not understood: the closest dictionary words for each unknown one
 * ("revnue" → "revenue"), then example questions that share a measure or dimension with what was
 * understood, in the question's language. Never an answer.
 */
import { DICTIONARY } from './ask.dictionary.ts';
import { EXAMPLES } from './ask.examples.ts';
import type { Lang } from './ask.format.ts';
import type { Slots } from './ask.grammar.ts';

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function closest(word: string): string | null {
  const w = word.toLowerCase();
  if (!/^[a-z]/.test(w) || w.length < 3) return null;
  let best: { text: string; d: number } | null = null;
  for (const { text, entry } of DICTIONARY) {
    if (entry.kind === 'filler' || !/^[a-z]/.test(text)) continue;
    const d = distance(w, text);
    if (d <= Math.max(1, Math.floor(w.length / 4)) && (!best || d < best.d)) best = { text, d };
  }
  return best?.text ?? null;
}

const DEFAULTS = [0, 17, 37, 42, 22];

export function suggest(lang: Lang, unknown: string[], slots: Slots | null): string[] {
  const out: string[] = [];
  for (const w of unknown) {
    const c = closest(w);
    if (c) out.push(lang === 'zh' ? `“${w}”是指“${c}”吗？` : `Did you mean "${c}" for "${w}"?`);
  }
  const words = new Set([...(slots?.tokens ?? [])].filter((t) => t.kind === 'MEASURE' || t.kind === 'DIMENSION' || t.kind === 'FILTER').map((t) => t.text.toLowerCase()));
  const related = words.size === 0 ? [] : EXAMPLES.filter((e) => [...words].some((w) => e[lang].toLowerCase().includes(w)));
  const picks = related.length > 0 ? related.slice(0, 5) : DEFAULTS.map((i) => EXAMPLES[i]!);
  out.push(...picks.map((e) => e[lang]));
  return out;
}
