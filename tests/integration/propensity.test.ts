/**
 * trainPropensity on the UCI Online Shoppers Purchasing Intention sessions (every 6th row, 2,055
 * sessions; tests/fixtures/NOTICE.md), with purchase within the session as the label.
 *
 * Each session is one visitor (userId `uci-<row>`): its Administrative, Informational and
 * ProductRelated page counts become page views named after the page type (at most 15 per type, to keep
 * the test's ingest small; durations spread over them), each carrying the session's Google Analytics
 * page value, exit rate and bounce rate as properties (pageValue, exitRate, bounceRate); a purchase adds
 * an "Order Completed" after the last page. UCI gives a month and no year or day: sessions are placed in
 * 2017 in their month, so the time split at 2017-11-01 trains on February–October and evaluates on
 * November–December. The held-out AUC is recomputed here (Mann–Whitney over every pair) from the
 * scores on the profiles and the labels in the CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSegmentDocument,
  CustomersLearnedDocument,
  PropensityModelsDocument,
  SegmentDetailDocument,
  TrainPropensityDocument,
  TrendsDocument,
  type CustomersLearnedQuery,
  type TouchpointInput,
  type TrainPropensityInput,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { recordAll } from '../helpers/record.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'June', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SPLIT_AT = '2017-11-01T00:00:00.000Z';
const CAP = 15;

interface Session {
  user: string;
  start: number;
  bought: boolean;
  touchpoints: TouchpointInput[];
}

const sessions: Session[] = readCsv('online_shoppers_intention_every6.csv', ';').map((s, i) => {
  const month = MONTHS.indexOf(s.Month!);
  if (month < 0) throw new Error(`unknown month ${s.Month}`);
  const user = `uci-${i}`;
  const start = Date.UTC(2017, month, 1 + (i % 28), 8 + (i % 12), i % 60);
  let at = start;
  const touchpoints: TouchpointInput[] = [];
  const props = { pageValue: Number(s.PageValues), exitRate: Number(s.ExitRates), bounceRate: Number(s.BounceRates) };
  for (const kind of ['Administrative', 'Informational', 'ProductRelated']) {
    const n = Number(s[kind]);
    const dwell = n > 0 ? (Number(s[`${kind}_Duration`]) * 1000) / n : 0;
    for (let k = 0; k < Math.min(n, CAP); k++) {
      touchpoints.push({ messageId: `${user}-${kind}-${k}`, type: 'PAGE', userId: user, properties: { name: kind, ...props }, occurredAt: new Date(Math.round(at)).toISOString() });
      at += dwell;
    }
  }
  const bought = s.Revenue === 'TRUE';
  if (bought) touchpoints.push({ messageId: `${user}-buy`, userId: user, event: 'Order Completed', occurredAt: new Date(Math.round(at) + 1000).toISOString() });
  return { user, start, bought, touchpoints };
});
// A session with no page and no purchase leaves no touchpoint, hence no customer.
const customers = sessions.filter((s) => s.touchpoints.length > 0);

/** Mann–Whitney AUC over every (positive, negative) pair, ties one half. */
function pairwiseAuc(scored: { p: number; y: boolean }[]): number {
  const pos = scored.filter((s) => s.y);
  const neg = scored.filter((s) => !s.y);
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a.p > b.p ? 1 : a.p === b.p ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

describe.each(dbKinds)('trainPropensity on the UCI online shoppers sessions on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    await recordAll(t, customers.flatMap((s) => s.touchpoints));
  }, 300_000);
  afterAll(() => t?.stop());

  /** userId → propensity, read through the profiles page by page. */
  async function scores(): Promise<Map<string, { conversion: number | null; churn: number | null }>> {
    const out = new Map<string, { conversion: number | null; churn: number | null }>();
    let after: string | null | undefined = null;
    for (;;) {
      const page: CustomersLearnedQuery['customers'] = (await t.ok(CustomersLearnedDocument, { first: 100, after })).customers;
      for (const e of page.edges) out.set(e.node.identities.find((i) => i.type === 'USER_ID')!.value, e.node.propensity);
      if (!page.pageInfo.hasNextPage) return out;
      after = page.pageInfo.endCursor;
    }
  }

  const input: TrainPropensityInput = { kind: 'CONVERSION', splitAt: SPLIT_AT, numericProperties: ['pageValue', 'exitRate', 'bounceRate'] };

  it('reaches a held-out AUC of at least 0.85, equal to one recomputed from the profiles', async () => {
    const model = (await t.ok(TrainPropensityDocument, { input })).trainPropensity;
    const train = customers.filter((s) => s.start < +new Date(SPLIT_AT));
    const held = customers.filter((s) => s.start >= +new Date(SPLIT_AT));
    expect({ trainCount: model.trainCount, trainPositives: model.trainPositives, evalCount: model.evalCount, evalPositives: model.evalPositives, scored: model.scored }).toEqual({
      trainCount: train.length,
      trainPositives: train.filter((s) => s.bought).length,
      evalCount: held.length,
      evalPositives: held.filter((s) => s.bought).length,
      scored: customers.length,
    });
    expect(model.weights.map((w) => w.feature)).toEqual(
      expect.arrayContaining(['TOUCHPOINTS', 'EVENT:Page Viewed: ProductRelated', 'PROPERTY_MEAN:pageValue', 'PROPERTY_MEAN:exitRate']),
    );
    // The purchase itself is never a feature.
    expect(model.weights.some((w) => w.feature.includes('Order Completed'))).toBe(false);

    const byUser = await scores();
    expect(byUser.size).toBe(customers.length);
    const heldScores = held.map((s) => ({ p: byUser.get(s.user)!.conversion!, y: s.bought }));
    const auc = pairwiseAuc(heldScores);
    expect(model.auc).toBeCloseTo(auc, 9);
    expect(auc).toBeGreaterThanOrEqual(0.85);
    for (const s of heldScores) expect(s.p >= 0 && s.p <= 1).toBe(true);

    const listed = (await t.ok(PropensityModelsDocument, { kind: 'CONVERSION', first: 1 })).propensityModels;
    expect(listed.map((m) => m.id)).toEqual([model.id]);
  });

  it('puts the score in segment rules and keeps such segments current when a model is retrained', async () => {
    await t.ok(TrainPropensityDocument, { input });
    const byUser = await scores();
    const likely = (await t.ok(CreateSegmentDocument, { input: { name: 'likely buyers', rule: { attr: 'conversionProbability', op: 'gt', value: 0.5 } } })).createSegment;
    const expected = [...byUser.values()].filter((s) => s.conversion !== null && s.conversion > 0.5).length;
    expect(expected).toBeGreaterThan(0);
    expect((await t.ok(SegmentDetailDocument, { id: likely.id })).segment!.size).toBe(expected);
    // A heavier penalty moves the scores; the segment follows without a recompute.
    await t.ok(TrainPropensityDocument, { input: { ...input, l2: 5 } });
    const after = [...(await scores()).values()].filter((s) => s.conversion !== null && s.conversion > 0.5).length;
    expect(after).not.toBe(expected);
    expect((await t.ok(SegmentDetailDocument, { id: likely.id })).segment!.size).toBe(after);
  });

  it('splits trends by tenths of the score', async () => {
    await t.ok(TrainPropensityDocument, { input });
    const byUser = await scores();
    const tenth = (p: number) => Math.min(Math.floor(Math.round(p * 1e6) / 1e5), 9);
    const label = (k: number) => `${(k / 10).toFixed(1)}–${((k + 1) / 10).toFixed(1)}`;
    const expected = new Map<string, number>();
    for (const s of customers.filter((c) => c.bought)) {
      const key = label(tenth(byUser.get(s.user)!.conversion!));
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const r = (
      await t.ok(TrendsDocument, {
        scope: { from: '2017-01-01T00:00:00Z', to: '2018-01-01T00:00:00Z' },
        series: [{ event: 'Order Completed', math: 'TOTAL' }],
        interval: 'MONTH',
        breakdown: [{ by: 'ATTRIBUTE', key: 'conversionProbability' }],
        breakdownLimit: 25,
      })
    ).trends;
    const got = new Map(r.series.filter((s) => !s.other).map((s) => [s.breakdownValue![0]!, s.total]));
    expect(got).toEqual(expected);
  });

  it('refuses bad input with codes', async () => {
    const code = async (i: TrainPropensityInput, headers?: Record<string, string>) => (await t.gql(TrainPropensityDocument, { input: i }, headers)).errors?.[0]?.extensions?.code;
    expect(await code({ ...input, conversionEvent: 'Never Happens' })).toBe('NOT_ENOUGH_DATA');
    expect(await code({ ...input, l2: -1 })).toBe('BAD_USER_INPUT');
    expect(await code({ kind: 'CHURN', horizonDays: 0 })).toBe('BAD_USER_INPUT');
    expect(await code(input, { authorization: `Bearer ${t.keys.READER}` })).toBe('FORBIDDEN');
  });
});
