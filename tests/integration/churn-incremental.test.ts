/**
 * The churn check works from the last churn event of each customer, kept as events are stored, and
 * looks only at customers whose state changed since it last looked (new event, merge, unmerge).
 * After random sequences of logins (some dated in the future), hand merges, unmerges, clock moves and
 * checks, each check raises exactly the alerts a from-scratch reading of the README rule gives,
 * computed here from what the test sent and the merge pointers. And the check does not re-read login
 * history: it still raises after the stored logins were deleted behind its back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { MergeCustomersDocument, RecordTouchpointsDocument, UnmergeCustomersDocument, type TouchpointInput } from '../generated/graphql.ts';
import { DAY_MS, testClock } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// The timer never fires during a test: checks run exactly where the test calls them.
const alertsConfig = { ...loadConfig({}).alerts, checkMs: 3_600_000 };
const SILENCE_MS = alertsConfig.churnSilenceDays * DAY_MS;

describe.each(dbKinds)('incremental churn check on %s', (kind) => {
  let t: TestServer;
  const clock = testClock('2026-05-01T00:00:00Z');
  beforeAll(async () => {
    t = await startTestServer(kind, { alerts: alertsConfig }, { clock: clock.now });
  });
  afterAll(() => t?.stop());

  const check = async () => (await t.server.services.alerts.check()).filter((a) => a.kind === 'CHURN_RISK');

  it('equals the from-scratch rule after random logins, merges, unmerges and clock moves', async () => {
    const rnd = seededRandom(7101);
    const devices = 10;
    const logins: { customerId: string; at: number }[] = [];
    let n = 0;
    const login = (device: number, at: number): TouchpointInput => ({
      messageId: `churn-${n++}`,
      event: 'Login',
      anonymousId: `churn-dev-${device}`,
      channel: 'APP',
      occurredAt: new Date(at).toISOString(),
    });
    async function send(input: TouchpointInput[]) {
      const r = (await t.ok(RecordTouchpointsDocument, { input })).recordTouchpoints;
      expect(r.accepted).toBe(input.length);
      r.results.forEach((x, i) => logins.push({ customerId: x.customerId!, at: Date.parse(input[i]!.occurredAt!) }));
      return r.results.map((x) => x.customerId!);
    }
    // Some noise that is not the churn event: never raises anything.
    await t.ok(RecordTouchpointsDocument, {
      input: [{ messageId: 'churn-noise', event: 'Page Viewed', anonymousId: 'churn-dev-noise', occurredAt: new Date(clock.now().getTime() - 30 * DAY_MS).toISOString() }],
    });
    const customers = await send(Array.from({ length: devices }, (_, d) => login(d, clock.now().getTime() - rnd.int(0, 12) * DAY_MS - rnd.int(0, 999))));
    const raised = new Set<string>();
    const merges: string[] = [];

    async function expectedNew(): Promise<string[]> {
      const now = clock.now().getTime();
      const rows = await t.db.prisma.$queryRaw<{ id: string; person: string }[]>`
        SELECT id::text AS id, COALESCE(merged_into_id, id)::text AS person FROM customer`;
      const person = new Map(rows.map((r) => [r.id, r.person]));
      const last = new Map<string, number>();
      for (const l of logins) {
        if (l.at > now) continue;
        const p = person.get(l.customerId)!;
        last.set(p, Math.max(last.get(p) ?? -Infinity, l.at));
      }
      const keys = [...last].filter(([, at]) => at < now - SILENCE_MS).map(([p, at]) => `CHURN_RISK:${p}:${new Date(at).toISOString()}`);
      return keys.filter((k) => !raised.has(k)).sort();
    }

    let checks = 0;
    let raisedTotal = 0;
    for (let step = 0; step < 60; step++) {
      const action = rnd.int(0, 9);
      if (action <= 3) {
        const now = clock.now().getTime();
        const input: TouchpointInput[] = [];
        // Mostly recent logins, some late arrivals from long ago, some dated in the future.
        for (let k = rnd.int(1, 4); k > 0; k--) input.push(login(rnd.int(0, devices - 1), now + rnd.int(-15, 3) * DAY_MS + rnd.int(0, 999)));
        await send(input);
      } else if (action <= 5) {
        const [a, b] = [customers[rnd.int(0, devices - 1)]!, customers[rnd.int(0, devices - 1)]!];
        const r = await t.gql(MergeCustomersDocument, { winnerId: a, loserId: b, reason: 'test' });
        if (!r.errors && r.data?.mergeCustomers.status === 'MERGED') merges.push(r.data.mergeCustomers.id);
      } else if (action === 6 && merges.length) {
        const id = merges.splice(rnd.int(0, merges.length - 1), 1)[0]!;
        await t.ok(UnmergeCustomersDocument, { mergeId: id });
      } else {
        clock.advance(rnd.int(0, 4) * DAY_MS + rnd.int(0, 12) * 3_600_000);
      }
      if (rnd.chance(0.6)) {
        const want = await expectedNew();
        const got = (await check()).map((a) => a.key).sort();
        expect(got, `step ${step}`).toEqual(want);
        for (const k of got) raised.add(k);
        checks++;
        raisedTotal += got.length;
      }
    }
    // The sequence exercised the rule (raised several, and checks that raise nothing).
    expect(raisedTotal).toBeGreaterThan(3);
    expect(checks).toBeGreaterThan(raisedTotal > 0 ? 10 : 0);
  });

  it('judges people again after a merge and an unmerge of silent customers', async () => {
    const now = clock.now().getTime();
    const at = { a: new Date(now - 10 * DAY_MS), b: new Date(now - 9 * DAY_MS), c: new Date(now - 8 * DAY_MS) };
    const ids: Record<string, string> = {};
    for (const [u, when] of Object.entries(at)) {
      const r = (await t.ok(RecordTouchpointsDocument, { input: [{ messageId: `mu-${u}`, event: 'Login', anonymousId: `mu-${u}`, channel: 'APP', occurredAt: when.toISOString() }] })).recordTouchpoints;
      ids[u] = r.results[0]!.customerId!;
    }
    const key = (person: string, when: Date) => `CHURN_RISK:${ids[person]}:${when.toISOString()}`;
    const keys = async () => (await check()).map((a) => a.key).filter((k) => Object.values(ids).some((id) => k.includes(id))).sort();
    expect(await keys()).toEqual([key('a', at.a), key('b', at.b), key('c', at.c)].sort());
    // a + c: the person's last login is c's, a silence not raised for a yet.
    const ac = (await t.ok(MergeCustomersDocument, { winnerId: ids.a!, loserId: ids.c!, reason: 'test' })).mergeCustomers.id;
    expect(await keys()).toEqual([key('a', at.c)]);
    // + b: still c's login, already raised.
    await t.ok(MergeCustomersDocument, { winnerId: ids.a!, loserId: ids.b!, reason: 'test' });
    expect(await keys()).toEqual([]);
    // c leaves again: a's last login is now b's (a's own row did not change).
    await t.ok(UnmergeCustomersDocument, { mergeId: ac });
    expect(await keys()).toEqual([key('a', at.b)]);
    expect(await keys()).toEqual([]);
  });

  it('does not re-read login history: raises from the kept last login after the stored logins were deleted', async () => {
    const now = clock.now().getTime();
    const at = new Date(now - 2 * DAY_MS);
    const r = (await t.ok(RecordTouchpointsDocument, { input: [{ messageId: 'gone-1', event: 'Login', userId: 'gone-user', channel: 'APP', occurredAt: at.toISOString() }] })).recordTouchpoints;
    const id = r.results[0]!.customerId!;
    await check();
    // Behind the check's back: a full scan of logins would now find nobody to raise.
    await t.db.prisma.$executeRaw`DELETE FROM touchpoint WHERE message_id = 'gone-1'`;
    clock.advance(6 * DAY_MS);
    const raised = await check();
    expect(raised.map((a) => a.key)).toContain(`CHURN_RISK:${id}:${at.toISOString()}`);
  });
});
