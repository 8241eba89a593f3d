/**
 * The console's only door to the server: the public GraphQL API over HTTP, and graphql-ws for the
 * live feeds, both with the signed-in key. Documents are codegen-typed strings.
 */
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from '../generated/graphql.ts';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function gql<R, V>(key: string, doc: TypedDocumentString<R, V>, variables?: V): Promise<R> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: doc.toString(), variables }),
  });
  const body = (await res.json().catch(() => ({}))) as { data?: R; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new ApiError(body.errors.map((e) => e.message).join('; '), body.errors[0]!.extensions?.code, res.status);
  if (!res.ok || !body.data) throw new ApiError(`HTTP ${res.status}`, undefined, res.status);
  return body.data;
}

let ws: { key: string; client: Client } | null = null;

/** One socket per signed-in key, shared by every feed on the page. */
export function wsClient(key: string): Client {
  if (ws?.key === key) return ws.client;
  ws?.client.dispose();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  ws = { key, client: createClient({ url, connectionParams: { authorization: `Bearer ${key}` }, lazy: true, retryAttempts: Infinity, shouldRetry: () => true }) };
  return ws.client;
}

export function closeWs() {
  ws?.client.dispose();
  ws = null;
}

/** Subscribes; returns the function that stops it. `payload` is read again on every (re)subscribe. */
export function subscribe<R, V>(key: string, doc: TypedDocumentString<R, V>, variables: () => V, sink: { next: (r: R) => void; error?: (e: unknown) => void }): () => void {
  let stopped = false;
  let dispose = () => {};
  const start = () => {
    if (stopped) return;
    dispose = wsClient(key).subscribe<R>(
      { query: doc.toString(), variables: variables() as Record<string, unknown> },
      {
        next: (r) => r.data && sink.next(r.data as R),
        error: (e) => {
          sink.error?.(e);
          // A feed that was closed (e.g. 4410: fell behind) starts again from where it was.
          setTimeout(start, 1000);
        },
        complete: () => {},
      },
    );
  };
  start();
  return () => {
    stopped = true;
    dispose();
  };
}
