/**
 * Multi-touch attribution on ChannelAttribution's sample paths (tests/fixtures/ca_path_data.csv).
 *
 * The rows are aggregates: `path;total_conversions;total_conversion_value;total_null`. Each of the
 * first ROWS rows is expanded, as the datasets README says, into min(total_conversions, CAP)
 * converting and min(total_null, CAP) non-converting synthetic customers; each customer's touchpoints
 * are the path's channels in order, one hour apart, and a converting one then has a "CA Conversion"
 * one hour after its last touch, with revenue total_conversion_value / total_conversions rounded to
 * the cent (the store keeps cents). Everything goes in through recordTouchpoints.
 *
 * The expected figures come from plain reference implementations below that work on the AGGREGATED
 * rows (each row weighted by its capped counts), never on what the server stored; Markov removal
 * effects are computed there by iterating the absorbing chain's probabilities to convergence, not by
 * the server's linear solve.
 *
 * The dataset's 12 channel names are not our Channel enum; they map 1:1 onto 12 of its 13 values
 * (CHANNEL below; OTHER is left for the conversion touchpoints) and the name is also kept in the
 * touchpoint's `ca_channel` property.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributionByDocument, AttributionDocument, ChannelPerformanceDocument, type AttributionModel, type Channel, type TouchpointInput } from '../generated/graphql.ts';
import { CA_CHANNEL } from '../helpers/channel-attribution.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { recordAll } from '../helpers/record.ts';

const ROWS = 500;
const CAP = 10;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HALF_LIFE_DAYS = 0.125; // 3 hours: with touches an hour apart, clearly unlike LINEAR
const EVENT = 'CA Conversion';

const CHANNEL = CA_CHANNEL;

interface PathRow {
  channels: Channel[];
  conversions: number;
  nulls: number;
  /** Revenue of one conversion, in cents-exact euros. */
  valueEach: number;
}

const rows: PathRow[] = readCsv('ca_path_data.csv', ';')
  .slice(0, ROWS)
  .map((r) => {
    const names = r.path!.split('>').map((s) => s.trim());
    for (const n of names) if (!CHANNEL[n]) throw new Error(`no channel mapping for "${n}"`);
    const total = Number(r.total_conversions);
    return {
      channels: names.map((n) => CHANNEL[n]!),
      conversions: Math.min(total, CAP),
      nulls: Math.min(Number(r.total_null), CAP),
      valueEach: total > 0 ? Math.round((Number(r.total_conversion_value) / total) * 100) / 100 : 0,
    };
  });

// ---- the reference, over the aggregated rows ----------------------------------------------------

type Credit = Map<Channel, { conversions: number; value: number }>;

function add(credit: Credit, channel: Channel, conversions: number, value: number) {
  const c = credit.get(channel) ?? { conversions: 0, value: 0 };
  c.conversions += conversions;
  c.value += value;
  credit.set(channel, c);
}

/** Rule-based models: the weights one journey's touches get, summing to 1. */
const weights: Record<Exclude<AttributionModel, 'MARKOV'>, (n: number) => number[]> = {
  FIRST_TOUCH: (n) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0)),
  LAST_TOUCH: (n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0)),
  LINEAR: (n) => Array.from({ length: n }, () => 1 / n),
  POSITION_BASED: (n) => (n === 1 ? [1] : n === 2 ? [0.5, 0.5] : Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)))),
  TIME_DECAY: (n) => {
    // touch i is (n − i) hours before the conversion
    const raw = Array.from({ length: n }, (_, i) => 2 ** (-(n - i) / (HALF_LIFE_DAYS * 24)));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((w) => w / sum);
  },
};

function referenceRuleBased(model: keyof typeof weights): Credit {
  const credit: Credit = new Map();
  for (const row of rows) {
    if (row.conversions === 0) continue;
    weights[model](row.channels.length).forEach((w, i) => add(credit, row.channels[i]!, w * row.conversions, w * row.conversions * row.valueEach));
  }
  return credit;
}

const START = 'START';
const CONV = 'CONVERSION';
const NULL = 'NULL';

/** Markov removal effects by value iteration on the absorbing chain built from the aggregated rows. */
function referenceMarkov(): { probability: number; removal: Map<Channel, number> } {
  const counts = new Map<string, Map<string, number>>();
  const count = (from: string, to: string, n: number) => {
    if (n === 0) return;
    const m = counts.get(from) ?? new Map<string, number>();
    m.set(to, (m.get(to) ?? 0) + n);
    counts.set(from, m);
  };
  for (const row of rows) {
    const n = row.conversions + row.nulls;
    const states = [START, ...row.channels];
    for (let i = 0; i + 1 < states.length; i++) count(states[i]!, states[i + 1]!, n);
    count(row.channels.at(-1)!, CONV, row.conversions);
    count(row.channels.at(-1)!, NULL, row.nulls);
  }
  const prob = new Map([...counts].map(([from, m]) => {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    return [from, [...m].map(([to, k]) => [to, k / total] as const)] as const;
  }));
  const conversionProbability = (removed: string | null) => {
    const x = new Map<string, number>([...prob.keys()].map((s) => [s, 0]));
    x.set(CONV, 1);
    x.set(NULL, 0);
    for (let iter = 0; iter < 1_000_000; iter++) {
      let delta = 0;
      for (const [s, out] of prob) {
        if (s === removed) continue; // a removed channel absorbs into NULL: stays 0
        const v = out.reduce((acc, [to, p]) => acc + p * x.get(to)!, 0);
        delta = Math.max(delta, Math.abs(v - x.get(s)!));
        x.set(s, v);
      }
      if (delta < 1e-15) break;
    }
    return x.get(START)!;
  };
  const probability = conversionProbability(null);
  const channels = [...new Set(rows.flatMap((r) => r.channels))];
  return { probability, removal: new Map(channels.map((c) => [c, 1 - conversionProbability(c) / probability])) };
}

const totalConversions = rows.reduce((s, r) => s + r.conversions, 0);
const totalValue = rows.reduce((s, r) => s + r.conversions * r.valueEach, 0);
const totalNulls = rows.reduce((s, r) => s + r.nulls, 0);

function expectClose(actual: number, expected: number, what: string) {
  const tolerance = 1e-6 * Math.max(Math.abs(expected), Math.abs(actual)) + 1e-9;
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

function expectCredit(actual: { channel: Channel; conversions: number; value: number }[], expected: Credit, what: string) {
  const got = new Map(actual.map((c) => [c.channel, c]));
  for (const channel of new Set([...got.keys(), ...expected.keys()])) {
    const a = got.get(channel) ?? { conversions: 0, value: 0 };
    const e = expected.get(channel) ?? { conversions: 0, value: 0 };
    expectClose(a.conversions, e.conversions, `${what} ${channel} conversions`);
    expectClose(a.value, e.value, `${what} ${channel} value`);
  }
}

// ---- data -------------------------------------------------------------------------------------

const BASE = Date.UTC(2024, 0, 1);
const caScope = { from: new Date(BASE - 60 * DAY).toISOString(), to: new Date(BASE + 30 * DAY).toISOString() };

function expand(): TouchpointInput[] {
  const out: TouchpointInput[] = [];
  rows.forEach((row, r) => {
    const journeys = [...Array.from({ length: row.conversions }, () => true), ...Array.from({ length: row.nulls }, () => false)];
    journeys.forEach((converts, j) => {
      const userId = `ca-${r}-${j}`;
      row.channels.forEach((channel, k) =>
        out.push({ messageId: `${userId}-t${k}`, userId, event: 'CA Touch', channel, occurredAt: new Date(BASE + k * HOUR).toISOString(), properties: { ca_channel: channel } }),
      );
      if (converts)
        out.push({ messageId: `${userId}-conv`, userId, event: EVENT, channel: 'OTHER', revenue: row.valueEach, occurredAt: new Date(BASE + row.channels.length * HOUR).toISOString() });
    });
  });
  return out;
}

// Hand-checked cases, in 2023 so that their scope holds nothing else.
const T0 = Date.UTC(2023, 5, 1);
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();
const handScope = { from: new Date(Date.UTC(2023, 0, 1)).toISOString(), to: new Date(Date.UTC(2023, 11, 31)).toISOString() };
const handCases: TouchpointInput[] = [
  // two conversions: the second one's journey starts after the first
  { messageId: 'h1-a', userId: 'hand-1', event: 'Visit', channel: 'EMAIL', occurredAt: at(0) },
  { messageId: 'h1-b', userId: 'hand-1', event: 'Buy', channel: 'OTHER', revenue: 10, occurredAt: at(1) },
  { messageId: 'h1-c', userId: 'hand-1', event: 'Visit', channel: 'SOCIAL', occurredAt: at(2) },
  { messageId: 'h1-d', userId: 'hand-1', event: 'Visit', channel: 'ADS', occurredAt: at(3) },
  { messageId: 'h1-e', userId: 'hand-1', event: 'Buy', channel: 'OTHER', revenue: 20, occurredAt: at(4) },
  // a conversion with no touch before it
  { messageId: 'h2-a', userId: 'hand-2', event: 'Buy', channel: 'OTHER', revenue: 5, occurredAt: at(0) },
  // a touch 40 days before the conversion: outside a 30-day lookback, inside a 60-day one
  { messageId: 'h3-a', userId: 'hand-3', event: 'Visit', channel: 'SEARCH', occurredAt: at(-40 * 24) },
  { messageId: 'h3-b', userId: 'hand-3', event: 'Buy', channel: 'OTHER', revenue: 7, occurredAt: at(0) },
];

describe.each(dbKinds)('attribution on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    const all = [...expand(), ...handCases];
    await recordAll(t, all);
  }, 120_000);
  afterAll(() => t?.stop());

  it('every model matches the reference over the aggregated ChannelAttribution rows', async () => {
    const started = performance.now();
    const a = (await t.ok(AttributionDocument, { scope: caScope, conversionEvent: EVENT, lookbackDays: 30, halfLifeDays: HALF_LIFE_DAYS })).attribution;
    const elapsed = performance.now() - started;
    expect(a).toMatchObject({ conversions: totalConversions, attributedConversions: totalConversions, unattributed: { conversions: 0, value: 0 }, nonConvertingJourneys: totalNulls });
    expectClose(a.conversionValue, totalValue, 'conversion value');
    expect(a.models.map((m) => m.model)).toEqual(['FIRST_TOUCH', 'LAST_TOUCH', 'LINEAR', 'TIME_DECAY', 'POSITION_BASED', 'MARKOV']);
    for (const m of a.models) {
      // totals equal the conversions counted, in every model
      expectClose(m.totalConversions, totalConversions, `${m.model} total`);
      expectClose(m.channels.reduce((s, c) => s + c.conversions, 0), totalConversions, `${m.model} sum`);
      expectClose(m.totalValue, totalValue, `${m.model} value`);
      if (m.model !== 'MARKOV') expectCredit(m.channels, referenceRuleBased(m.model), m.model);
    }

    const markov = a.models.find((m) => m.model === 'MARKOV')!;
    const ref = referenceMarkov();
    expectClose(markov.conversionProbability!, ref.probability, 'P(conversion)');
    expectClose(ref.probability, totalConversions / (totalConversions + totalNulls), 'reference P(conversion) = share of converting journeys');
    const reSum = [...ref.removal.values()].reduce((a, b) => a + b, 0);
    const expected: Credit = new Map();
    for (const [channel, re] of ref.removal) {
      expectClose(markov.channels.find((c) => c.channel === channel)?.removalEffect ?? 0, re, `removal effect ${channel}`);
      add(expected, channel, (totalConversions * re) / reSum, (totalValue * re) / reSum);
    }
    expectCredit(markov.channels, expected, 'MARKOV');
    console.log(`[${kind}] all six models over ${a.conversions} conversions and ${a.nonConvertingJourneys} non-converting journeys: ${elapsed.toFixed(0)} ms`);
  });

  it('MARKOV alone, timed', async () => {
    const started = performance.now();
    const a = (await t.ok(AttributionDocument, { scope: caScope, conversionEvent: EVENT, models: ['MARKOV'] })).attribution;
    console.log(`[${kind}] Markov attribution over ${expand().length} touchpoints: ${(performance.now() - started).toFixed(0)} ms`);
    expect(a.models.map((m) => m.model)).toEqual(['MARKOV']);
    expectClose(a.models[0]!.totalConversions, totalConversions, 'MARKOV total');
    // Asked alone, MARKOV skips the rule-based sums in SQL: the totals and the chain are still the reference's.
    expect(a).toMatchObject({ conversions: totalConversions, attributedConversions: totalConversions, nonConvertingJourneys: totalNulls });
    const ref = referenceMarkov();
    expectClose(a.models[0]!.conversionProbability!, ref.probability, 'P(conversion), MARKOV alone');
    for (const [channel, re] of ref.removal) expectClose(a.models[0]!.channels.find((c) => c.channel === channel)?.removalEffect ?? 0, re, `removal effect ${channel}, MARKOV alone`);
  });

  it('journeys stop at the previous conversion and the lookback; conversions with no touch are unattributed', async () => {
    const q = (lookbackDays: number) => t.ok(AttributionDocument, { scope: handScope, conversionEvent: 'Buy', lookbackDays, models: ['FIRST_TOUCH', 'LAST_TOUCH', 'LINEAR', 'POSITION_BASED'] });
    const byModel = (a: Awaited<ReturnType<typeof q>>['attribution']) =>
      Object.fromEntries(a.models.map((m) => [m.model, Object.fromEntries(m.channels.filter((c) => c.conversions > 0).map((c) => [c.channel, [c.conversions, c.value]]))]));

    const a30 = (await q(30)).attribution;
    expect(a30).toMatchObject({ conversions: 4, conversionValue: 42, attributedConversions: 2, attributedValue: 30, unattributed: { conversions: 2, value: 12 }, nonConvertingJourneys: 0 });
    expect(byModel(a30)).toEqual({
      FIRST_TOUCH: { EMAIL: [1, 10], SOCIAL: [1, 20] },
      LAST_TOUCH: { EMAIL: [1, 10], ADS: [1, 20] },
      LINEAR: { EMAIL: [1, 10], SOCIAL: [0.5, 10], ADS: [0.5, 10] },
      POSITION_BASED: { EMAIL: [1, 10], SOCIAL: [0.5, 10], ADS: [0.5, 10] },
    });
    const a60 = (await q(60)).attribution;
    expect(a60).toMatchObject({ attributedConversions: 3, unattributed: { conversions: 1, value: 5 } });
    expect(byModel(a60).FIRST_TOUCH).toEqual({ EMAIL: [1, 10], SOCIAL: [1, 20], SEARCH: [1, 7] });
  });

  it('MARKOV by CAMPAIGN takes up to 200 (channel, campaign) pairs as documented, and refuses 201', async () => {
    const t0 = Date.UTC(2025, 5, 1);
    const at = (minute: number) => new Date(t0 + minute * 60_000).toISOString();
    // Person i: one WEB touch of campaign cap-i, converting a minute later: one pair per person.
    await recordAll(
      t,
      Array.from({ length: 201 }, (_, i): TouchpointInput[] => [
        { messageId: `cap-${i}-t`, userId: `cap-${i}`, event: 'Cap Visit', channel: 'WEB', context: { campaign: { name: `cap-${i}` } }, occurredAt: at(2 * i) },
        { messageId: `cap-${i}-c`, userId: `cap-${i}`, event: 'Cap Buy', channel: 'OTHER', occurredAt: at(2 * i + 1) },
      ]).flat(),
    );
    const ask = (people: number) => t.gql(AttributionByDocument, { scope: { from: at(0), to: at(2 * people) }, conversionEvent: 'Cap Buy', models: ['MARKOV'], by: 'CAMPAIGN' });
    // 200 pairs: every journey is START → its pair → conversion, so P = 1 and removing one pair leaves
    // 199/200: equal removal effects, and each pair gets 200 × 1/200 = 1 conversion.
    const ok = await ask(200);
    expect(ok.errors).toBeUndefined();
    const channels = ok.data!.attribution.models[0]!.channels;
    expect(channels.map((c) => c.campaign).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `cap-${i}`).sort());
    for (const c of channels) expectClose(c.conversions, 1, `conversions of ${c.campaign}`);
    const over = await ask(201);
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'models' });
    expect(over.errors?.[0]?.message).toContain('this scope has 201');
  });

  it('refuses an empty or unknown conversion event and a lookback outside 1..365', async () => {
    const codeOf = async (vars: { scope: typeof caScope; conversionEvent: string; lookbackDays?: number }) => {
      const r = await t.gql(AttributionDocument, vars);
      expect(r.data ?? null).toBeNull();
      return r.errors?.[0]?.extensions;
    };
    expect(await codeOf({ scope: caScope, conversionEvent: '' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'conversionEvent' });
    expect(await codeOf({ scope: caScope, conversionEvent: '  ' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'conversionEvent' });
    expect(await codeOf({ scope: caScope, conversionEvent: 'Never Happened' })).toMatchObject({ code: 'UNKNOWN_EVENT', events: ['Never Happened'] });
    for (const lookbackDays of [0, -1, 366])
      expect(await codeOf({ scope: caScope, conversionEvent: EVENT, lookbackDays })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lookbackDays' });
    const r = await t.gql(ChannelPerformanceDocument, { scope: caScope, conversionEvent: 'Never Happened' });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'UNKNOWN_EVENT', events: ['Never Happened'] });
    const unknownMessage = (await t.gql(AttributionDocument, { scope: caScope, conversionEvent: 'Never Happened' })).errors?.[0]?.message;
    expect(unknownMessage).toContain('"Never Happened"');
  });
});
