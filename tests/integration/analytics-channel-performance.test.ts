/**
 * channelPerformance on the Olist marketing funnel: each of the 8,000 leads becomes a customer with a
 * "Lead Created" touchpoint on the channel of its origin (the mapping of import-olist.test.ts) at its
 * first contact date, and each of the 842 closed deals a "Deal Won" touchpoint at won_date with the
 * declared monthly revenue. All through recordTouchpoints. The expected figures per channel are
 * counted from the CSV files here: a lead converted when its deal was won at or after its first
 * contact (one deal in the file was "won" the day before: it must not count).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelPerformanceDocument, type Channel, type TouchpointInput } from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { OLIST_ORIGIN_CHANNEL } from '../helpers/olist.ts';
import { recordAll } from '../helpers/record.ts';

const ORIGIN_CHANNEL = OLIST_ORIGIN_CHANNEL;

const leads = readCsv('olist_marketing_qualified_leads_dataset.csv');
const deals = readCsv('olist_closed_deals_dataset.csv');
const utc = (s: string) => new Date(`${s.replace(' ', 'T')}${s.length === 10 ? 'T00:00:00' : ''}Z`);
const revenueOf = (d: Record<string, string>) => (Number(d.declared_monthly_revenue) > 0 ? Number(d.declared_monthly_revenue) : null);
const scope = { from: '2017-01-01T00:00:00Z', to: '2019-01-01T00:00:00Z' };

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The reference, from the CSVs. */
function expected() {
  const dealOf = new Map(deals.map((d) => [d.mql_id!, d]));
  const per = new Map<Channel, { reached: number; converted: number; revenue: number; hours: number[] }>();
  for (const lead of leads) {
    const channel = ORIGIN_CHANNEL[lead.origin!]!;
    const c = per.get(channel) ?? { reached: 0, converted: 0, revenue: 0, hours: [] };
    per.set(channel, c);
    c.reached++;
    const deal = dealOf.get(lead.mql_id!);
    const contact = utc(lead.first_contact_date!);
    if (deal && utc(deal.won_date!) >= contact) {
      c.converted++;
      c.revenue += revenueOf(deal) ?? 0;
      c.hours.push((+utc(deal.won_date!) - +contact) / 3_600_000);
    }
  }
  return per;
}

describe.each(dbKinds)('channelPerformance on the Olist leads and deals on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    // Olist sells in reais: BRL is the base currency, so its amounts need no exchange rate.
    t = await startTestServer(kind, { baseCurrency: 'BRL' });
    const input: TouchpointInput[] = [
      ...leads.map((l) => ({ messageId: `lead-${l.mql_id}`, userId: l.mql_id!, event: 'Lead Created', channel: ORIGIN_CHANNEL[l.origin!]!, occurredAt: utc(l.first_contact_date!).toISOString() })),
      ...deals.map((d) => ({ messageId: `deal-${d.mql_id}`, userId: d.mql_id!, event: 'Deal Won', channel: 'CRM' as const, revenue: revenueOf(d), currency: 'BRL', occurredAt: utc(d.won_date!).toISOString() })),
    ];
    await recordAll(t, input);
  }, 120_000);
  afterAll(() => t?.stop());

  it('reached, converted, rate, revenue and median time per channel match the counts from the CSVs', async () => {
    const started = performance.now();
    const r = (await t.ok(ChannelPerformanceDocument, { scope, conversionEvent: 'Deal Won' })).channelPerformance;
    console.log(`[${kind}] channelPerformance over ${leads.length + deals.length} touchpoints: ${(performance.now() - started).toFixed(0)} ms`);
    const ref = expected();
    expect(r.channels.map((c) => c.channel).sort()).toEqual([...ref.keys()].sort()); // the conversions' own channel (CRM) reaches no one
    for (const c of r.channels) {
      const e = ref.get(c.channel)!;
      expect({ channel: c.channel, reached: c.customersReached, touchpoints: c.touchpoints, converted: c.customersConverted }).toEqual({
        channel: c.channel,
        reached: e.reached,
        touchpoints: e.reached, // one lead touchpoint per lead
        converted: e.converted,
      });
      expect(c.conversionRate).toBeCloseTo(e.converted / e.reached, 12);
      expect(c.revenue).toBeCloseTo(e.revenue, 6);
      const m = median(e.hours);
      if (m === null) expect(c.medianHoursToConvert).toBeNull();
      else expect(c.medianHoursToConvert).toBeCloseTo(m, 6);
    }
    expect(ref.get('SEARCH')!.reached + ref.get('SOCIAL')!.reached).toBeGreaterThan(1000); // the data is not trivial
    // One answer to "which channel converts best?": highest rate among channels reaching ≥ 30 people.
    const best = [...ref].filter(([, e]) => e.reached >= 30).sort(([, a], [, b]) => b.converted / b.reached - a.converted / a.reached)[0]![0];
    expect(r.best).toBe(best);
    expect(r.channels[0]!.conversionRate).toBeGreaterThanOrEqual(r.channels.at(-1)!.conversionRate);
    // With a threshold no channel reaches, there is no best.
    expect((await t.ok(ChannelPerformanceDocument, { scope, conversionEvent: 'Deal Won', minReached: 100_000 })).channelPerformance.best).toBeNull();
  });

  it('refuses an empty or unknown conversion event and a bad minReached', async () => {
    const ext = async (conversionEvent: string, minReached?: number) => (await t.gql(ChannelPerformanceDocument, { scope, conversionEvent, minReached })).errors?.[0]?.extensions;
    expect(await ext('')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'conversionEvent' });
    expect(await ext('Deal Lost')).toMatchObject({ code: 'UNKNOWN_EVENT', events: ['Deal Lost'] });
    expect(await ext('Deal Won', 0)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'minReached' });
  });
});
