/**
 * messageId dedup is scoped to the API key on the GraphQL door as on /v1: a key cannot pre-claim
 * another system's message ids by naming its `source`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const RECORD = 'mutation($in: [TouchpointInput!]!) { recordTouchpoints(input: $in) { accepted duplicates results { status } } }';
type Out = { recordTouchpoints: { accepted: number; duplicates: number } };

describe.each(dbKinds)('GraphQL ingest dedup scope on %s', (kind) => {
  let t: TestServer;
  let other: string;
  beforeAll(async () => {
    t = await startTestServer(kind);
    const made = await t.server.services.apiKeys.create({ name: 'second-writer', role: 'WRITER' });
    if (!made.ok) throw new Error(made.message);
    other = made.value.key;
  });
  afterAll(() => t?.stop());

  const send = (key: string, source: string) =>
    t.gql<Out, unknown>(RECORD, { in: [{ messageId: 'shared-1', source, event: 'E', userId: 'u-dedup', occurredAt: '2026-03-01T00:00:00Z' }] }, { authorization: `Bearer ${key}` });

  it('two keys naming the same source and messageId do not block each other; a resend with the same key is a duplicate', async () => {
    const a = await send(t.keys.WRITER, 'pos');
    expect(a.errors).toBeUndefined();
    expect(a.data!.recordTouchpoints).toMatchObject({ accepted: 1, duplicates: 0 });
    const b = await send(other, 'pos');
    expect(b.data!.recordTouchpoints).toMatchObject({ accepted: 1, duplicates: 0 });
    const again = await send(t.keys.WRITER, 'another-label');
    expect(again.data!.recordTouchpoints).toMatchObject({ accepted: 0, duplicates: 1 });
  });
});
