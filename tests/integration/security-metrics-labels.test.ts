import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Lines of one metric family in a Prometheus text exposition (samples only, no HELP/TYPE). */
const samples = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));

describe.each(dbKinds)('/metrics label sets on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.stop());

  it('a client choosing operation names cannot grow the label sets: operations are labelled by root field', async () => {
    const post = (body: unknown) =>
      fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.ADMIN}` }, body: JSON.stringify(body) });
    const names = Array.from({ length: 40 }, (_, i) => `Op${i}x${Math.random().toString(36).slice(2)}`);
    for (const name of names) expect((await post({ query: `query ${name} { version }`, operationName: name })).status).toBe(200);
    // Unknown root fields and garbage documents are labelled too, as bounded values.
    await post({ query: '{ nope }', operationName: 'Garbage1' });
    await post({ query: 'query Q1 { version segments { id } }' });
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    for (const name of names) expect(text).not.toContain(name);
    expect(text).not.toContain('Garbage1');
    const ops = samples(text, 'cdp_graphql_operations_total');
    // 40 differently named operations of the same field share one series.
    expect(ops.filter((l) => l.includes('field="version"') && l.includes('outcome="ok"'))).toHaveLength(1);
    expect(ops.find((l) => l.includes('field="version"') && l.includes('outcome="ok"'))).toMatch(/ (4[1-9]|[5-9]\d)$/);
    expect(ops.some((l) => l.includes('field="segments"'))).toBe(true);
    expect(ops.some((l) => l.includes('field="other"'))).toBe(true);
  });
});
