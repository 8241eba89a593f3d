/**
 * `cdp import` as a real process against a running test server: the Olist marketing funnel (8,000
 * leads, 842 closed deals) as customers plus "Lead Created" and "Deal Won" touchpoints. Every expected
 * figure is computed here from the CSV files; a second run of the same imports must change nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportSummary } from '../../src/cli/import/import-command.ts';
import { cliArgs } from '../helpers/cli-process.ts';
import { dbKinds } from '../helpers/databases.ts';
import { readCsv } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { OLIST_ORIGIN_CHANNEL } from '../helpers/olist.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'tests/fixtures');
const LEADS = path.join(fixtures, 'olist_marketing_qualified_leads_dataset.csv');
const DEALS = path.join(fixtures, 'olist_closed_deals_dataset.csv');
const tmp = mkdtempSync(path.join(tmpdir(), 'cdp-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `cdp import ...` (the CLI bundle, tests/helpers/cli-build.ts) and resolves with its exit code and output. */
function cdpImport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, cliArgs(['import', ...args]), { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** An import that must succeed; its --json summary. */
async function importOk(args: string[]): Promise<ImportSummary> {
  const r = await cdpImport([...args, '--json']);
  if (r.code !== 0) throw new Error(`cdp import ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ImportSummary;
}

// The reference: how the test expects Olist origins to land, written out independently of the CLI.
const ORIGIN_CHANNEL = OLIST_ORIGIN_CHANNEL;

const leads = readCsv('olist_marketing_qualified_leads_dataset.csv');
const deals = readCsv('olist_closed_deals_dataset.csv');
const leadIds = new Set(leads.map((l) => l.mql_id!));
const dealsOfLeads = deals.filter((d) => leadIds.has(d.mql_id!));
const revenueOf = (d: Record<string, string>) => (Number(d.declared_monthly_revenue) > 0 ? Number(d.declared_monthly_revenue) : null);
const utc = (s: string) => new Date(`${s.replace(' ', 'T')}${s.length === 10 ? 'T00:00:00' : ''}Z`).toISOString();

describe.each(dbKinds)('cdp import of the Olist marketing funnel on %s', (kind) => {
  let t: TestServer;
  let imports: { customers: string[]; leads: string[]; deals: string[] };

  beforeAll(async () => {
    // Olist sells in reais: BRL is the base currency, so its amounts need no exchange rate.
    t = await startTestServer(kind, { baseCurrency: 'BRL' });
    // Lead touchpoints take their mapping from a file; the others from flags.
    const leadMapping = path.join(tmp, `leads-${kind}.json`);
    writeFileSync(
      leadMapping,
      JSON.stringify({
        map: { messageId: 'lead-{mql_id}', 'identity.CRM_ID': 'mql_id', occurredAt: 'first_contact_date', channel: 'origin' },
        set: { event: 'Lead Created', source: 'olist' },
        channelMap: ORIGIN_CHANNEL,
      }),
    );
    const common = ['--url', t.url, '--token', t.keys.WRITER, '--batch', '1000'];
    imports = {
      customers: ['customers', LEADS, ...common, '--map', 'externalId=mql_id', '--set', 'source=olist', '--map', 'identity.CRM_ID=mql_id', '--map', 'trait.landing_page_id=landing_page_id', '--map', 'trait.origin=origin'],
      leads: ['touchpoints', LEADS, ...common, '--map-file', leadMapping],
      deals: [
        'touchpoints', DEALS, ...common,
        '--map', 'messageId=deal-{mql_id}', '--map', 'identity.CRM_ID=mql_id', '--map', 'occurredAt=won_date', '--set', 'event=Deal Won', '--set', 'source=olist',
        '--map', 'property.business_segment=business_segment', '--map', 'property.lead_type=lead_type',
        '--map', 'revenue=declared_monthly_revenue', '--set', 'currency=BRL',
      ],
    };
  });
  afterAll(() => t?.stop());

  /** Everything the test checks in the database, as one comparable object. */
  async function counts() {
    const p = t.db.prisma;
    const byChannel = await p.touchpoint.groupBy({ by: ['channel'], where: { event: 'Lead Created' }, _count: { _all: true } });
    const ltv = await p.customer.aggregate({ _sum: { lifetimeValue: true } });
    return {
      olistCustomers: await p.customer.count({ where: { source: 'olist' } }),
      customers: await p.customer.count(),
      crmIds: await p.identity.count({ where: { type: 'CRM_ID' } }),
      leadCreated: await p.touchpoint.count({ where: { event: 'Lead Created' } }),
      dealWon: await p.touchpoint.count({ where: { event: 'Deal Won' } }),
      leadChannels: Object.fromEntries(byChannel.map((g) => [g.channel, g._count._all])),
      lifetimeValue: Number(ltv._sum.lifetimeValue ?? 0),
    };
  }

  it('imports every lead as a customer and a Lead Created touchpoint, and every deal as Deal Won', { timeout: 90_000 }, async () => {
    const c = await importOk(imports.customers);
    expect(c).toMatchObject({ rows: leads.length, sent: leads.length, notSent: 0, customers: { created: leadIds.size, failed: 0 }, errors: [] });
    expect(c.customers!.created + c.customers!.updated + c.customers!.unchanged).toBe(leads.length);
    const l = await importOk(imports.leads);
    expect(l).toMatchObject({ rows: leads.length, notSent: 0, touchpoints: { accepted: leads.length, duplicates: 0, quarantined: 0, dropped: 0 }, errors: [] });
    const d = await importOk(imports.deals);
    expect(d).toMatchObject({ rows: deals.length, notSent: 0, touchpoints: { accepted: deals.length, duplicates: 0, quarantined: 0, dropped: 0 }, errors: [] });

    const expectedChannels: Record<string, number> = {};
    for (const lead of leads) {
      const channel = ORIGIN_CHANNEL[lead.origin!];
      expect(channel, `origin "${lead.origin}" has no expected channel`).toBeDefined();
      expectedChannels[channel!] = (expectedChannels[channel!] ?? 0) + 1;
    }
    expect(dealsOfLeads.length).toBe(deals.length); // as the datasets README says: every deal is a lead
    expect(await counts()).toEqual({
      olistCustomers: leadIds.size,
      customers: leadIds.size, // no touchpoint made a stray customer: each found its lead by CRM_ID
      crmIds: leadIds.size,
      leadCreated: leads.length,
      dealWon: dealsOfLeads.length,
      leadChannels: expectedChannels,
      lifetimeValue: dealsOfLeads.reduce((sum, x) => sum + (revenueOf(x) ?? 0), 0),
    });
  });

  it('stores each row where and as the mapping says', async () => {
    const p = t.db.prisma;
    const customers = await p.customer.findMany({ where: { source: 'olist' }, select: { externalId: true, traits: true } });
    const traits = new Map(customers.map((x) => [x.externalId, x.traits]));
    for (const lead of leads) {
      const expected: Record<string, string> = {};
      if (lead.landing_page_id) expected.landing_page_id = lead.landing_page_id;
      if (lead.origin) expected.origin = lead.origin;
      expect(traits.get(lead.mql_id!)).toEqual(expected);
    }

    const leadTouchpoints = await p.touchpoint.findMany({ where: { event: 'Lead Created' }, select: { messageId: true, source: true, occurredAt: true, customer: { select: { externalId: true } } } });
    const byLead = new Map(leadTouchpoints.map((x) => [x.messageId, x]));
    for (const lead of leads) {
      const tp = byLead.get(`lead-${lead.mql_id}`);
      expect(tp).toMatchObject({ source: 'olist', customer: { externalId: lead.mql_id } });
      expect(tp!.occurredAt.toISOString()).toBe(utc(lead.first_contact_date!));
    }

    const dealTouchpoints = await p.touchpoint.findMany({
      where: { event: 'Deal Won' },
      select: { messageId: true, occurredAt: true, revenue: true, currency: true, properties: true, customer: { select: { externalId: true } } },
    });
    const byDeal = new Map(dealTouchpoints.map((x) => [x.messageId, x]));
    for (const deal of dealsOfLeads) {
      const tp = byDeal.get(`deal-${deal.mql_id}`)!;
      expect(tp.customer.externalId).toBe(deal.mql_id);
      expect(tp.occurredAt.toISOString()).toBe(utc(deal.won_date!));
      expect(tp.revenue === null ? null : Number(tp.revenue)).toBe(revenueOf(deal));
      expect(tp.currency).toBe('BRL');
      const props: Record<string, string> = {};
      if (deal.business_segment) props.business_segment = deal.business_segment;
      if (deal.lead_type) props.lead_type = deal.lead_type;
      expect(tp.properties).toEqual(props);
    }
  });

  it('a second run of the same imports changes nothing', { timeout: 90_000 }, async () => {
    const before = await counts();
    const c = await importOk(imports.customers);
    expect(c.customers).toEqual({ created: 0, updated: 0, unchanged: leads.length, failed: 0 });
    const l = await importOk(imports.leads);
    expect(l.touchpoints).toEqual({ accepted: 0, duplicates: leads.length, quarantined: 0, dropped: 0 });
    const d = await importOk(imports.deals);
    expect(d.touchpoints).toEqual({ accepted: 0, duplicates: deals.length, quarantined: 0, dropped: 0 });
    expect(await counts()).toEqual(before);
  });

  it('reports bad rows with their CSV line numbers, sends the rest and exits 0', async () => {
    const file = path.join(tmp, `bad-${kind}.csv`);
    writeFileSync(
      file,
      [
        'id,when,origin,note',
        'u1,2018-01-01,social,"two', // a quoted value over two lines
        'lines"',
        ',2018-01-02,social,no id', // 4: no messageId
        'u2,not a date,email,x', // 5: the server quarantines it
        'u3,2018-01-03,fax,x', // 6: not a channel
        'u4,2018-01-04,social', // 7: a field short
        '',
        'u5,2018-01-05,Search,x',
      ].join('\n'),
    );
    const r = await cdpImport(['touchpoints', file, '--url', t.url, '--token', t.keys.WRITER, '--map', 'messageId=m-{id}', '--map', 'userId=id', '--map', 'occurredAt=when', '--map', 'channel=origin', '--set', 'event=Tested', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ImportSummary;
    expect(s).toMatchObject({ rows: 6, sent: 3, notSent: 3, touchpoints: { accepted: 2, quarantined: 1 } });
    expect(s.errors.map((e) => [e.line, e.code, e.sent])).toEqual([
      [4, 'MISSING_VALUE', false],
      [5, 'invalid_timestamp', true],
      [6, 'INVALID_VALUE', false],
      [7, 'FIELD_COUNT', false],
    ]);
    const human = await cdpImport(['touchpoints', file, '--url', t.url, '--token', t.keys.WRITER, '--map', 'messageId=m-{id}', '--map', 'userId=id', '--map', 'occurredAt=when', '--map', 'channel=origin', '--set', 'event=Tested']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/accepted 0, duplicates 2, quarantined 1, dropped 0, not sent 3/);
    expect(human.stdout).toMatch(/line 6: channel: "fax" is not a channel/);
  });

  it('exits non-zero with a clear message on a bad mapping or a wrong URL', async () => {
    const badColumn = await cdpImport(['customers', LEADS, '--url', t.url, '--token', t.keys.WRITER, '--map', 'externalId=lead_id']);
    expect(badColumn.code).toBe(2);
    expect(badColumn.stderr).toContain('no column "lead_id" in the file; its columns are: mql_id, first_contact_date, landing_page_id, origin');
    const wrongPath = await cdpImport(['customers', LEADS, '--url', t.baseUrl + '/nope', '--token', t.keys.WRITER, '--map', 'externalId=mql_id']);
    expect(wrongPath.code).toBe(1);
    expect(wrongPath.stderr).toMatch(/HTTP 404 .*is --url the GraphQL endpoint/);
  });
});

describe('cdp import against a misbehaving server', () => {
  let server: Server;
  let url: string;
  const seen: { auth?: string; status: number }[] = [];
  let plan: number[] = [];
  /** Requests with more rows than this get 413, like a server's body limit. */
  let maxRows = Infinity;
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const n = (JSON.parse(body) as { variables: { input: unknown[] } }).variables.input.length;
        const status = n > maxRows ? 413 : (plan.shift() ?? 200);
        seen.push({ auth: req.headers.authorization, status });
        res.writeHead(status, { 'content-type': 'application/json' });
        if (status !== 200) return res.end(JSON.stringify({ errors: [{ message: 'try later', extensions: { code: 'UNAVAILABLE' } }] }));
        res.end(JSON.stringify({ data: { upsertCustomers: { created: n, updated: 0, unchanged: 0, failed: 0, errors: [] } } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const file = () => {
    const f = path.join(tmp, 'small.csv');
    writeFileSync(f, 'id\n1\n2\n3\n');
    return f;
  };

  it('retries a batch after a 503, sends the token, and exits 0', async () => {
    seen.length = 0;
    plan = [503, 200, 200];
    const r = await cdpImport(['customers', file(), '--url', url, '--token', 's3cret', '--batch', '2', '--map', 'externalId=id']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/HTTP 503 .*try later \[UNAVAILABLE\] \(retry 1 of 3 in/);
    expect(r.stdout).toMatch(/created 3, updated 0, unchanged 0, failed 0, not sent 0/);
    expect(seen).toEqual([
      { auth: 'Bearer s3cret', status: 503 },
      { auth: 'Bearer s3cret', status: 200 },
      { auth: 'Bearer s3cret', status: 200 },
    ]);
  });

  it('halves a batch the server finds too large until it fits', async () => {
    seen.length = 0;
    maxRows = 1;
    try {
      const r = await cdpImport(['customers', file(), '--url', url, '--batch', '3', '--map', 'externalId=id']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/sent 3 in 3 batches/);
      expect(r.stdout).toMatch(/created 3, updated 0, unchanged 0, failed 0, not sent 0/);
      expect(seen.map((s) => s.status)).toEqual([413, 413, 200, 200, 200]); // 3 → 2 + 1 → 1 + 1 + 1
    } finally {
      maxRows = Infinity;
    }
  });

  it('gives up after the retries and exits 1, saying a rerun is safe', async () => {
    seen.length = 0;
    plan = [200, 500, 500];
    const r = await cdpImport(['customers', file(), '--url', url, '--batch', '2', '--retries', '1', '--map', 'externalId=id']);
    expect(r.code).toBe(1);
    expect(seen.map((s) => [s.auth, s.status])).toEqual([
      [undefined, 200],
      [undefined, 500],
      [undefined, 500],
    ]);
    expect(r.stderr).toMatch(/cdp import: HTTP 500 from .*: try later/);
    expect(r.stderr).toMatch(/2 rows were delivered before this; running the same import again is safe/);
  });
});
