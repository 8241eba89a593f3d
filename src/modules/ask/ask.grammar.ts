/**
 * The grammar of a question, over the lexer's word blocks. Word order is free (marketers write
 * "revenue by channel last month" and "上个月各渠道的收入" alike), but some blocks only make sense
 * together and are parsed as phrases: a date range ("last 30 days", "最近30天", "past week"), top-n
 * ("top 5", "前五"), a breakdown ("by channel", "按月"), funnel steps ("from "A" to "B"") and a
 * segment ("segment "VIP"", "“VIP”分群").
 */
import { createTokenInstance, EmbeddedActionsParser, type IToken } from 'chevrotain';
import type { Dimension, Entry, Interval, Measure, Model, Period, Tier, Unit } from './ask.dictionary.ts';
import { allTokens, lex, matchOf, Tok, type Lexed } from './ask.lexer.ts';

export type AskTokenKind = 'MEASURE' | 'DIMENSION' | 'FILTER' | 'DATE_RANGE' | 'DATE_BUCKET' | 'TOP_N' | 'KEYWORD' | 'VALUE';

/** One understood word block, as the interpretation shows it. */
export interface AskToken {
  text: string;
  kind: AskTokenKind;
  value: string;
}

export type RangeSpec = { period: Period } | { last: number; unit: Unit };

/** What a question asked for, before it is mapped onto a query. */
export interface Slots {
  measures: Measure[];
  dimensions: Dimension[];
  interval: Interval | null;
  range: RangeSpec | null;
  top: number | null;
  order: 'desc' | 'asc' | null;
  which: boolean;
  count: boolean;
  trend: boolean;
  funnel: boolean;
  steps: string[];
  segment: string | null;
  tier: Tier | null;
  model: Model | null;
  values: string[];
  tokens: AskToken[];
}

const UNIT_INTERVAL: Partial<Record<Unit, Interval>> = { day: 'DAY', week: 'WEEK', month: 'MONTH' };
const entryOf = (t: IToken) => matchOf(t).entry as Entry;
const valueOf = <V>(t: IToken) => entryOf(t).value as V;

class QuestionParser extends EmbeddedActionsParser {
  private s!: Slots;

  constructor() {
    super(allTokens, { maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  start(tokens: IToken[]): void {
    this.input = tokens;
    this.s = {
      measures: [], dimensions: [], interval: null, range: null, top: null, order: null, which: false, count: false, trend: false,
      funnel: false, steps: [], segment: null, tier: null, model: null, values: [], tokens: [],
    };
  }

  slots(): Slots {
    return this.s;
  }

  /** Arguments are a thunk: tokens are placeholders while chevrotain records the grammar. */
  private note(make: () => [string, AskTokenKind, string | number]): void {
    this.ACTION(() => {
      const [text, kind, value] = make();
      this.s.tokens.push({ text, kind, value: String(value) });
    });
  }

  question = this.RULE('question', () => {
    this.MANY(() => {
      // Phrases come first: "by channel" is a breakdown before it is "by" and "channel".
      this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
        { ALT: () => this.SUBRULE(this.dateRange) },
        { ALT: () => this.SUBRULE(this.topN) },
        { ALT: () => this.SUBRULE(this.breakdown) },
        { ALT: () => this.SUBRULE(this.steps) },
        { ALT: () => this.SUBRULE(this.segment) },
        { ALT: () => this.SUBRULE(this.word) },
        ],
      });
    });
  });

  dateRange = this.RULE('dateRange', () => {
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(Tok.Period);
          this.ACTION(() => (this.s.range = { period: valueOf<Period>(t) }));
          this.note(() => [t.image, 'DATE_RANGE', valueOf(t)]);
        },
      },
      {
        ALT: () => {
          const last = this.CONSUME(Tok.LastN);
          const n = this.OPTION(() => this.CONSUME(Tok.Number));
          const unit = this.CONSUME(Tok.Unit);
          this.ACTION(() => {
            const count = n ? matchOf(n).number! : 1;
            this.s.range = { last: count, unit: valueOf<Unit>(unit) };
            this.note(() => [`${last.image} ${n ? `${n.image} ` : ''}${unit.image}`, 'DATE_RANGE', `last ${count} ${valueOf<Unit>(unit)}${count === 1 ? '' : 's'}`]);
          });
        },
      },
    ]);
  });

  topN = this.RULE('topN', () => {
    const t = this.CONSUME(Tok.Top);
    const n = this.OPTION(() => this.CONSUME(Tok.Number));
    // "top" with no number ranks without fixing how many: "top events" lists ten, "top channel" one.
    this.ACTION(() => {
      if (n) this.s.top = matchOf(n).number!;
      this.s.order ??= 'desc';
      this.note(() => [`${t.image}${n ? ` ${n.image}` : ''}`, 'TOP_N', n ? matchOf(n).number! : 'top']);
    });
  });

  breakdown = this.RULE('breakdown', () => {
    const by = this.CONSUME(Tok.By);
    this.OR([
      {
        ALT: () => {
          const d = this.CONSUME(Tok.Dimension);
          this.ACTION(() => this.s.dimensions.push(valueOf<Dimension>(d)));
          this.note(() => [`${by.image} ${d.image}`, 'DIMENSION', valueOf(d)]);
        },
      },
      {
        ALT: () => {
          const u = this.CONSUME(Tok.Unit);
          this.ACTION(() => {
            const interval = UNIT_INTERVAL[valueOf<Unit>(u)];
            if (interval) this.s.interval = interval;
            this.note(() => [`${by.image} ${u.image}`, 'DATE_BUCKET', interval ?? valueOf(u)]);
          });
        },
      },
    ]);
  });

  steps = this.RULE('steps', () => {
    this.CONSUME(Tok.From);
    const first = this.CONSUME(Tok.Quoted);
    this.ACTION(() => this.s.steps.push(matchOf(first).quoted!));
    this.note(() => [first.image, 'VALUE', matchOf(first).quoted!]);
    this.AT_LEAST_ONE(() => {
      this.CONSUME(Tok.To);
      const next = this.CONSUME2(Tok.Quoted);
      this.ACTION(() => this.s.steps.push(matchOf(next).quoted!));
      this.note(() => [next.image, 'VALUE', matchOf(next).quoted!]);
    });
  });

  segment = this.RULE('segment', () => {
    this.OR([
      {
        ALT: () => {
          const k = this.CONSUME(Tok.Segment);
          const name = this.CONSUME(Tok.Quoted);
          this.ACTION(() => (this.s.segment = matchOf(name).quoted!));
          this.note(() => [`${k.image} ${name.image}`, 'FILTER', `segment ${matchOf(name).quoted}`]);
        },
      },
      {
        ALT: () => {
          const name = this.CONSUME2(Tok.Quoted);
          const k = this.CONSUME2(Tok.Segment);
          this.ACTION(() => (this.s.segment = matchOf(name).quoted!));
          this.note(() => [`${name.image}${k.image}`, 'FILTER', `segment ${matchOf(name).quoted}`]);
        },
      },
    ]);
  });

  word = this.RULE('word', () => {
    this.OR([
      { ALT: () => this.one(this.CONSUME(Tok.Measure), 'MEASURE', (v) => this.s.measures.push(v as Measure)) },
      { ALT: () => this.one(this.CONSUME2(Tok.Dimension), 'DIMENSION', (v) => this.s.dimensions.push(v as Dimension)) },
      { ALT: () => this.one(this.CONSUME(Tok.Tier), 'FILTER', (v) => (this.s.tier = v as Tier)) },
      { ALT: () => this.one(this.CONSUME(Tok.Model), 'KEYWORD', (v) => (this.s.model = v as Model)) },
      { ALT: () => this.one(this.CONSUME(Tok.Interval), 'DATE_BUCKET', (v) => (this.s.interval = v as Interval)) },
      { ALT: () => this.one(this.CONSUME(Tok.Superlative), 'KEYWORD', (v) => (this.s.order = v as 'asc' | 'desc')) },
      { ALT: () => this.one(this.CONSUME(Tok.Which), 'KEYWORD', () => (this.s.which = true)) },
      { ALT: () => this.one(this.CONSUME(Tok.Count), 'KEYWORD', () => (this.s.count = true)) },
      { ALT: () => this.one(this.CONSUME(Tok.Trend), 'KEYWORD', () => (this.s.trend = true)) },
      { ALT: () => this.one(this.CONSUME(Tok.Funnel), 'KEYWORD', () => (this.s.funnel = true)) },
      { ALT: () => this.one(this.CONSUME2(Tok.By), 'KEYWORD', () => undefined) },
      { ALT: () => this.one(this.CONSUME3(Tok.Quoted), 'VALUE', (v) => this.s.values.push(v)) },
    ]);
  });

  private one(t: IToken, kind: AskTokenKind, set: (value: string) => void): void {
    this.ACTION(() => {
      const m = matchOf(t);
      const value = m.kind === 'quoted' ? m.quoted! : String(m.entry!.value);
      set(value);
      this.s.tokens.push({ text: t.image, kind, value });
    });
  }
}

const parser = new QuestionParser();

export type Parsed = { ok: true; slots: Slots; unknown: string[] } | { ok: false; unknown: string[]; problem: string };

/**
 * After `segment` (English), the words up to the next date, breakdown or end are the segment's name,
 * whatever they are ("segment VIP buyers"): names are the user's own, so they need not be in the
 * dictionary. They become one quoted value.
 */
function segmentNames(lexed: Lexed): IToken[] {
  const all = [...lexed.tokens, ...lexed.unknown, ...lexed.fillers].sort((a, b) => a.startOffset - b.startOffset);
  const out: IToken[] = [];
  const stop = new Set([Tok.Period, Tok.LastN, Tok.Interval, Tok.By, Tok.Trend, Tok.Quoted, Tok.Segment, Tok.Which, Tok.Count]);
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!;
    if (t.tokenType === Tok.Segment && /^[a-z]/i.test(t.image)) {
      let j = i + 1;
      while (j < all.length && !stop.has(all[j]!.tokenType)) j++;
      // A leading small word is not part of the name ("segment the VIP" is "VIP"), unless it is all there is.
      const words = all.slice(i + 1, j).filter((w, k, arr) => !(k === 0 && w.tokenType.name === 'Filler' && arr.length > 1));
      out.push(t);
      if (words.length > 0) {
        const image = words.map((w) => w.image).join(' ');
        const q = createTokenInstance(Tok.Quoted, image, words[0]!.startOffset, words.at(-1)!.endOffset ?? words[0]!.startOffset, 0, 0, 0, 0);
        q.payload = { length: image.length, kind: 'quoted', quoted: image };
        out.push(q);
        i = j - 1;
      }
      continue;
    }
    if (t.tokenType.name === 'Filler' || t.tokenType.name === 'Unknown') continue;
    out.push(t);
  }
  return out;
}

export function parseQuestion(question: string): Parsed {
  const lexed = lex(question);
  const tokens = segmentNames(lexed);
  const used = new Set(tokens.map((t) => t.startOffset));
  // Unknown words inside a segment name are part of the name, not unknown.
  const covered = (t: IToken) => tokens.some((k) => k.tokenType === Tok.Quoted && k.startOffset <= t.startOffset && (k.endOffset ?? k.startOffset) >= t.startOffset);
  const unknown = lexed.unknown.filter((t) => !used.has(t.startOffset) && !covered(t)).map((t) => t.image);
  parser.start(tokens);
  parser.question();
  if (parser.errors.length > 0) return { ok: false, unknown, problem: parser.errors[0]!.message };
  return { ok: true, slots: parser.slots(), unknown };
}
