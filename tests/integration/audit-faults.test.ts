/**
 * The audit entry of a mutation is written after the mutation committed. A failure to write it must
 * not turn the committed success into an error (createApiKey's secret is shown once: an error there
 * loses it), and must not go unnoticed either: it is logged and counted in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const failures = (metrics: string) => Number(/^cdp_audit_write_failures_total (\d+)/m.exec(metrics)?.[1] ?? NaN);

describe.each(dbKinds)('audit write faults on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  const injectFault = async (on: boolean) => {
    if (on) {
      await t.db.prisma.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION injected_audit_fault() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected audit fault'; END $$ LANGUAGE plpgsql`);
      await t.db.prisma.$executeRawUnsafe(`CREATE TRIGGER injected_audit_fault BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION injected_audit_fault()`);
    } else {
      await t.db.prisma.$executeRawUnsafe(`DROP TRIGGER injected_audit_fault ON audit_log`);
    }
  };

  it('a committed createApiKey answers its secret when the audit write fails; the failure is counted', async () => {
    await injectFault(true);
    let r;
    try {
      r = await t.gql<{ createApiKey: { key: string; apiKey: { id: string } } }, unknown>('mutation { createApiKey(name: "under-fault", role: READER) { key apiKey { id } } }');
    } finally {
      await injectFault(false);
    }
    expect(r.errors).toBeUndefined();
    const secret = r.data!.createApiKey.key;
    expect(secret).toMatch(/^cdp_/);
    // The key was committed and the secret the caller got works.
    expect((await t.gql('{ version }', undefined, { authorization: `Bearer ${secret}` })).status).toBe(200);
    expect(failures(await (await fetch(`${t.baseUrl}/metrics`)).text())).toBe(1) // a fresh server: this was its first;
    // With the fault gone, auditing works again.
    const again = await t.gql<{ createApiKey: { apiKey: { id: string } } }, unknown>('mutation { createApiKey(name: "after-fault", role: READER) { apiKey { id } } }');
    expect(again.errors).toBeUndefined();
    const log = await t.gql<{ auditLog: { edges: { node: { target: string | null } }[] } }, unknown>('{ auditLog(first: 5, action: "createApiKey") { edges { node { target } } } }');
    expect(log.data!.auditLog.edges.map((e) => e.node.target)).toEqual([again.data!.createApiKey.apiKey.id]);
  });

  it('an audited read (exportCustomer) commits nothing, so it fails closed: no entry, no personal data', async () => {
    const made = await t.gql<{ upsertCustomers: { results: { customerId: string }[] } }, unknown>('mutation { upsertCustomers(input: [{ source: "crm", externalId: "x-1", email: "closed@example.com" }]) { results { customerId } } }');
    const id = made.data!.upsertCustomers.results[0]!.customerId;
    const metricsBefore = failures(await (await fetch(`${t.baseUrl}/metrics`)).text());
    await injectFault(true);
    let r;
    try {
      r = await t.gql<{ exportCustomer: unknown }, { id: string }>('query($id: ID!) { exportCustomer(id: $id) }', { id });
    } finally {
      await injectFault(false);
    }
    expect(r.data?.exportCustomer ?? null).toBeNull();
    expect(JSON.stringify(r)).not.toContain('closed@example.com');
    expect(failures(await (await fetch(`${t.baseUrl}/metrics`)).text())).toBe(metricsBefore + 1);
  });
});
