/**
 * Page views as Segment clients send them: the real @segment/analytics-node client's page calls count
 * wherever a rule or funnel asks for "Page Viewed" or type PAGE (the demo's "Active" segment), the
 * journey still says which page; and migration 0012 turns page touchpoints stored the old way (under
 * their page name) into page views, repairing the segments that read events.
 */
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYBOOK_SEGMENTS } from '../../src/cli/demo-data.ts';
import { openDatabase } from '../../src/db/client.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { CreateSegmentDocument, CustomerByIdentityDocument, CustomerSegmentsDocument, TypedFunnelDocument } from '../generated/graphql.ts';
import { databaseConfig, dbKinds, dropDatabase } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ACTIVE = PLAYBOOK_SEGMENTS.find((s) => s.name === 'Active')!;

describe.each(dbKinds)('page views from Segment clients on %s', (kind) => {
  let t: TestServer;
  const now = Date.now();
  let activeId = '';
  let byTypeId = '';

  /** Sends through the real client: `pages` page calls per user, `hoursAgo(i)` apart, plus a track call or two. */
  async function send(plan: { userId: string; pages: number; hoursAgo: (i: number) => number; order?: number }[]) {
    const analytics = new Analytics({ writeKey: t.keys.WRITER, host: t.baseUrl, path: '/v1/batch', flushAt: 50, flushInterval: 50, maxRetries: 2, httpRequestTimeout: 20_000 });
    const failures: unknown[] = [];
    const done = (err?: unknown) => void (err && failures.push(err));
    for (const p of plan) {
      for (let i = 0; i < p.pages; i++) {
        const timestamp = new Date(now - p.hoursAgo(i) * HOUR);
        analytics.page({ userId: p.userId, category: 'Docs', name: i % 2 ? 'Pricing' : 'Home', properties: { path: i % 2 ? '/pricing' : '/' }, timestamp }, done);
      }
      if (p.order !== undefined) analytics.track({ userId: p.userId, event: 'Order Completed', properties: { revenue: 10 }, timestamp: new Date(now - p.order * HOUR) }, done);
    }
    await analytics.closeAndFlush({ timeout: 30_000 });
    expect(failures).toEqual([]);
  }
  const customerId = async (userId: string) => (await t.ok(CustomerByIdentityDocument, { type: 'USER_ID', value: userId })).customerByIdentity!.id;
  const segmentsOf = async (userId: string) => (await t.ok(CustomerSegmentsDocument, { id: await customerId(userId) })).customer!.segments.map((s) => s.name).sort();

  beforeAll(async () => {
    t = await startTestServer(kind, { segmentRecheckMs: 3_600_000 });
    activeId = (await t.ok(CreateSegmentDocument, { input: { name: ACTIVE.name, rule: ACTIVE.rule } })).createSegment.id;
    byTypeId = (await t.ok(CreateSegmentDocument, { input: { name: 'Three pages', rule: { type: 'PAGE', count: { op: 'gte', value: 3 } } } })).createSegment.id;
    await send([
      { userId: 'reader-11', pages: 11, hoursAgo: (i) => 1 + i * 24 }, // 11 visits in 11 days: active
      { userId: 'reader-10', pages: 10, hoursAgo: (i) => 1 + i * 24, order: 0.5 }, // 10 is not more than 10
      { userId: 'reader-old', pages: 14, hoursAgo: (i) => (i < 4 ? 2 + i : 31 * 24 + i) }, // 4 recent, 10 older than 30 days
    ]);
  }, 120_000);
  afterAll(() => t?.stop());

  it('the demo\'s "Active" segment counts analytics-node page calls', async () => {
    expect(ACTIVE.rule).toEqual({ event: 'Page Viewed', count: { op: 'gt', value: 10 }, withinDays: 30 });
    expect(await segmentsOf('reader-11')).toEqual(['Active', 'Three pages']);
    expect(await segmentsOf('reader-10')).toEqual(['Three pages']);
    expect(await segmentsOf('reader-old')).toEqual(['Three pages']);
    expect(activeId).not.toBe(byTypeId);
  });

  it('stores them as "Page Viewed" with the page name and category as properties, and the journey says which page', async () => {
    const id = await customerId('reader-11');
    const r = await t.gql<{ customer: { journey: { edges: { node: { touchpoint: { type: string; event: string; pageName: string | null; properties: Record<string, unknown> } } }[] } } }, { id: string }>(
      'query($id: ID!) { customer(id: $id) { journey(first: 100) { edges { node { touchpoint { type event pageName properties } } } } } }',
      { id },
    );
    expect(r.errors).toBeUndefined();
    const tps = r.data!.customer.journey.edges.map((e) => e.node.touchpoint);
    expect(tps).toHaveLength(11);
    for (const tp of tps) {
      expect(tp).toMatchObject({ type: 'PAGE', event: 'Page Viewed', properties: { name: tp.pageName, category: 'Docs' } });
      expect(['Home', 'Pricing']).toContain(tp.pageName);
    }
    // The oldest is sent first, as "Home" (i = 10 is even).
    expect(tps[0]!.pageName).toBe('Home');
  });

  it('funnel steps select by type: every page view, then an order', async () => {
    const scope = { from: new Date(now - 60 * DAY).toISOString(), to: new Date(now + HOUR).toISOString() };
    const f = await t.ok(TypedFunnelDocument, { scope, steps: [{ type: 'PAGE' }, { event: 'Order Completed' }], windowHours: 24 * 365 });
    // Three people viewed pages; only reader-10 ordered, after its pages.
    expect(f.funnel.steps).toEqual([
      { index: 1, event: null, type: 'PAGE', count: 3 },
      { index: 2, event: 'Order Completed', type: null, count: 1 },
    ]);
    const named = await t.ok(TypedFunnelDocument, { scope, steps: [{ event: 'Page Viewed', type: 'PAGE', where: [{ prop: 'name', op: 'EQ', value: 'Pricing' }] }], windowHours: 1 });
    expect(named.funnel.steps[0]!.count).toBe(3);
    const bad = await t.gql(TypedFunnelDocument, { scope, steps: [{ channel: 'WEB' }], windowHours: 1 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'steps[0].event' });
  });

  it('refuses a rule with an unknown type with BAD_RULE and its path', async () => {
    const r = await t.gql(CreateSegmentDocument, { input: { name: 'x', rule: { and: [{ type: 'PAGES' }] } } });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_RULE', path: '$.and[0].type' });
  });
});

describe.each(dbKinds)('migration 0012 on %s', (kind) => {
  let t: TestServer;
  let dir: string;
  const config = () => databaseConfig(kind, kind === 'pglite' ? path.join(dir, 'db') : null);
  let dbConfig: ReturnType<typeof databaseConfig>;
  const ids = {
    customer: '00000000-0000-4000-8000-0000000000c1',
    everyPage: '00000000-0000-4000-8000-0000000000a1',
    pricing: '00000000-0000-4000-8000-0000000000a2',
  };
  const tp = (n: number, type: string, event: string | null, properties: object = {}) => ({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type,
    event,
    properties,
    at: new Date(Date.UTC(2025, 0, 1, n)).toISOString(),
  });
  const old = [
    tp(1, 'PAGE', 'Home', { path: '/' }),
    tp(2, 'PAGE', 'Pricing', { name: 'Kept', path: '/pricing' }),
    tp(3, 'SCREEN', 'Settings'),
    tp(4, 'PAGE', null),
    tp(5, 'TRACK', 'Home'),
    tp(6, 'PAGE', 'Page Viewed', { name: 'Cart' }),
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cdp-0012-'));
    dbConfig = config();
    // The database as it was before 0012, holding page touchpoints written the old way.
    const before = path.join(dir, 'migrations');
    await mkdir(before);
    const all = await listMigrations();
    const source = path.resolve(import.meta.dirname, '../../prisma/migrations');
    for (const m of all.filter((m) => m < '0012')) await cp(path.join(source, m), path.join(before, m), { recursive: true });
    expect(await readdir(before)).not.toContain('0012_page_views');
    const db = await openDatabase(dbConfig);
    await migrate(db, before);
    const p = db.prisma;
    await p.$executeRaw`INSERT INTO customer (id) VALUES (${ids.customer}::uuid)`;
    await p.$executeRaw`
      INSERT INTO touchpoint (id, message_id, customer_id, type, event, channel, properties, occurred_at)
      SELECT r.id, r.id::text, ${ids.customer}::uuid, r.type::"TouchpointType", r.event, 'WEB', r.properties, r.at
      FROM jsonb_to_recordset(${JSON.stringify(old)}::jsonb) AS r(id uuid, type text, event text, properties jsonb, at timestamptz)`;
    await p.$executeRaw`
      INSERT INTO segment (id, name, rule) VALUES
        (${ids.everyPage}::uuid, 'Three page views', '{"event":"Page Viewed","count":{"op":"gte","value":3}}'::jsonb),
        (${ids.pricing}::uuid, 'Saw pricing', '{"event":"Pricing"}'::jsonb)`;
    // As the old code had it: a member of "Saw pricing" (the page name was the event), not of the other.
    await p.$executeRaw`INSERT INTO segment_membership (segment_id, customer_id) VALUES (${ids.pricing}::uuid, ${ids.customer}::uuid)`;
    // A server whose ALERT_CHURN_EVENT was a page name tracked it.
    await p.$executeRaw`UPDATE churn_tracking SET event = 'Home'`;
    await db.close();
    t = await startTestServer(kind, { segmentRecheckMs: 3_600_000 }, { database: dbConfig });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await dropDatabase(dbConfig);
    await rm(dir, { recursive: true, force: true });
  });

  it('rewrites page and screen touchpoints as page views, keeping the old name in properties.name', async () => {
    const rows = await t.db.prisma.touchpoint.findMany({ where: { customerId: ids.customer }, orderBy: { occurredAt: 'asc' }, select: { type: true, event: true, properties: true } });
    expect(rows).toEqual([
      { type: 'PAGE', event: 'Page Viewed', properties: { path: '/', name: 'Home' } },
      { type: 'PAGE', event: 'Page Viewed', properties: { name: 'Kept', path: '/pricing' } },
      { type: 'SCREEN', event: 'Screen Viewed', properties: { name: 'Settings' } },
      { type: 'PAGE', event: 'Page Viewed', properties: {} },
      { type: 'TRACK', event: 'Home', properties: {} },
      { type: 'PAGE', event: 'Page Viewed', properties: { name: 'Cart' } },
    ]);
    // Churn state keyed on a renamed event is dropped, so the next check rebuilds it.
    expect(await t.db.prisma.churnTracking.count()).toBe(0);
  });

  it('repairs the segments that read events once, with reason "repair"', async () => {
    const members = async () => (await t.db.prisma.segmentMembership.findMany({ where: { customerId: ids.customer }, select: { segmentId: true } })).map((m) => m.segmentId);
    expect(await members()).toEqual([ids.pricing]);
    expect(await t.server.services.segments.repairPending()).toBe(2);
    expect(await members()).toEqual([ids.everyPage]);
    const changes = await t.db.prisma.membershipChange.findMany({ where: { customerId: ids.customer }, orderBy: { seq: 'asc' }, select: { segmentId: true, change: true, reason: true } });
    expect(changes.map((c) => [c.segmentId, c.change, (c.reason as { kind: string }).kind]).sort()).toEqual([
      [ids.everyPage, 'ENTERED', 'repair'],
      [ids.pricing, 'LEFT', 'repair'],
    ]);
    expect(await t.server.services.segments.repairPending()).toBe(0);
    expect(await t.db.prisma.derivedRepair.count()).toBe(0);
  });
});
