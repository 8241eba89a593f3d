/**
 * The GraphQL ingest door as the bench drives it: `recordTouchpoints` bodies prepared ahead of time,
 * sent with a fixed number of calls in flight, and the answers checked and summed (W1, W4).
 */
import type { BenchContext } from './context.ts';
import { toTouchpointInput, type BenchEvent } from './events.ts';
import { chunk, postAll } from './http.ts';

export const RECORD_TOUCHPOINTS = `mutation Record($input: [TouchpointInput!]!) { recordTouchpoints(input: $input) { accepted duplicates quarantined dropped } }`;

export interface IngestCounts {
  accepted: number;
  duplicates: number;
  quarantined: number;
  dropped: number;
}
export interface GraphqlIngestAnswer {
  data?: { recordTouchpoints: IngestCounts } | null;
  errors?: unknown[];
}

export const checkGraphqlIngest = (status: number, b: GraphqlIngestAnswer) =>
  status !== 200 || b.errors?.length || !b.data ? `status ${status}, errors ${JSON.stringify(b.errors)}` : null;

export const sumCounts = (xs: IngestCounts[]): IngestCounts =>
  xs.reduce((a, b) => ({ accepted: a.accepted + b.accepted, duplicates: a.duplicates + b.duplicates, quarantined: a.quarantined + b.quarantined, dropped: a.dropped + b.dropped }), {
    accepted: 0,
    duplicates: 0,
    quarantined: 0,
    dropped: 0,
  });

export function graphqlIngestBodies(events: BenchEvent[], batchSize: number): string[] {
  return chunk(events, batchSize).map((b) => JSON.stringify({ query: RECORD_TOUCHPOINTS, variables: { input: b.map(toTouchpointInput) } }));
}

/** Sends prepared recordTouchpoints bodies with the scale's calls in flight; seconds from first send to last answer. */
export async function ingestGraphql(ctx: BenchContext, bodies: string[]): Promise<{ seconds: number; counts: IngestCounts }> {
  const r = await postAll<GraphqlIngestAnswer>(`${ctx.baseUrl}/graphql`, bodies, { concurrency: ctx.scale.concurrency, headers: ctx.authHeaders, check: checkGraphqlIngest });
  return { seconds: r.seconds, counts: sumCounts(r.bodies.map((b) => b.data!.recordTouchpoints)) };
}
