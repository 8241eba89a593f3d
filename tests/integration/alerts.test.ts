import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { AlertRaisedDocument, AlertsDocument, RecordTouchpointsDocument, type TouchpointInput } from '../generated/graphql.ts';
import { DAY_MS, testClock } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, waitUntil } from '../helpers/subscriptions.ts';

const HOUR_MS = 3_600_000;
const alertsConfig = { ...loadConfig({}).alerts, checkMs: 100 };
const settle = () => new Promise((r) => setTimeout(r, 500)); // several checks run in this time

async function record(t: TestServer, input: TouchpointInput[]) {
  const ids: string[] = [];
  for (let i = 0; i < input.length; i += 500) {
    const r = (await t.ok(RecordTouchpointsDocument, { input: input.slice(i, i + 500) })).recordTouchpoints;
    expect(r.accepted).toBe(Math.min(500, input.length - i));
    ids.push(...r.results.map((x) => x.customerId!));
  }
  return ids;
}

describe.each(dbKinds)('churn-risk alerts on %s', (kind) => {
  let t: TestServer;
  const clock = testClock('2026-03-02T12:00:00Z');
  beforeAll(async () => {
    t = await startTestServer(kind, { alerts: alertsConfig }, { clock: clock.now });
  });
  afterAll(() => t?.stop());

  const login = (user: string, at: Date): TouchpointInput => ({ messageId: `${user}-login-${at.getTime()}`, event: 'Login', userId: user, channel: 'APP', occurredAt: at.toISOString() });

  it('raises CHURN_RISK once per customer per silence, live and listed', async () => {
    const sub = collect(t.wsClient(), AlertRaisedDocument, { kinds: ['CHURN_RISK'] });
    await waitUntil(() => t.server.services.alerts.listenerCount > 0);

    const now = clock.now().getTime();
    const times = { ana: new Date(now - 1 * DAY_MS), ben: new Date(now - 3 * DAY_MS), cy: new Date(now - 6 * DAY_MS) };
    const [ana, ben, cy] = await record(t, [login('ana', times.ana), login('ben', times.ben), login('cy', times.cy)]);
    // dee never logged in: silent, but not churn risk.
    await record(t, [{ messageId: 'dee-view', event: 'Page Viewed', userId: 'dee', channel: 'WEB', occurredAt: new Date(now - 20 * DAY_MS).toISOString() }]);
    await settle();
    expect(sub.received).toHaveLength(0);

    // 4.5 days later ben (7.5 days) and cy (10.5 days) are past 7 days of silence; ana (5.5) is not.
    clock.advance(4.5 * DAY_MS);
    const first = await sub.waitFor(2);
    const byCustomer = new Map(first.map((e) => [e.alertRaised.customerId, e.alertRaised]));
    expect([...byCustomer.keys()].sort()).toEqual([ben, cy].sort());
    expect(byCustomer.get(ben)).toMatchObject({
      kind: 'CHURN_RISK',
      key: `CHURN_RISK:${ben}:${times.ben.toISOString()}`,
      details: { event: 'Login', lastEventAt: times.ben.toISOString(), silenceDays: 7, daysSilent: 7.5 },
      raisedAt: clock.now().toISOString(),
    });

    // Later checks raise nothing new.
    await settle();
    expect(sub.received).toHaveLength(2);
    const listed = (await t.ok(AlertsDocument, { kind: 'CHURN_RISK' })).alerts;
    expect(listed.totalCount).toBe(2);
    expect(listed.edges.map((e) => e.node.customerId).sort()).toEqual([ben, cy].sort());
    expect(listed.edges.map((e) => e.node.customer?.id).sort()).toEqual([ben, cy].sort());

    // ben comes back, then everyone goes quiet for 8 days: ben's new silence and ana's are raised; cy's old one is not again.
    const benBack = clock.now();
    await record(t, [login('ben', benBack)]);
    await settle();
    expect(sub.received).toHaveLength(2);
    clock.advance(8 * DAY_MS);
    const all = await sub.waitFor(4);
    const second = all.slice(2).map((e) => e.alertRaised);
    expect(second.map((a) => a.customerId).sort()).toEqual([ana, ben].sort());
    expect(second.find((a) => a.customerId === ben)!.details).toMatchObject({ lastEventAt: benBack.toISOString() });
    await settle();
    expect(sub.received).toHaveLength(4);
    expect(sub.errors).toEqual([]);

    // Newest first, paged with cursors, no overlap.
    const p1 = (await t.ok(AlertsDocument, { first: 2 })).alerts;
    expect(p1.totalCount).toBe(4);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(p1.edges.map((e) => e.node.customerId).sort()).toEqual([ana, ben].sort());
    const p2 = (await t.ok(AlertsDocument, { first: 2, after: p1.pageInfo.endCursor })).alerts;
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(p2.edges.map((e) => e.node.customerId).sort()).toEqual([ben, cy].sort());
    const keys = [...p1.edges, ...p2.edges].map((e) => e.node.key);
    expect(new Set(keys).size).toBe(4);
    const raisedAt = [...p1.edges, ...p2.edges].map((e) => Date.parse(e.node.raisedAt));
    expect([...raisedAt].sort((a, b) => b - a)).toEqual(raisedAt);
    expect((await t.gql(AlertsDocument, { after: 'garbage' })).errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_CURSOR' });
    sub.dispose();
  });
});

describe.each(dbKinds)('anomaly alerts on %s', (kind) => {
  let t: TestServer;
  // Checked hour H = the last complete hour before the clock.
  const H = Date.parse('2026-04-09T23:00:00Z');
  const clock = testClock(new Date(H - 30 * DAY_MS)); // far before the data while it is loaded
  beforeAll(async () => {
    t = await startTestServer(kind, { alerts: alertsConfig }, { clock: clock.now });
  });
  afterAll(() => t?.stop());

  const BASE = 72; // three days of hourly baseline before H
  const web = (i: number) => 10 + ((i * 7) % 5) - 2; // 8..12
  const email = (i: number) => 6 + ((i * 5) % 3) - 1; // 5..7
  const SPIKE = 40;
  const EMAIL_AT_H = 7;

  function zOf(baseline: number[], x: number) {
    const mean = baseline.reduce((a, b) => a + b, 0) / baseline.length;
    const std = Math.sqrt(baseline.reduce((a, b) => a + (b - mean) ** 2, 0) / baseline.length);
    return { mean, std, z: (x - mean) / Math.max(std, 1) };
  }

  it('raises ANOMALY for the spiking channel and hour only, once', async () => {
    const events: TouchpointInput[] = [];
    const hourEvents = (channel: 'WEB' | 'EMAIL', hourStart: number, n: number) => {
      for (let k = 0; k < n; k++) {
        const at = new Date(hourStart + Math.floor(((k + 0.5) * HOUR_MS) / n));
        events.push({ messageId: `${channel}-${hourStart}-${k}`, event: 'Page Viewed', userId: `${channel.toLowerCase()}-${k % 4}`, channel, occurredAt: at.toISOString() });
      }
    };
    const webBase: number[] = [];
    const emailBase: number[] = [];
    for (let i = 0; i < BASE; i++) {
      const start = H - (BASE - i) * HOUR_MS;
      webBase.push(web(i));
      emailBase.push(email(i));
      hourEvents('WEB', start, web(i));
      hourEvents('EMAIL', start, email(i));
    }
    hourEvents('WEB', H, SPIKE);
    hourEvents('EMAIL', H, EMAIL_AT_H);
    await record(t, events);

    const sub = collect(t.wsClient(), AlertRaisedDocument, { kinds: ['ANOMALY'] });
    await waitUntil(() => t.server.services.alerts.listenerCount > 0);
    await settle();
    expect(sub.received).toHaveLength(0);

    clock.set(new Date(H + HOUR_MS + 10 * 60_000)); // 10 minutes into the next hour: H is complete
    const [raised] = await sub.waitFor(1);
    const expected = zOf(webBase, SPIKE);
    expect(Math.abs(zOf(emailBase, EMAIL_AT_H).z)).toBeLessThan(3); // the steady channel is steady
    expect(expected.z).toBeGreaterThan(3);
    const a = raised!.alertRaised;
    expect(a).toMatchObject({ kind: 'ANOMALY', channel: 'WEB', customerId: null, key: `ANOMALY:WEB:${new Date(H).toISOString()}` });
    const d = a.details as Record<string, number>;
    expect(d).toMatchObject({ hour: new Date(H).toISOString(), count: SPIKE, baselineHours: BASE, activeHours: BASE, threshold: 3 });
    expect(d.mean).toBeCloseTo(expected.mean, 9);
    expect(d.std).toBeCloseTo(expected.std, 9);
    expect(d.z).toBeCloseTo(expected.z, 9);

    await settle();
    expect(sub.received).toHaveLength(1);
    const listed = (await t.ok(AlertsDocument, {})).alerts;
    expect(listed.edges.map((e) => [e.node.kind, e.node.channel])).toEqual([['ANOMALY', 'WEB']]);
    sub.dispose();
  });
});
