/**
 * The soak's load client: a steady open-loop stream of requests of EVENTS_PER_REQUEST track events,
 * alternating /v1/batch (WRITER key) and the recordTouchpoints mutation (ADMIN key), round-robin over
 * the server processes. A request that fails (connection refused or reset, a non-200, an answer that
 * does not account for every event) is resent unchanged, same messageIds, to the next process, as a
 * Segment client with retries does, until it is acknowledged.
 */
export const EVENT_NAMES = ['Soak Order', 'Soak Signup', 'Soak Visit'];
export const EVENTS_PER_REQUEST = 10;
/** Chance that an event comes from a new person (most come from people seen before, so not every write changes a membership). */
const NEW_USER_RATE = 0.05;

export interface LoadOptions {
  bases: () => string[];
  writerKey: string;
  adminKey: string;
  eventsPerSecond: number;
}

export interface LoadStats {
  requests: number;
  acknowledged: number;
  retries: number;
  /** messageIds of every event in an acknowledged request. */
  ackedIds: Set<string>;
  sentIds: Set<string>;
  lastErrors: string[];
}

interface Event {
  messageId: string;
  userId: string;
  event: string;
  at: string;
}

export class LoadClient {
  readonly stats: LoadStats = { requests: 0, acknowledged: 0, retries: 0, ackedIds: new Set(), sentIds: new Set(), lastErrors: [] };
  private timer: NodeJS.Timeout | null = null;
  private inFlight = new Set<Promise<void>>();
  private users = 0;
  private target = 0;
  private stopping = false;

  constructor(private readonly opts: LoadOptions) {}

  start(): void {
    const everyMs = (1000 * EVENTS_PER_REQUEST) / this.opts.eventsPerSecond;
    let n = 0;
    this.timer = setInterval(() => {
      const p = this.send(n++).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }, everyMs);
  }

  /** Stops sending new requests and waits until every request sent has been acknowledged (bounded). */
  async stop(ms: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const deadline = Date.now() + ms;
    while (this.inFlight.size && Date.now() < deadline) await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 500))]);
    this.stopping = true;
    await Promise.all(this.inFlight);
  }

  private events(n: number): Event[] {
    return Array.from({ length: EVENTS_PER_REQUEST }, (_, e) => {
      if (this.users === 0 || Math.random() < NEW_USER_RATE) this.users++;
      return {
        messageId: `soak-${n}-${e}`,
        userId: `soak-user-${Math.floor(Math.random() * this.users)}`,
        event: EVENT_NAMES[Math.floor(Math.random() * EVENT_NAMES.length)]!,
        at: new Date().toISOString(),
      };
    });
  }

  private async send(n: number): Promise<void> {
    const events = this.events(n);
    for (const e of events) this.stats.sentIds.add(e.messageId);
    this.stats.requests++;
    const graphql = n % 2 === 1;
    let target = this.target++;
    for (let attempt = 0; !this.stopping; attempt++) {
      const bases = this.opts.bases();
      const base = bases[target++ % bases.length]!;
      if (attempt > 0) this.stats.retries++;
      try {
        await (graphql ? this.record(base, events) : this.batch(base, events));
        this.stats.acknowledged++;
        for (const e of events) this.stats.ackedIds.add(e.messageId);
        return;
      } catch (err) {
        this.stats.lastErrors = [...this.stats.lastErrors, `${base} request ${n}: ${(err as Error).message}`].slice(-5);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async batch(base: string, events: Event[]): Promise<void> {
    const res = await fetch(`${base}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${this.opts.writerKey}:`).toString('base64')}` },
      body: JSON.stringify({ batch: events.map((e) => ({ type: 'track', messageId: e.messageId, userId: e.userId, event: e.event, timestamp: e.at })) }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json()) as { accepted?: number; duplicates?: number };
    if (res.status !== 200 || (body.accepted ?? 0) + (body.duplicates ?? 0) !== events.length) throw new Error(`/v1/batch ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  }

  private async record(base: string, events: Event[]): Promise<void> {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.adminKey}` },
      body: JSON.stringify({
        query: 'mutation Soak($input: [TouchpointInput!]!) { recordTouchpoints(input: $input) { accepted duplicates } }',
        variables: { input: events.map((e) => ({ type: 'TRACK', messageId: e.messageId, userId: e.userId, event: e.event, occurredAt: e.at })) },
      }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json()) as { data?: { recordTouchpoints?: { accepted: number; duplicates: number } }; errors?: unknown };
    const r = body.data?.recordTouchpoints;
    if (res.status !== 200 || body.errors || !r || r.accepted + r.duplicates !== events.length) throw new Error(`recordTouchpoints ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  }
}
