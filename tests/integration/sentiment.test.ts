/**
 * Sentiment end to end, on held-out Olist reviews (tests/fixtures/olist_reviews_heldout.csv: the rows
 * scripts/sentiment-data.ts holds out of training, so accuracy here measures generalisation): reviews
 * go in as touchpoints, labels are stored at ingest exactly as the sentiment query answers, profile
 * aggregates equal a reference computed here from the stored scores, rules on sentiment select the
 * right people (full recompute and incremental), NEGATIVE_FEEDBACK fires, and bad input is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import {
  TrendsDocument,
  AlertRaisedDocument,
  AlertsDocument,
  CreateSegmentDocument,
  CustomerSentimentDocument,
  PreviewSegmentDocument,
  RecordTouchpointsDocument,
  SegmentMembersDocument,
  SentimentDocument,
  type TouchpointInput,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';

const reviews = readCsv('olist_reviews_heldout.csv');
/** Title then message, ". "-joined: how ingestion reads the default SENTIMENT_TEXT_KEYS. */
const textOf = (r: Record<string, string>) => [r.review_comment_title!.trim(), r.review_comment_message!.trim()].filter(Boolean).join('. ');
// About 3.8 reviews a person, so some people are mostly negative and averages spread out.
const PEOPLE = 120;
const personOf = (r: Record<string, string>) => `olist-${parseInt(r.order_id!.slice(0, 6), 16) % PEOPLE}`;
const touchpoint = (r: Record<string, string>): TouchpointInput => ({
  messageId: `review-${r.review_id}`,
  event: 'Review Submitted',
  userId: personOf(r),
  channel: 'WEB',
  occurredAt: new Date(`${r.review_creation_date!.replace(' ', 'T')}Z`).toISOString(),
  properties: { review_score: Number(r.review_score), review_comment_title: r.review_comment_title, review_comment_message: r.review_comment_message },
  context: { locale: 'pt-BR' },
});
const ALERT_MIN_SCORE = 0.5;

// Small excerpts for language detection (waimai_10k rows; UCI sentences; Olist reviews).
const ZH = ['很快，好吃，味道足，量大', '送餐快,态度也特别好,辛苦啦谢谢', '太难吃了，再也不点了'];
const EN = ['Good case, Excellent value.', 'The mic is great.', 'Tied to charger for conversations lasting more than 45 minutes.MAJOR PROBLEMS!!'];
const PT = ['Recebi bem antes do prazo estipulado.', 'Não recomendo, produto veio quebrado', 'Ótimo produto, chegou rápido'];

async function record(t: TestServer, input: TouchpointInput[]) {
  for (let i = 0; i < input.length; i += 500) {
    const r = (await t.ok(RecordTouchpointsDocument, { input: input.slice(i, i + 500) })).recordTouchpoints;
    expect(r.accepted).toBe(Math.min(500, input.length - i));
  }
}

/** sum/n (both in units of 1/10,000) rounded to 4 decimals half away from zero, in exact integer arithmetic. */
const average4 = (sum: number, n: number) => (Math.sign(sum) * Math.floor((2 * Math.abs(sum) + n) / (2 * n))) / 10_000;

describe.each(dbKinds)('sentiment on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { sentiment: { ...loadConfig({}).sentiment, alert: true, alertMinScore: ALERT_MIN_SCORE } });
  });
  afterAll(() => t?.stop());

  it('stores labels as the query answers them, aggregates per person, rules and alerts on held-out Olist reviews', async () => {
    const alerts = collect(t.wsClient(), AlertRaisedDocument, { kinds: ['NEGATIVE_FEEDBACK'] });
    await waitUntil(() => t.server.services.alerts.listenerCount > 0);

    const half = Math.floor(reviews.length / 2);
    await record(t, reviews.slice(0, half).map(touchpoint));
    // Created between the halves: the first half is judged by the compiled SQL, the second by the incremental evaluator.
    const avgRule = { attr: 'sentimentAverage', op: 'lt', value: -0.2 };
    const negRule = { event: 'Review Submitted', where: [{ prop: 'sentiment', op: 'eq', value: 'NEGATIVE' }], count: { op: 'gte', value: 2 } };
    const avgSeg = (await t.ok(CreateSegmentDocument, { input: { name: 'Unhappy on average', rule: avgRule } })).createSegment.id;
    const negSeg = (await t.ok(CreateSegmentDocument, { input: { name: 'Two negative reviews', rule: negRule } })).createSegment.id;
    await record(t, reviews.slice(half).map(touchpoint));

    // The query's answers, in batches of at most 1,000 texts.
    const texts = reviews.map(textOf);
    const answered = (await t.ok(SentimentDocument, { texts, language: 'pt' })).sentiment;
    expect(answered).toHaveLength(reviews.length);
    const byMessage = new Map(reviews.map((r, i) => [`review-${r.review_id}`, answered[i]!]));

    // Stored labels, per person (their journey), equal the query's; the aggregates equal a reference over them.
    const people = [...new Set(reviews.map(personOf))];
    const stored: { person: string; customerId: string; id: string; messageId: string; at: string; label: string; score: number }[] = [];
    const profiles = new Map<string, NonNullable<Awaited<ReturnType<typeof profileOf>>>>();
    async function profileOf(customerId: string) {
      return (await t.ok(CustomerSentimentDocument, { id: customerId })).customer;
    }
    const ids = new Map<string, string>();
    for (const person of people) {
      const { customerByIdentity } = (await t.gql<{ customerByIdentity: { id: string } }, unknown>(
        `query { customerByIdentity(type: USER_ID, value: ${JSON.stringify(person)}) { id } }`,
      )).data!;
      ids.set(person, customerByIdentity.id);
      const c = (await profileOf(customerByIdentity.id))!;
      profiles.set(person, c);
      for (const e of c.journey.edges) {
        const tp = e.node.touchpoint;
        expect(tp.sentiment, tp.messageId).toEqual({ ...byMessage.get(tp.messageId)!, language: 'pt' });
        stored.push({ person, customerId: customerByIdentity.id, id: tp.id, messageId: tp.messageId, at: tp.occurredAt, label: tp.sentiment!.label, score: tp.sentiment!.score });
      }
    }
    expect(stored).toHaveLength(reviews.length);

    for (const person of people) {
      const mine = stored.filter((s) => s.person === person);
      const last = [...mine].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1))[0]!;
      // Scores have 4 decimals: summing them as integers of 1/10,000 is exact.
      const sum = mine.reduce((s, m) => s + Math.round(m.score * 10_000), 0);
      expect(profiles.get(person)!.sentiment, person).toEqual({
        scoredCount: mine.length,
        average: average4(sum, mine.length),
        negativeCount: mine.filter((m) => m.label === 'NEGATIVE').length,
        neutralCount: mine.filter((m) => m.label === 'NEUTRAL').length,
        positiveCount: mine.filter((m) => m.label === 'POSITIVE').length,
        last: { label: last.label, score: last.score, at: last.at, touchpointId: last.id },
      });
    }

    // Trends break down by the stored label: per label, the touchpoints the journeys showed with it.
    const byLabel = (await t.ok(TrendsDocument, {
      scope: { from: '2016-01-01T00:00:00Z', to: '2019-01-01T00:00:00Z' },
      series: [{ event: 'Review Submitted' }],
      interval: 'MONTH',
      breakdown: [{ by: 'SENTIMENT' }],
    })).trends.series;
    const reference = Object.fromEntries(['NEGATIVE', 'NEUTRAL', 'POSITIVE'].map((l) => [l, stored.filter((x) => x.label === l).length]).filter(([, n]) => n));
    expect(Object.fromEntries(byLabel.map((x) => [x.breakdownValue, x.total]))).toEqual(reference);

    // Accuracy against the reviewers' stars (1–2 negative, 4–5 positive; 3 left out; NEUTRAL is wrong).
    // models/EVALUATION.md measured 0.920 on these very 413 held-out reviews (majority class 0.731).
    // The floor is 0.88: about three binomial standard errors (√(0.92·0.08/413) ≈ 0.013) below it, so a
    // retrained model that is as good passes, while a broken featurizer, band or model load (which falls
    // towards the 0.73 of always answering POSITIVE) fails.
    const labelled = reviews.filter((r) => r.review_score !== '3');
    const right = labelled.filter((r) => {
      const label = stored.find((s) => s.messageId === `review-${r.review_id}`)!.label;
      return Number(r.review_score) <= 2 ? label === 'NEGATIVE' : label === 'POSITIVE';
    }).length;
    expect(labelled.length).toBe(413);
    expect(right / labelled.length).toBeGreaterThanOrEqual(0.88);

    // Rules: the reference, from the stored labels and the reference averages.
    const expectAvg = people
      .filter((p) => profiles.get(p)!.sentiment.average! < -0.2)
      .map((p) => ids.get(p)!)
      .sort();
    const expectNeg = people
      .filter((p) => stored.filter((s) => s.person === p && s.label === 'NEGATIVE').length >= 2)
      .map((p) => ids.get(p)!)
      .sort();
    expect(expectAvg.length).toBeGreaterThan(3);
    expect(expectNeg.length).toBeGreaterThan(3);
    expect(expectAvg.length).toBeLessThan(people.length / 2);
    for (const [seg, rule, expected] of [
      [avgSeg, avgRule, expectAvg],
      [negSeg, negRule, expectNeg],
    ] as const) {
      const live = (await t.ok(SegmentMembersDocument, { id: seg })).segment!;
      expect(live.members.edges.map((e) => e.node.id).sort()).toEqual(expected);
      const preview = (await t.ok(PreviewSegmentDocument, { rule })).previewSegment;
      expect(preview.size).toBe(expected.length);
    }

    // NEGATIVE_FEEDBACK: one alert per stored NEGATIVE touchpoint with score ≤ −ALERT_MIN_SCORE.
    const strong = stored.filter((s) => s.label === 'NEGATIVE' && s.score <= -ALERT_MIN_SCORE);
    expect(strong.length).toBeGreaterThan(0);
    const got = await alerts.waitFor(strong.length);
    expect(got.map((a) => a.alertRaised.key).sort()).toEqual(strong.map((s) => `NEGATIVE_FEEDBACK:${s.id}`).sort());
    const listed = (await t.ok(AlertsDocument, { kind: 'NEGATIVE_FEEDBACK', first: 1 })).alerts;
    expect(listed.totalCount).toBe(strong.length);
    // A resent batch stores nothing and raises nothing again.
    await t.ok(RecordTouchpointsDocument, { input: reviews.slice(0, 50).map(touchpoint) });
    expect((await t.ok(AlertsDocument, { kind: 'NEGATIVE_FEEDBACK', first: 1 })).alerts.totalCount).toBe(strong.length);
    expect(alerts.errors).toEqual([]);
  });

  it('detects pt, zh and en, and reads a text without free-text keys as no sentiment', async () => {
    const r = (await t.ok(SentimentDocument, { texts: [...PT, ...ZH, ...EN] })).sentiment;
    expect(r.map((x) => x.language)).toEqual([...PT.map(() => 'pt'), ...ZH.map(() => 'zh'), ...EN.map(() => 'en')]);
    // Hand-checked polarity of unambiguous samples.
    expect(r.map((x) => x.label)).toEqual(['POSITIVE', 'NEGATIVE', 'POSITIVE', 'POSITIVE', 'POSITIVE', 'NEGATIVE', 'POSITIVE', 'POSITIVE', 'NEGATIVE']);
    for (const x of r) expect(Math.abs(x.score)).toBeLessThanOrEqual(1);

    await record(t, [{ messageId: 'no-text', event: 'Page Viewed', userId: 'quiet', channel: 'WEB', properties: { title: 'Home' } }]);
    const { customerByIdentity } = (await t.gql<{ customerByIdentity: { id: string } }, unknown>(`query { customerByIdentity(type: USER_ID, value: "quiet") { id } }`)).data!;
    const c = (await t.ok(CustomerSentimentDocument, { id: customerByIdentity.id })).customer!;
    expect(c.sentiment).toEqual({ scoredCount: 0, average: null, negativeCount: 0, neutralCount: 0, positiveCount: 0, last: null });
    expect(c.journey.edges[0]!.node.touchpoint.sentiment).toBeNull();
  });

  it('refuses too many texts, too long a text and an unknown language with codes', async () => {
    const codeOf = async (texts: string[], language?: string) => (await t.gql(SentimentDocument, { texts, language })).errors?.[0]?.extensions?.code;
    expect(await codeOf(Array.from({ length: 1001 }, () => 'ok'))).toBe('BATCH_TOO_LARGE');
    expect(await codeOf(['ok', 'x'.repeat(5001)])).toBe('VALUE_TOO_LONG');
    expect(await codeOf(['ok'], 'fr')).toBe('UNKNOWN_LANGUAGE');
    // Exactly at the limits is fine.
    expect((await t.ok(SentimentDocument, { texts: ['x'.repeat(5000)], language: 'EN' })).sentiment).toHaveLength(1);
  });
});
