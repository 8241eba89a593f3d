/**
 * Segment.sizeTrend through GraphQL: membership changes made on known days (the injected clock) give
 * the sizes a forward replay of those writes gives, in the test; pruned days are marked incomplete;
 * `days` outside 1..366 is BAD_USER_INPUT; a list of segments with trends is one trend statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, SegmentSizeTrendDocument, SegmentsWithTrendDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { loadConfig } from '../../src/config/env.ts';
import { DAY_MS, testClock } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { countStatements, startTestServer, type TestServer } from '../helpers/server.ts';

const HOUR = 3_600_000;
/** Day 0 of the script; every write happens at START + its day and hour. */
const START = Date.parse('2026-03-01T09:00:00Z');
const RETENTION_DAYS = 20;
const TODAY = 27;

/** Who has which country when: segment NL and segment DE follow these. */
const SCRIPT: { day: number; hour: number; person: string; country: string }[] = [
  { day: 0, hour: 1, person: 'P1', country: 'NL' },
  { day: 0, hour: 1, person: 'P2', country: 'NL' },
  { day: 2, hour: 0, person: 'P3', country: 'NL' },
  { day: 2, hour: 0, person: 'P4', country: 'DE' },
  { day: 2, hour: 2, person: 'P1', country: 'DE' },
  { day: 5, hour: 0, person: 'P5', country: 'NL' },
  { day: 5, hour: 3, person: 'P2', country: 'FR' },
  { day: 9, hour: 0, person: 'P6', country: 'NL' },
  { day: 9, hour: 0, person: 'P7', country: 'NL' },
  { day: 9, hour: 4, person: 'P8', country: 'DE' },
  { day: 14, hour: 0, person: 'P3', country: 'DE' },
  { day: 20, hour: 5, person: 'P9', country: 'NL' },
  { day: 25, hour: 0, person: 'P4', country: 'NL' },
];
const writeAt = (w: { day: number; hour: number }) => START + w.day * DAY_MS + w.hour * HOUR;

/** The reference: members of `country` just before `t`, replayed forward from the script. */
function sizeBefore(country: string, t: number): number {
  const state = new Map<string, string>();
  for (const w of SCRIPT) if (writeAt(w) < t) state.set(w.person, w.country);
  return [...state.values()].filter((c) => c === country).length;
}

/** Membership changes one write makes: leaving the NL or DE segment it was in, entering the one it moves to. */
function changesOf(w: (typeof SCRIPT)[number]): number {
  let before: string | undefined;
  for (const x of SCRIPT) if (writeAt(x) < writeAt(w) && x.person === w.person) before = x.country;
  const tracked = (c: string | undefined) => c === 'NL' || c === 'DE';
  return before === w.country ? 0 : Number(tracked(before)) + Number(tracked(w.country));
}

const utcMidnight = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The expected trend: the last `days` UTC days up to today's, each with the size at its end (today: now). */
function expectedTrend(country: string, days: number, now: number): { day: string; size: number }[] {
  const today = utcMidnight(now);
  return Array.from({ length: days }, (_, i) => {
    const start = today - (days - 1 - i) * DAY_MS;
    return { day: isoDay(start), size: sizeBefore(country, Math.min(start + DAY_MS, now + 1)) };
  });
}

describe.each(dbKinds)('Segment.sizeTrend on %s', (kind) => {
  let t: TestServer;
  const clock = testClock(new Date(START));
  const segments: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestServer(kind, { outbox: { ...loadConfig({}).outbox, retentionDays: RETENTION_DAYS, pruneMs: 3_600_000 } }, { clock: clock.now });
    for (const country of ['NL', 'DE']) {
      segments[country] = (await t.ok(CreateSegmentDocument, { input: { name: `In ${country}`, rule: { attr: 'country', op: 'eq', value: country } } })).createSegment.id;
    }
    for (const w of SCRIPT) {
      clock.set(new Date(writeAt(w)));
      const r = (await t.ok(UpsertCustomersDocument, { input: [{ source: 'crm', externalId: w.person, country: w.country }] })).upsertCustomers;
      expect(r.failed).toBe(0);
    }
    clock.set(new Date(START + TODAY * DAY_MS + 3 * HOUR));
  });
  afterAll(() => t?.stop());

  it('gives the size at the end of each day, as a forward replay of the writes made gives it', async () => {
    const now = clock.now().getTime();
    for (const country of ['NL', 'DE']) {
      for (const days of [30, 1, 366]) {
        const seg = (await t.ok(SegmentSizeTrendDocument, { id: segments[country]!, days })).segment!;
        expect(seg.sizeTrend.map(({ day, size }) => ({ day, size }))).toEqual(expectedTrend(country, days, now));
        expect(seg.sizeTrend.at(-1)!.size).toBe(seg.size);
        // Nothing pruned yet: every day is known.
        expect(seg.sizeTrend.every((p) => p.complete)).toBe(true);
      }
    }
    // The script's own figures, as a check on the reference: NL ends with P4, P5, P6, P7, P9.
    expect(expectedTrend('NL', 1, now)[0]!.size).toBe(5);
  });

  it('marks the days that may have lost changes to pruning as incomplete, and keeps the others right', async () => {
    const now = clock.now().getTime();
    const pruned = await t.server.services.segments.pruneOutbox();
    const cutoff = now - RETENTION_DAYS * DAY_MS;
    // Every write of the script changed a membership, one after another: the changes before the cutoff are pruned.
    expect(pruned.deleted).toBe(SCRIPT.filter((w) => writeAt(w) < cutoff).reduce((n, w) => n + changesOf(w), 0));
    const lastPruned = Math.max(...SCRIPT.map(writeAt).filter((at) => at < cutoff));
    for (const country of ['NL', 'DE']) {
      const trend = (await t.ok(SegmentSizeTrendDocument, { id: segments[country]!, days: 30 })).segment!.sizeTrend;
      const expected = expectedTrend(country, 30, now);
      trend.forEach((p, i) => {
        const end = Date.parse(`${p.day}T00:00:00Z`) + DAY_MS;
        // A complete day's size is the true one; a day that ends before a pruned change is never complete;
        // a day that ends after the retention cutoff always is.
        if (p.complete) expect(p.size, p.day).toBe(expected[i]!.size);
        if (end <= lastPruned) expect(p.complete, p.day).toBe(false);
        if (end >= cutoff) expect(p.complete, p.day).toBe(true);
      });
      expect(trend.filter((p) => !p.complete).length).toBeGreaterThan(0);
    }
  });

  it('refuses days outside 1..366 with BAD_USER_INPUT naming the argument', async () => {
    for (const days of [0, 367, -1]) {
      const r = await t.gql(SegmentSizeTrendDocument, { id: segments.NL!, days });
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days', min: 1, max: 366 });
    }
  });

  it('reads the trends of a whole list of segments in one statement', async () => {
    for (const country of ['FR', 'BE', 'ES']) {
      await t.ok(CreateSegmentDocument, { input: { name: `In ${country}`, rule: { attr: 'country', op: 'eq', value: country } } });
    }
    const { result, statements } = await countStatements(t.db, () => t.ok(SegmentsWithTrendDocument));
    expect(result.segments.length).toBe(5);
    expect(statements.filter((s) => s.includes('generate_series')).length).toBe(1);
    for (const s of result.segments) {
      expect(s.sizeTrend.length).toBe(30);
      const single = (await t.ok(SegmentSizeTrendDocument, { id: s.id })).segment!.sizeTrend;
      expect(s.sizeTrend).toEqual(single);
    }
  });
});
