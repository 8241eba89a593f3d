import { expect } from 'vitest';
import { RecordTouchpointsDocument, type TouchpointInput } from '../generated/graphql.ts';
import type { TestServer } from './server.ts';

/** Sends touchpoints in batches of 1,000 (the API's limit), requiring every one to be accepted. */
export async function recordAll(t: TestServer, input: TouchpointInput[]) {
  const results = [];
  for (let i = 0; i < input.length; i += 1000) {
    const batch = input.slice(i, i + 1000);
    const r = (await t.ok(RecordTouchpointsDocument, { input: batch })).recordTouchpoints;
    expect(r).toMatchObject({ accepted: batch.length, duplicates: 0, quarantined: 0, dropped: 0 });
    results.push(...r.results);
  }
  return results;
}
