/**
 * trainPropensity CHURN on a seeded synthetic app: 240 users log in on random days from their start
 * until they quit (half of them quit at a random day, the others never do; quitters log in less often
 * as they near their last day). With asOf T and a 30-day horizon the model trains on behaviour before
 * T − 60 d (label: no touchpoint in the next 30 days), is evaluated on behaviour before T − 30 d (label:
 * none in [T − 30 d, T)) and scores behaviour before T. The example counts and labels are recomputed
 * here from the generated events; the AUC itself is the server's (the evaluation scores are not stored),
 * required to beat chance clearly on data built to be predictable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, CustomersLearnedDocument, EraseCustomerDocument, SegmentDetailDocument, TrainPropensityDocument, type CustomersLearnedQuery, type TouchpointInput } from '../generated/graphql.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { dbKinds } from '../helpers/databases.ts';
import { recordAll } from '../helpers/record.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DAY = 86_400_000;
const T = Date.UTC(2024, 6, 1);
const H = 30;
const START = T - 200 * DAY;

const rnd = seededRandom(14);
const users = Array.from({ length: 240 }, (_, i) => {
  const start = START + rnd.int(0, 120) * DAY;
  const quits = rnd.chance(0.5) ? start + rnd.int(10, 190) * DAY : Infinity;
  const rate = 0.15 + rnd.next() * 0.5;
  const at: number[] = [];
  for (let d = start; d < T && d < quits; d += DAY) {
    const fading = quits === Infinity ? 1 : Math.min(1, (quits - d) / (40 * DAY));
    if (rnd.chance(rate * fading) || d === start) at.push(d + rnd.int(0, 86_399) * 1000);
  }
  return { user: `app-${i}`, at };
});

describe.each(dbKinds)('trainPropensity CHURN on a synthetic app on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    const input: TouchpointInput[] = users.flatMap((u) => u.at.map((at, k) => ({ messageId: `${u.user}-${k}`, userId: u.user, event: 'Login', channel: 'APP' as const, occurredAt: new Date(at).toISOString() })));
    await recordAll(t, input);
  }, 300_000);
  afterAll(() => t?.stop());

  it('trains on the earlier window, evaluates on the later one and scores everyone', async () => {
    const model = (await t.ok(TrainPropensityDocument, { input: { kind: 'CHURN', horizonDays: H, asOf: new Date(T).toISOString() } })).trainPropensity;
    const c2 = T - H * DAY;
    const c1 = c2 - H * DAY;
    const seenBefore = (cut: number) => users.filter((u) => u.at.some((a) => a < cut));
    const quiet = (u: (typeof users)[number], from: number, to: number) => !u.at.some((a) => a >= from && a < to);
    const train = seenBefore(c1);
    const evaluate = seenBefore(c2);
    expect({ trainCount: model.trainCount, trainPositives: model.trainPositives, evalCount: model.evalCount, evalPositives: model.evalPositives, scored: model.scored }).toEqual({
      trainCount: train.length,
      trainPositives: train.filter((u) => quiet(u, c1, c2)).length,
      evalCount: evaluate.length,
      evalPositives: evaluate.filter((u) => quiet(u, c2, T)).length,
      scored: seenBefore(T).length,
    });
    expect(model.weights.map((w) => w.feature)).toEqual(expect.arrayContaining(['RECENCY_DAYS', 'TENURE_DAYS', 'EVENT:Login']));
    expect(model.auc).toBeGreaterThan(0.8);
    expect(model.params).toMatchObject({ horizonDays: H, trainCut: new Date(c1).toISOString(), evalCut: new Date(c2).toISOString() });

    // Every customer has a churn score and no conversion score; the rule reads the same numbers.
    const churn: number[] = [];
    let someone = '';
    let after: string | null | undefined = null;
    for (;;) {
      const page: CustomersLearnedQuery['customers'] = (await t.ok(CustomersLearnedDocument, { first: 100, after })).customers;
      for (const e of page.edges) {
        expect(e.node.propensity.conversion).toBeNull();
        churn.push(e.node.propensity.churn!);
        if (!someone) someone = e.node.id;
      }
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(churn).toHaveLength(users.length);
    const risky = (await t.ok(CreateSegmentDocument, { input: { name: 'churn risk', rule: { attr: 'churnProbability', op: 'gt', value: 0.7 } } })).createSegment;
    expect((await t.ok(SegmentDetailDocument, { id: risky.id })).segment!.size).toBe(churn.filter((p) => p > 0.7).length);

    // Erasure removes the person's score.
    await t.ok(EraseCustomerDocument, { id: someone });
    const page = (await t.ok(CustomersLearnedDocument, { first: 100 })).customers;
    expect(page.edges.find((e) => e.node.id === someone)!.node.propensity).toEqual({ conversion: null, churn: null });
  });
});
