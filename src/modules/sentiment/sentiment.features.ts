/**
 * Text → the set of string features a sentiment model weighs. The same function runs when the
 * training script builds a model and when the server scores, so a model file and this code must agree
 * (a model names the feature spec it was trained with).
 *
 * pt / en: lower case, accents folded (reviews are typed with and without them), words and word
 * bigrams with negation marking (the words after "não" / "not" up to the next punctuation, at most
 * NEGATION_SPAN, carry a "~" prefix, so "não recomendo" and "recomendo" weigh differently), and
 * character n-grams inside word boundaries (typos, inflections). zh: Han characters and their
 * bigrams (no word segmentation needed), plus any Latin words.
 */
export type SentimentLanguage = 'pt' | 'zh' | 'en';
export const SENTIMENT_LANGUAGES: readonly SentimentLanguage[] = ['pt', 'zh', 'en'];

export interface FeatureSpec {
  /** Word bigrams as well as words. */
  wordBigrams: boolean;
  /** Character n-gram lengths inside " word " (empty: none). */
  charNgrams: number[];
}

const NEGATION_SPAN = 3;
const NEGATORS: Record<SentimentLanguage, ReadonlySet<string>> = {
  pt: new Set(['nao', 'nunca', 'nem', 'jamais', 'sem', 'nenhum', 'nenhuma', 'nada']),
  en: new Set(['not', 'no', 'never', 'nor', 'without', 'nothing', 'none', 'cannot']),
  zh: new Set(),
};

const HAN = /\p{Script=Han}/u;
// Words, and the punctuation that ends a negation's reach ("!" and "?" are features too).
const TOKEN = /[\p{L}\p{N}]+|[.,;:!?！？。，；]/gu;
const BREAK = new Set(['.', ',', ';', ':', '!', '?', '！', '？', '。', '，', '；']);

/** Lower case, accents folded, English contractions "n't" spelled out. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/n['’]t\b/g, ' not');
}

export function features(text: string, language: SentimentLanguage, spec: FeatureSpec): Set<string> {
  const out = new Set<string>();
  const norm = normalizeText(text);
  const negators = NEGATORS[language];
  let negLeft = 0;
  let prev: string | null = null;
  for (const m of norm.matchAll(TOKEN)) {
    const tok = m[0];
    if (BREAK.has(tok)) {
      negLeft = 0;
      prev = null;
      if (tok === '!' || tok === '！') out.add('p:!');
      else if (tok === '?' || tok === '？') out.add('p:?');
      continue;
    }
    if (language === 'zh' && HAN.test(tok)) {
      hanFeatures(tok, out);
      prev = null;
      continue;
    }
    const word = negLeft > 0 && !negators.has(tok) ? `~${tok}` : tok;
    out.add(`w:${word}`);
    if (spec.wordBigrams && prev !== null) out.add(`b:${prev} ${word}`);
    prev = word;
    if (spec.charNgrams.length) {
      const padded = ` ${tok} `;
      for (const n of spec.charNgrams) for (let i = 0; i + n <= padded.length; i++) out.add(`c:${padded.slice(i, i + n)}`);
    }
    if (negators.has(tok)) negLeft = NEGATION_SPAN;
    else if (negLeft > 0) negLeft--;
  }
  return out;
}

/** A run of Han characters (mixed with digits/letters the tokenizer kept together): characters and bigrams. */
function hanFeatures(run: string, out: Set<string>): void {
  const chars = [...run];
  for (let i = 0; i < chars.length; i++) {
    out.add(`u:${chars[i]}`);
    if (i + 1 < chars.length) out.add(`b:${chars[i]}${chars[i + 1]}`);
  }
}
