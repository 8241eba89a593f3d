/**
 * The soak's subscribers: WebSocket connections (graphql-ws), each with many multiplexed
 * `segmentMembershipChanged(segmentIds: [one segment], since)` subscriptions. Every subscription
 * starts with since "0" (the schema is fresh, so that is every change of its segment) and remembers
 * each seq it receives. When its connection is lost (its process was killed) the socket reconnects to
 * the same port every second until the process is back, and resubscribes each subscription with
 * since = the last seq it received.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const QUERY = 'subscription Soak($segmentIds: [ID!], $since: String) { segmentMembershipChanged(segmentIds: $segmentIds, since: $since) { seq change segmentId customerId } }';
const RECONNECT_MS = 1_000;

export interface Subscription {
  segmentId: string;
  /** Every seq received, in order of receipt. */
  seqs: number[];
  /** Deliveries whose seq was not above the last one received (a duplicate or out of order). */
  regressions: number;
  /** Deliveries for another segment than the one asked for. */
  foreign: number;
}

export class SubscriberSocket {
  readonly subs: Subscription[];
  reconnects = 0;
  errors: string[] = [];
  private client: Client | null = null;
  private generation = 0;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly wsUrl: string,
    private readonly apiKey: string,
    segmentIds: string[],
  ) {
    this.subs = segmentIds.map((segmentId) => ({ segmentId, seqs: [], regressions: 0, foreign: 0 }));
  }

  last(sub: Subscription): number {
    return sub.seqs.length ? sub.seqs[sub.seqs.length - 1]! : 0;
  }

  connect(): void {
    const generation = ++this.generation;
    const client = createClient({ url: this.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${this.apiKey}` }, retryAttempts: 0, lazy: true });
    this.client = client;
    const lost = (why: string) => {
      if (generation !== this.generation || this.closed) return;
      this.generation++;
      if (!/ECONNREFUSED|1006/.test(why)) this.errors = [...this.errors, why].slice(-5);
      void client.dispose();
      this.retry = setTimeout(() => {
        this.reconnects++;
        this.connect();
      }, RECONNECT_MS);
    };
    for (const sub of this.subs) {
      client.subscribe<{ segmentMembershipChanged: { seq: string; segmentId: string } }>(
        { query: QUERY, variables: { segmentIds: [sub.segmentId], since: String(this.last(sub)) } },
        {
          next: (r) => {
            if (generation !== this.generation) return;
            if (r.errors) this.errors = [...this.errors, JSON.stringify(r.errors).slice(0, 300)].slice(-5);
            const change = r.data?.segmentMembershipChanged;
            if (!change) return;
            const seq = Number(change.seq);
            if (change.segmentId !== sub.segmentId) sub.foreign++;
            if (seq <= this.last(sub)) sub.regressions++;
            sub.seqs.push(seq);
          },
          error: (e) => lost(errorText(e)),
          complete: () => lost('completed by the server'),
        },
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.dispose();
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  const c = e as { code?: number; reason?: string };
  if (typeof c?.code === 'number') return `close ${c.code} ${c.reason ?? ''}`;
  return JSON.stringify(e);
}
