/**
 * A READER key must not be able to read personal data, nor test it: no answer may differ between a
 * true and a false guess of someone's email, phone or name (an oracle), and no response to any
 * document a client uses (tests/documents) may carry a seeded personal value.
 */
import { Kind, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as documents from '../generated/graphql.ts';
import { CreateSegmentDocument, CreateTagDocument, RecordTouchpointsDocument, TagCustomersDocument, UpsertCustomersDocument } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';

const GRACE = {
  source: 'crm',
  externalId: 'ORACLE-1',
  email: 'grace.hopper@navy.example',
  phone: '+14155552671',
  firstName: 'Grace',
  lastName: 'Hopper',
  name: 'Grace Hopper',
  birthday: '1906-12-09',
  country: 'US',
  // plan holds an email-shaped value: a breakdown by plan must mask it.
  traits: { plan: 'alan.turing@bletchley.example', email: 'grace.hopper@navy.example', workEmail: 'gh@fleet.example', nested: { phone: '+14155552671' } },
  identities: [{ type: 'USER_ID' as const, value: 'u-grace' }],
};
const ADA = { source: 'crm', externalId: 'ORACLE-2', email: 'ada.lovelace@analytical.example', phone: '+442071838750', firstName: 'Ada', lastName: 'Lovelace', country: 'GB', traits: { plan: 'pro' } };
/** Strings that must never appear in a READER's response (a masked email keeps its domain, by design). */
const SECRETS = ['grace.hopper', '5552671', 'Hopper', 'Grace', '1906-12-09', 'alan.turing', 'gh@fleet', 'ada.lovelace', '1838750', 'Lovelace', '192.0.2.10', 'Baker Street'];
const FROM = '2026-01-01T00:00:00Z';
const TO = '2027-01-01T00:00:00Z';
const scope = { from: FROM, to: TO };

describe.each(dbKinds)('READER cannot read or test personal data on %s', (kind) => {
  let t: TestServer;
  let grace: string;
  let segmentId: string;
  const as = (role: 'READER' | 'OPERATOR') => ({ authorization: `Bearer ${t.keys[role]}` });

  beforeAll(async () => {
    t = await startTestServer(kind);
    const up = await t.ok(UpsertCustomersDocument, { input: [GRACE, ADA] });
    grace = up.upsertCustomers.results[0]!.customerId!;
    const events = [
      { messageId: 'o-1', event: 'Product Viewed', userId: 'u-grace', occurredAt: '2026-03-01T10:00:00Z', properties: { email: GRACE.email, sku: 'A', experiment: 'exp1', variant: 'a' }, context: { ip: '192.0.2.10' } },
      { messageId: 'o-2', event: 'Order Completed', userId: 'u-grace', occurredAt: '2026-03-01T11:00:00Z', revenue: 10, currency: 'USD', properties: { email: GRACE.email, shipping: { address: '221B Baker Street' } } },
      { messageId: 'o-3', event: 'Product Viewed', identities: [{ type: 'EMAIL' as const, value: ADA.email }], occurredAt: '2026-03-02T10:00:00Z', properties: { experiment: 'exp1', variant: 'b' } },
    ];
    await t.ok(RecordTouchpointsDocument, { input: events });
    segmentId = (await t.ok(CreateSegmentDocument, { input: { name: 'Viewers', rule: { event: 'Product Viewed' } } })).createSegment.id;
    await t.ok(CreateTagDocument, { input: { key: 'vip', name: 'VIP' } });
    await t.ok(CreateTagDocument, { input: { key: 'buyers', name: 'Buyers', rule: { event: 'Order Completed' } } });
    await t.ok(TagCustomersDocument, { tagKey: 'vip', customerIds: [grace] });
    // Rules an OPERATOR wrote on personal data: READERs read segments' and tags' rules (and their
    // versions), which must not spell out the values they compare.
    await t.ok(CreateSegmentDocument, { input: { name: 'One person', rule: { or: [{ attr: 'email', op: 'eq', value: GRACE.email }, { trait: 'workEmail', op: 'in', value: ['gh@fleet.example'] }] } } });
    await t.ok(CreateTagDocument, { input: { key: 'by-phone', name: 'By phone', rule: { and: [{ attr: 'phone', op: 'eq', value: GRACE.phone }, { event: 'Order Completed', where: [{ prop: 'email', op: 'eq', value: ADA.email }] }] } } });
  });
  afterAll(() => t?.stop());

  // Each door, asked with the true value and with a wrong one. OPERATOR gets different answers (the
  // door is real); READER must get the same refusal for both.
  const preview = (rule: unknown) => ['query($rule: JSON!) { previewSegment(rule: $rule) { size } }', { rule }] as const;
  const customers = (filter: unknown) => ['query($filter: CustomerFilterInput) { customers(filter: $filter) { totalCount } }', { filter }] as const;
  const funnel = (prop: string, value: unknown) =>
    ['query($scope: AnalyticsScopeInput!, $steps: [FunnelStepInput!]!) { funnel(scope: $scope, steps: $steps, windowHours: 24) { steps { count } } }', { scope, steps: [{ event: 'Product Viewed', where: [{ prop, op: 'EQ', value }] }, { event: 'Order Completed' }] }] as const;
  const DOORS: Record<string, (guess: string) => readonly [string, unknown]> = {
    'previewSegment attr email': (g) => preview({ attr: 'email', op: 'eq', value: g }),
    'previewSegment attr lastName contains': (g) => preview({ and: [{ attr: 'country', op: 'eq', value: 'US' }, { not: { attr: 'lastName', op: 'contains', value: g.slice(0, 3) } }] }),
    'previewSegment trait email': (g) => preview({ trait: 'email', op: 'eq', value: g }),
    'previewSegment trait workEmail': (g) => preview({ trait: 'workEmail', op: 'exists' , ...(g.startsWith('grace') ? {} : {}) }),
    'previewSegment email-shaped value on a harmless trait': (g) => preview({ trait: 'plan', op: 'eq', value: g.replace('grace.hopper@navy', 'alan.turing@bletchley') }),
    'previewSegment event where prop email': (g) => preview({ event: 'Product Viewed', where: [{ prop: 'email', op: 'eq', value: g }] }),
    'customers filter email': (g) => customers({ email: g }),
    'customers filter search': (g) => customers({ search: g.slice(0, 6) }),
    'customers filter trait email': (g) => customers({ traits: [{ key: 'email', equals: g }] }),
    'customerByIdentity EMAIL': (g) => ['query($v: String!) { customerByIdentity(type: EMAIL, value: $v) { id } }', { v: g }],
    'funnel where email': (g) => funnel('email', g),
    'funnel breakdown by trait email': (g) =>
      ['query($scope: AnalyticsScopeInput!, $b: FunnelBreakdownInput) { funnel(scope: $scope, steps: [{ event: "Product Viewed" }, { event: "Order Completed" }], windowHours: 24, breakdownBy: $b) { steps { count } breakdown { value } } }', { scope, b: { by: 'TRAIT', traitKey: g.startsWith('grace') ? 'email' : 'workEmail' } }],
  };

  it.each(Object.keys(DOORS))('%s: refused for READER (FORBIDDEN with the path), answered for OPERATOR', async (door) => {
    const ask = async (role: 'READER' | 'OPERATOR', guess: string) => {
      const [q, vars] = DOORS[door]!(guess);
      return t.gql(q, vars as never, as(role));
    };
    const truth = await ask('READER', GRACE.email);
    const wrong = await ask('READER', 'nobody.at.all@nowhere.example');
    expect(truth.errors?.[0]?.extensions?.code, JSON.stringify(truth)).toBe('FORBIDDEN');
    expect(truth.errors?.[0]?.extensions?.paths).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(Object.values(truth.data ?? {}).every((v) => v === null)).toBe(true);
    expect(wrong.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(truth.data ?? null)).toBe(JSON.stringify(wrong.data ?? null));
    for (const s of SECRETS) expect(JSON.stringify(truth)).not.toContain(s);
    const op = await ask('OPERATOR', GRACE.email);
    expect(op.errors, JSON.stringify(op.errors)).toBeUndefined();
  });

  it('a READER breakdown by a harmless trait masks email-shaped values', async () => {
    const r = await t.gql<{ funnel: { breakdown: { value: string | null }[] } }, unknown>(
      'query($scope: AnalyticsScopeInput!) { funnel(scope: $scope, steps: [{ event: "Product Viewed" }, { event: "Order Completed" }], windowHours: 24, breakdownBy: { by: TRAIT, traitKey: "plan" }) { breakdown { value } } }',
      { scope },
      as('READER'),
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.funnel.breakdown.map((g) => g.value).sort()).toEqual(['a•••@bletchley.example', 'pro']);
  });

  it('every query and subscription in tests/documents, run with a READER key, carries no seeded personal value', async () => {
    const vars: Record<string, Record<string, unknown>> = {
      Alerts: {},
      Attribution: { scope, conversionEvent: 'Order Completed' },
      ChannelPerformance: { scope, conversionEvent: 'Order Completed', minReached: 1 },
      ExperimentResults: { scope, experiment: 'exp1', conversionEvent: 'Order Completed' },
      Funnel: { scope, steps: [{ event: 'Product Viewed' }, { event: 'Order Completed' }], windowHours: 24, breakdownBy: { by: 'TRAIT', traitKey: 'plan' } },
      Retention: { scope, cohortPeriod: 'WEEK', startEvent: 'Product Viewed', returnEvent: 'Order Completed' },
      Paths: { scope, startEvent: 'Product Viewed' },
      EventDictionary: { scope, first: 100 },
      TypedFunnel: { scope, steps: [{ type: 'PAGE' }, { event: 'Order Completed' }], windowHours: 24 },
      Rfm: { asOf: TO },
      CustomerRfmTier: { id: grace },
      CustomerById: { id: grace },
      CustomerByIdentity: { type: 'USER_ID', value: 'u-grace' },
      CustomersPage: { first: 10 },
      CustomersWithRelations: { first: 10 },
      ExportCustomer: { id: grace },
      SegmentDetail: { id: segmentId, since: '0' },
      Segments: {},
      PreviewSegment: { rule: { attr: 'country', op: 'in', value: ['US', 'GB'] } },
      SegmentRuleSchema: {},
      CustomerSegments: { id: grace },
      Tags: {},
      TagsAll: { includeArchived: true },
      TagDetail: { key: 'buyers' },
      MergeState: { id: grace },
      FailedEvents: {},
      Journey: { id: grace },
      ProfileRead: { id: grace },
      CustomerMerges: { id: grace },
      MembershipChanged: { segmentIds: [segmentId], since: '0' },
      AlertRaised: {},
      Pinged: {},
      AccountByGroupId: { groupId: 'acme' },
      AccountById: { id: grace },
      AccountMembersPage: { id: grace, first: 10 },
      AccountsPage: { first: 10 },
      CustomerAccounts: { type: 'USER_ID', value: 'u-grace' },
      FunnelBreakdown: { scope, steps: [{ event: 'Product Viewed' }, { event: 'Order Completed' }], windowHours: 24, breakdown: [{ by: 'TRAIT', key: 'plan' }, { by: 'CHANNEL' }] },
      Metrics: { scope, metrics: ['CONVERSION_RATE', 'AVERAGE_ORDER_VALUE', 'SESSIONS'] },
      MetricTrend: { scope, metric: 'REVENUE_PER_CUSTOMER', interval: 'MONTH' },
      Roi: { scope, conversionEvent: 'Order Completed', by: 'CAMPAIGN' },
      ExchangeRates: {},
      AttributionBy: { scope, conversionEvent: 'Order Completed', by: 'CAMPAIGN' },
      ChannelPerformanceBy: { scope, conversionEvent: 'Order Completed', by: 'CAMPAIGN', minReached: 1 },
      CustomerMoney: { type: 'USER_ID', value: 'u-grace' },
      Trends: { scope, series: [{ event: 'Order Completed', math: 'SUM', property: 'revenue' }, { math: 'UNIQUE_CUSTOMERS' }], interval: 'MONTH', breakdown: [{ by: 'TRAIT', key: 'plan' }] },
      Sentiment: { texts: ['produto ótimo, recomendo'] },
      CustomerSentiment: { id: grace },
      SegmentMembers: { id: segmentId },
      SegmentSizeTrend: { id: segmentId, days: 30 },
      SegmentsWithTrend: {},
      Webhooks: {},
      Webhook: { id: grace },
      WebhookDeadLetters: { id: grace, first: 10 },
      Ask: { question: 'top 5 events this year', timezone: 'UTC' },
      DirectChannelPerformance: { scope, by: 'CHANNEL' },
      DirectMetrics: { scope, metrics: ['CONVERSION_RATE', 'AVERAGE_ORDER_VALUE'] },
      DirectMetricTrend: { scope, metric: 'REVENUE_PER_CUSTOMER', interval: 'MONTH' },
      DirectTrends: { scope, series: [{ event: 'Order Completed' }], interval: 'MONTH', breakdown: [{ by: 'TRAIT', key: 'plan' }] },
      DirectEvents: { scope, first: 50 },
      DirectNewCustomers: { from: FROM, to: TO },
      DirectRoi: { scope, by: 'CAMPAIGN' },
      DirectAttribution: { scope },
      DirectFunnel: { scope, steps: [{ event: 'Product Viewed' }, { event: 'Order Completed' }], windowHours: 24 },
      ClusterRuns: { first: 10 },
      ClusterRunById: { id: grace },
      CustomersLearned: { first: 10 },
      PropensityModels: { first: 10 },
      LiveTouchpoints: {},
    };
    const ops = Object.entries(documents).flatMap(([name, doc]) => {
      if (!name.endsWith('Document')) return [];
      const op = (doc as DocumentNode).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      return op && op.operation !== 'mutation' ? [{ name: op.name!.value, kind: op.operation, doc: doc as DocumentNode }] : [];
    });
    const missing = ops.filter((o) => !(o.name in vars)).map((o) => o.name);
    expect(missing, 'add variables for new documents here').toEqual([]);
    let answered = 0;
    const reader = t.wsClient({ authorization: `Bearer ${t.keys.READER}` });
    for (const op of ops) {
      let text: string;
      if (op.kind === 'query') {
        const r = await t.gql(print(op.doc), vars[op.name] as never, as('READER'));
        if (r.data && Object.values(r.data).some((v) => v !== null)) answered++;
        text = JSON.stringify(r);
      } else if (op.name === 'MembershipChanged') {
        // Replayed from the outbox: both people entered the segment.
        const sub = collect(reader, op.doc as never, vars[op.name] as never);
        text = JSON.stringify(await sub.waitFor(2));
        sub.dispose();
        answered++;
      } else continue; // AlertRaised, Pinged: no seeded person flows through them
      for (const s of SECRETS) expect(text, `${op.name} leaks ${s}`).not.toContain(s);
    }
    expect(answered).toBeGreaterThan(15);
  });
});
