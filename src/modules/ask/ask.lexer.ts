/**
 * Cuts a question into word blocks. Chinese has no spaces and English phrases span several words, so
 * every dictionary token is one chevrotain token type per kind whose matcher takes the longest
 * dictionary entry (or number, or quoted value) at the position: "last month" is one period, not
 * "last" + "month", and "上个月" is not "上" + "个月".
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type IToken, type TokenType } from 'chevrotain';
import { DICTIONARY, type Entry } from './ask.dictionary.ts';

type Match = { length: number; kind: Entry['kind'] | 'number' | 'quoted'; entry?: Entry; number?: number; quoted?: string };

const isWordChar = (c: string | undefined) => c !== undefined && /[a-z0-9_]/i.test(c);
const CN_DIGITS: Record<string, number> = { 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const QUOTES: Record<string, string> = { '"': '"', '“': '”', '「': '」', '『': '』' };

/** 五 → 5, 十二 → 12, 三十 → 30, 一百 → 100. */
export function chineseNumber(text: string): number {
  let total = 0;
  let digit = 0;
  for (const ch of text) {
    if (ch === '十') {
      total += (digit || 1) * 10;
      digit = 0;
    } else if (ch === '百') {
      total += (digit || 1) * 100;
      digit = 0;
    } else digit = CN_DIGITS[ch] ?? 0;
  }
  return total + digit;
}

function numberAt(text: string, offset: number): Match | null {
  const digits = /^[0-9]+/.exec(text.slice(offset, offset + 12));
  if (digits && !/[a-z_]/i.test(text[offset + digits[0].length] ?? '')) return { length: digits[0].length, kind: 'number', number: Number(digits[0]) };
  const cn = /^[零一二两三四五六七八九十百]+/.exec(text.slice(offset, offset + 8));
  return cn ? { length: cn[0].length, kind: 'number', number: chineseNumber(cn[0]) } : null;
}

function quotedAt(text: string, offset: number): Match | null {
  const close = QUOTES[text[offset]!];
  if (!close) return null;
  const end = text.indexOf(close, offset + 1);
  if (end <= offset + 1) return null;
  return { length: end - offset + 1, kind: 'quoted', quoted: text.slice(offset + 1, end).trim() };
}

function entryAt(lower: string, offset: number): Match | null {
  for (const { text, entry, wholeWord } of DICTIONARY) {
    if (!lower.startsWith(text, offset)) continue;
    if (wholeWord && (isWordChar(lower[offset - 1]) || isWordChar(lower[offset + text.length]))) continue;
    return { length: text.length, kind: entry.kind, entry };
  }
  return null;
}

// Every kind's matcher asks for the same position, so the winner is computed once per position.
let memoText = '';
let memo = new Map<number, Match | null>();
function longestAt(text: string, offset: number): Match | null {
  if (text !== memoText) {
    memoText = text;
    memo = new Map();
  }
  if (!memo.has(offset)) {
    const candidates = [quotedAt(text, offset), entryAt(text.toLowerCase(), offset), numberAt(text, offset)].filter((c): c is Match => c !== null);
    // Longest wins; on a tie the earlier candidate (quoted, then dictionary) does.
    memo.set(offset, candidates.reduce<Match | null>((best, c) => (!best || c.length > best.length ? c : best), null));
  }
  return memo.get(offset)!;
}

function kindToken(name: string, kind: Match['kind'], group?: string): TokenType {
  return createToken({
    name,
    line_breaks: false,
    ...(group ? { group } : {}),
    pattern: {
      exec: (text: string, offset: number): CustomPatternMatcherReturn | null => {
        const m = longestAt(text, offset);
        if (!m || m.kind !== kind) return null;
        return Object.assign([text.slice(offset, offset + m.length)] as [string], { payload: m });
      },
    },
  });
}

export const Tok = {
  Measure: kindToken('Measure', 'measure'),
  Dimension: kindToken('Dimension', 'dimension'),
  Tier: kindToken('Tier', 'tier'),
  Model: kindToken('Model', 'model'),
  Interval: kindToken('Interval', 'interval'),
  Period: kindToken('Period', 'period'),
  LastN: kindToken('LastN', 'lastN'),
  Unit: kindToken('Unit', 'unit'),
  Top: kindToken('Top', 'top'),
  Superlative: kindToken('Superlative', 'superlative'),
  Which: kindToken('Which', 'which'),
  Count: kindToken('Count', 'count'),
  Trend: kindToken('Trend', 'trend'),
  By: kindToken('By', 'by'),
  Funnel: kindToken('Funnel', 'funnel'),
  From: kindToken('From', 'from'),
  To: kindToken('To', 'to'),
  Segment: kindToken('Segment', 'segment'),
  Number: kindToken('Number', 'number'),
  Quoted: kindToken('Quoted', 'quoted'),
};

const Filler = kindToken('Filler', 'filler', 'filler');
const Space = createToken({ name: 'Space', pattern: /[\s,.?!;:，。？！；：、~]+/, group: Lexer.SKIPPED });
/** Anything else: an English word or one other character. Kept aside so the question can be refused with it named. */
export const Unknown = createToken({ name: 'Unknown', pattern: /[a-z0-9_'’-]+|[^]/i, group: 'unknown' });

export const allTokens: TokenType[] = [Space, ...Object.values(Tok), Filler, Unknown];
const lexer = new Lexer(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: false, skipValidations: true });

export interface Lexed {
  tokens: IToken[];
  unknown: IToken[];
  fillers: IToken[];
}

export function lex(question: string): Lexed {
  const out = lexer.tokenize(question.normalize('NFKC'));
  return { tokens: out.tokens, unknown: out.groups.unknown ?? [], fillers: out.groups.filler ?? [] };
}

/** The dictionary match a token carries. */
export const matchOf = (t: IToken) => t.payload as Match;
