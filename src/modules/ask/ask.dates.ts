/**
 * Relative date ranges ("last month", "最近30天") resolved against the server clock in the asker's
 * time zone. Periods are whole local calendar periods: "this X" runs from the start of X to now,
 * "last X" is the whole previous X, and "last N days/weeks/months" the N whole periods before the
 * current one (Google Analytics' reading: today is not in "last 7 days"). Weeks start on Monday.
 */
import type { Period, Unit } from './ask.dictionary.ts';
import type { RangeSpec } from './ask.grammar.ts';

export interface Range {
  from: Date;
  to: Date;
}

/** The default when a question names no dates. */
export const DEFAULT_RANGE: RangeSpec = { last: 30, unit: 'day' };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

/** Throws RangeError for a name Intl does not know. */
export function checkTimezone(tz: string): void {
  formatter(tz);
}

interface LocalDate {
  y: number;
  m: number; // 1..12
  d: number;
}

function localParts(at: number, tz: string): LocalDate & { hh: number; mm: number; ss: number } {
  const p = Object.fromEntries(formatter(tz).formatToParts(new Date(at)).map((x) => [x.type, Number(x.value)]));
  return { y: p.year!, m: p.month!, d: p.day!, hh: p.hour!, mm: p.minute!, ss: p.second! };
}

function offsetAt(at: number, tz: string): number {
  const l = localParts(at, tz);
  return Date.UTC(l.y, l.m - 1, l.d, l.hh, l.mm, l.ss) - Math.floor(at / 1000) * 1000;
}

/** Local midnight of a calendar date (overflowing days and months roll over) as an instant. */
function midnight(date: LocalDate, tz: string): Date {
  const guess = Date.UTC(date.y, date.m - 1, date.d);
  const first = guess - offsetAt(guess, tz);
  return new Date(guess - offsetAt(first, tz));
}

const addDays = (l: LocalDate, n: number): LocalDate => ({ ...l, d: l.d + n });
const addMonths = (l: LocalDate, n: number): LocalDate => ({ y: l.y, m: l.m + n, d: 1 });

/** The start of the current period of a unit, as a local calendar date. */
function startOf(unit: Unit, today: LocalDate): LocalDate {
  switch (unit) {
    case 'day':
      return today;
    case 'week': {
      const weekday = (new Date(Date.UTC(today.y, today.m - 1, today.d)).getUTCDay() + 6) % 7; // Monday 0
      return addDays(today, -weekday);
    }
    case 'month':
      return { y: today.y, m: today.m, d: 1 };
    case 'quarter':
      return { y: today.y, m: Math.floor((today.m - 1) / 3) * 3 + 1, d: 1 };
    case 'year':
      return { y: today.y, m: 1, d: 1 };
  }
}

function back(unit: Unit, start: LocalDate, n: number): LocalDate {
  if (unit === 'day') return addDays(start, -n);
  if (unit === 'week') return addDays(start, -7 * n);
  return addMonths(start, -n * (unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12));
}

const PERIOD: Record<Period, { unit: Unit; current: boolean }> = {
  today: { unit: 'day', current: true },
  yesterday: { unit: 'day', current: false },
  thisWeek: { unit: 'week', current: true },
  lastWeek: { unit: 'week', current: false },
  thisMonth: { unit: 'month', current: true },
  lastMonth: { unit: 'month', current: false },
  thisQuarter: { unit: 'quarter', current: true },
  lastQuarter: { unit: 'quarter', current: false },
  thisYear: { unit: 'year', current: true },
  lastYear: { unit: 'year', current: false },
};

export function resolveRange(spec: RangeSpec, now: Date, tz: string): Range {
  const l = localParts(now.getTime(), tz);
  const today = { y: l.y, m: l.m, d: l.d };
  if ('period' in spec) {
    const { unit, current } = PERIOD[spec.period];
    const start = startOf(unit, today);
    if (current) return { from: midnight(start, tz), to: now };
    return { from: midnight(back(unit, start, 1), tz), to: midnight(start, tz) };
  }
  const start = startOf(spec.unit, today);
  return { from: midnight(back(spec.unit, start, spec.last), tz), to: midnight(start, tz) };
}

/** YYYY-MM-DD of an instant in the zone. */
export function localDay(at: Date, tz: string): string {
  const l = localParts(at.getTime(), tz);
  return `${l.y}-${String(l.m).padStart(2, '0')}-${String(l.d).padStart(2, '0')}`;
}

/** Buckets of a range at an interval, aligned in the zone, for answers that count per bucket themselves. */
export function buckets(range: Range, interval: 'DAY' | 'WEEK' | 'MONTH', tz: string): Range[] {
  const unit: Unit = interval === 'DAY' ? 'day' : interval === 'WEEK' ? 'week' : 'month';
  const l = localParts(range.from.getTime(), tz);
  let start = startOf(unit, { y: l.y, m: l.m, d: l.d });
  const out: Range[] = [];
  for (let i = 0; i < 1000; i++) {
    const next = back(unit, start, -1);
    const from = midnight(start, tz);
    if (from.getTime() >= range.to.getTime()) break;
    const to = midnight(next, tz);
    out.push({ from: new Date(Math.max(from.getTime(), range.from.getTime())), to: new Date(Math.min(to.getTime(), range.to.getTime())) });
    start = next;
  }
  return out;
}
