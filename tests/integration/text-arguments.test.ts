/**
 * Text that PostgreSQL cannot store (U+0000, a lone surrogate) in any argument of any operation is
 * refused at the GraphQL boundary with BAD_USER_INPUT naming the argument, over HTTP and WebSocket,
 * instead of reaching SQL and failing there (22021 → INTERNAL_SERVER_ERROR). The ingestion mutations
 * keep reporting such rows as data (row errors, quarantine), as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/databases.ts';
import { snapshot } from '../helpers/fuzz.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SCOPE = '{ from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z" }';

describe.each(dbKinds)('unstorable text in arguments on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    // One known event so that analytics arguments are otherwise valid.
    const r = await t.gql(`mutation { recordTouchpoints(input: [{ messageId: "seed-1", event: "Order Completed", userId: "u1" }]) { accepted } }`);
    expect(r.errors).toBeUndefined();
  });
  afterAll(() => t?.stop());

  const refused = async (query: string, variables: Record<string, unknown> | undefined, argument: string) => {
    const before = await snapshot(t);
    const r = await t.gql<unknown, unknown>(query, variables);
    expect(r.status, JSON.stringify(r.errors)).toBeLessThan(500);
    expect(r.data ?? null).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(r.errors![0]!.message).toContain('U+0000');
    expect(await snapshot(t)).toEqual(before);
  };

  it('customers(filter: { traits: [{ key }] }) with U+0000, in a variable and in a literal', async () => {
    await refused('query($f: CustomerFilterInput) { customers(filter: $f) { totalCount } }', { f: { traits: [{ key: 'plan\u0000' }] } }, 'customers.filter.traits.0.key');
    await refused('{ customers(filter: { traits: [{ key: "plan\\u0000" }] }) { totalCount } }', undefined, 'customers.filter.traits.0.key');
    // Inside a JSON scalar value too.
    await refused('query($f: CustomerFilterInput) { customers(filter: $f) { totalCount } }', { f: { traits: [{ key: 'plan', equals: { a: ['x\u0000'] } }] } }, 'customers.filter.traits.0.equals.a.0');
  });

  it('failedEvents(reason) and paths(startEvent), with U+0000 and a lone surrogate', async () => {
    await refused('{ failedEvents(reason: "\\u0000") { totalCount } }', undefined, 'failedEvents.reason');
    await refused(`query($e: String) { paths(scope: ${SCOPE}, startEvent: $e) { totalPeople } }`, { e: 'Order\u0000Completed' }, 'paths.startEvent');
    await refused(`query($e: String) { paths(scope: ${SCOPE}, startEvent: $e) { totalPeople } }`, { e: 'x\ud800' }, 'paths.startEvent');
  });

  it('mutations and nested field arguments are checked the same way; the alias names the field', async () => {
    await refused('mutation($k: String!) { tagCustomers(customerIds: [], tagKey: $k) { changed } }', { k: 'vip\u0000' }, 'tagCustomers.tagKey');
    await refused(
      'query($id: ID!) { c: customer(id: $id) { id } }',
      { id: '00000000-0000-0000-0000-000000000000\u0000' },
      'c.id',
    );
  });

  it('ingestion keeps reporting unstorable rows as data: one bad row does not fail the batch', async () => {
    const r = await t.gql<{ recordTouchpoints: { accepted: number; quarantined: number } }, unknown>(
      `mutation($in: [TouchpointInput!]!) { recordTouchpoints(input: $in) { accepted quarantined } }`,
      { in: [{ messageId: 'nul-1', event: 'Bad\u0000Event', userId: 'u2' }, { messageId: 'ok-1', event: 'Order Completed', userId: 'u2' }] },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordTouchpoints).toEqual({ accepted: 1, quarantined: 1 });
  });

  it('a subscription argument over WebSocket answers the same code', async () => {
    const client = t.wsClient();
    const errors = await new Promise<readonly { message: string; extensions?: Record<string, unknown> }[]>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription($s: String) { segmentMembershipChanged(since: $s) { seq } }', variables: { s: '1\u0000' } },
        {
          next: (v) => (v.errors?.length ? resolve(v.errors) : reject(new Error('an event, not an error'))),
          error: (e) => resolve(Array.isArray(e) ? e : [e as never]),
          complete: () => reject(new Error('completed without an error')),
        },
      );
    });
    expect(errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'segmentMembershipChanged.since' });
  });
});
