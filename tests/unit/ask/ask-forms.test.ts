/**
 * Every documented question form, in English and Chinese, parses and maps to the intended query
 * (structure and variables), and the two languages map to the same query. Dates are pinned by a
 * fixed clock; relative ranges are checked by hand below.
 */
import { describe, expect, it } from 'vitest';
import { parse, validate, buildSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { EXAMPLES } from '../../../src/modules/ask/ask.examples.ts';
import { parseQuestion } from '../../../src/modules/ask/ask.grammar.ts';
import { interpret, type Plan } from '../../../src/modules/ask/ask.interpreter.ts';
import { chineseNumber } from '../../../src/modules/ask/ask.lexer.ts';
import { resolveRange } from '../../../src/modules/ask/ask.dates.ts';

const NOW = new Date('2026-02-18T10:00:00Z'); // a Wednesday
const schema = buildSchema(readFileSync('schema.graphql', 'utf8'));

function planOf(question: string, lang: 'en' | 'zh', timezone = 'UTC'): Plan {
  const parsed = parseQuestion(question);
  if (!parsed.ok) throw new Error(`${question}: ${parsed.problem}`);
  expect(parsed.unknown, question).toEqual([]);
  const meant = interpret(parsed.slots, { now: NOW, timezone, lang });
  if (!meant.ok) throw new Error(`${question}: ${meant.reason}`);
  return meant.plan;
}

describe('question forms', () => {
  it('covers at least 40 forms in each language', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(EXAMPLES.map((e) => e.en)).size).toBe(EXAMPLES.length);
    expect(new Set(EXAMPLES.map((e) => e.zh)).size).toBe(EXAMPLES.length);
  });

  for (const ex of EXAMPLES) {
    it(`${ex.en} | ${ex.zh}`, () => {
      const en = planOf(ex.en, 'en');
      const zh = planOf(ex.zh, 'zh');
      for (const plan of [en, zh]) {
        expect(plan.intent).toBe(ex.intent);
        if (ex.variables) expect(plan.variables).toMatchObject(ex.variables);
        // The query is one the schema accepts, with exactly the variables it declares.
        expect(validate(schema, parse(plan.query))).toEqual([]);
      }
      // Same question, same query: the two languages are one interpretation.
      expect(zh.query).toBe(en.query);
      expect(zh.variables).toEqual(en.variables);
    });
  }
});

describe('relative dates against the clock', () => {
  const r = (q: string, tz = 'UTC') => {
    const p = planOf(q, /[\u4e00-\u9fff]/.test(q) ? 'zh' : 'en', tz);
    return { from: p.range!.from.toISOString(), to: p.range!.to.toISOString() };
  };
  it('reads whole calendar periods', () => {
    expect(r('orders last month')).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    expect(r('orders this month')).toEqual({ from: '2026-02-01T00:00:00.000Z', to: NOW.toISOString() });
    expect(r('orders last week')).toEqual({ from: '2026-02-09T00:00:00.000Z', to: '2026-02-16T00:00:00.000Z' });
    expect(r('orders this year')).toEqual({ from: '2026-01-01T00:00:00.000Z', to: NOW.toISOString() });
    expect(r('orders last quarter')).toEqual({ from: '2025-10-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' });
    expect(r('orders yesterday')).toEqual({ from: '2026-02-17T00:00:00.000Z', to: '2026-02-18T00:00:00.000Z' });
    expect(r('orders last year')).toEqual({ from: '2025-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' });
  });
  it('reads "last N units" as the N whole units before the current one', () => {
    expect(r('orders in the last 30 days')).toEqual({ from: '2026-01-19T00:00:00.000Z', to: '2026-02-18T00:00:00.000Z' });
    expect(r('最近30天的订单')).toEqual(r('orders in the last 30 days'));
    expect(r('过去三个月的订单')).toEqual({ from: '2025-11-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    expect(r('orders past week')).toEqual(r('orders last week'));
    expect(r('orders in the last 2 weeks')).toEqual({ from: '2026-02-02T00:00:00.000Z', to: '2026-02-16T00:00:00.000Z' });
  });
  it('defaults to the last 30 days', () => {
    expect(r('orders')).toEqual(r('orders in the last 30 days'));
  });
  it('reads local midnights in the asked zone', () => {
    // Shanghai is UTC+8 all year: local midnight is 16:00 UTC the day before.
    expect(r('上个月的订单', 'Asia/Shanghai')).toEqual({ from: '2025-12-31T16:00:00.000Z', to: '2026-01-31T16:00:00.000Z' });
    // New York on 2026-03-08 moves from UTC−5 to UTC−4.
    const p = parseQuestion('orders last month');
    const range = resolveRange(p.ok ? p.slots.range! : { period: 'lastMonth' }, new Date('2026-04-02T12:00:00Z'), 'America/New_York');
    expect(range.from.toISOString()).toBe('2026-03-01T05:00:00.000Z');
    expect(range.to.toISOString()).toBe('2026-04-01T04:00:00.000Z');
  });
});

describe('tokens', () => {
  it('numbers in digits and Chinese', () => {
    expect([chineseNumber('五'), chineseNumber('十'), chineseNumber('十二'), chineseNumber('三十'), chineseNumber('两'), chineseNumber('一百')]).toEqual([5, 10, 12, 30, 2, 100]);
    for (const q of ['前5个渠道的收入', '前五个渠道的收入', 'top 5 channels by revenue', 'top five channels by revenue']) {
      const p = parseQuestion(q);
      if (q.includes('five')) {
        expect(p.ok && p.unknown).toEqual(['five']);
        continue;
      }
      expect(p.ok && p.slots.top).toBe(5);
    }
  });
  it('shows each understood block with its kind', () => {
    const p = parseQuestion('上个月新客户流失最高的触点在哪');
    expect(p.ok && p.slots.tokens).toEqual([
      { text: '上个月', kind: 'DATE_RANGE', value: 'lastMonth' },
      { text: '新客户', kind: 'MEASURE', value: 'newCustomers' },
      { text: '流失', kind: 'MEASURE', value: 'churnRate' },
      { text: '最高', kind: 'KEYWORD', value: 'desc' },
      { text: '触点', kind: 'DIMENSION', value: 'channel' },
      { text: '在哪', kind: 'KEYWORD', value: 'which' },
    ]);
    const t = parseQuestion('top 5 campaigns by ROI this year');
    expect(t.ok && t.slots.tokens.map((x) => x.kind)).toEqual(['TOP_N', 'DIMENSION', 'KEYWORD', 'MEASURE', 'DATE_RANGE']);
  });
  it('takes unquoted English segment names up to the next date', () => {
    const p = parseQuestion('how many customers in segment VIP buyers last month');
    expect(p.ok && p.slots.segment).toBe('VIP buyers');
    expect(p.unknown).toEqual([]);
  });
  it('matches English words whole and case-insensitively', () => {
    const p = parseQuestion('Revenue BY Channel');
    expect(p.ok && [p.slots.measures, p.slots.dimensions]).toEqual([['revenue'], ['channel']]);
    // "buy" is not "by", "costly" not "cost".
    expect(parseQuestion('buy costly').unknown).toEqual(['buy', 'costly']);
  });
});

describe('questions that are not understood', () => {
  const no = (q: string) => {
    const p = parseQuestion(q);
    if (!p.ok || p.unknown.length > 0 || p.slots.tokens.length === 0) return true;
    return !interpret(p.slots, { now: NOW, timezone: 'UTC', lang: 'en' }).ok;
  };
  it('refuses rather than guesses', () => {
    for (const q of ['what is the weather in Paris', 'revnue by channel', '今天天气怎么样', 'last revenue', 'bounce rate by channel', 'funnel', 'revenue and orders', '', '   ', 'the'])
      expect(no(q), q).toBe(true);
  });
});

describe('top without a number', () => {
  it('lists ten events, and one channel', () => {
    const events = parseQuestion('what are the top events this week');
    const e = events.ok && interpret(events.slots, { now: NOW, timezone: 'UTC', lang: 'en' });
    expect(e && e.ok && e.plan.variables).toMatchObject({ first: 10 });
    const channel = parseQuestion('top channel by revenue last month');
    const c = channel.ok && interpret(channel.slots, { now: NOW, timezone: 'UTC', lang: 'en' });
    expect(c && c.ok && c.plan.variables).toMatchObject({ breakdownLimit: 1 });
  });
});
