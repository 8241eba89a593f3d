/**
 * The client side of W7's steady load, run in its own process (forked with tsx) so that neither its
 * subscribers nor its request bodies count in the RSS of the server process that W7 samples.
 *
 * It opens W3-style graphql-ws subscribers (`sockets` × `perSocket`, one subscription each, on one
 * segment), then for `seconds` drives the server open loop at fixed rates:
 *   - ingest: `batchesPerSec` batches of `batchSize` events, alternately through GraphQL
 *     `recordTouchpoints` and the Segment door `/v1/batch`, made on the fly from `streamEvents`
 *     (bench/lib/events.ts; nothing of the stream is prepared ahead or kept beyond a bounded window),
 *     one stream per door (own messageIds and seed, the same people), so a resend goes back through
 *     the door that sent the original, as a retrying client's would (dedup is per source);
 *   - reads: `readsPerSec` profile reads (customerByIdentity by a userId already sent);
 * and counts what every subscriber receives. A request is sent when it is due whatever the answers
 * of earlier ones, up to `maxInFlight` per stream; past that it waits for a slot (and the lag is
 * reported), so an overloaded server slows the load instead of piling up requests without bound.
 *
 * The parent drives it over IPC: start → "subscribed" → run → progress every minute … → "loaded"
 * → settle(expected deliveries per subscriber) → "settled" → close.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/lib/random.ts';
import { streamEvents, toSegmentEvent, toTouchpointInput, type BenchEvent } from './events.ts';
import { percentiles, Subscribers, type FanoutSpec, type Percentiles } from './fanout-client.ts';
import { RECORD_TOUCHPOINTS, sumCounts, type IngestCounts } from './ingest.ts';
import { closeChild, requestChild } from './child-rpc.ts';

export interface SteadyPlan {
  seconds: number;
  graphqlUrl: string;
  segmentUrl: string;
  /** Authorization for GraphQL (Bearer) and for /v1 (Basic, a WRITER key). */
  graphqlHeaders: Record<string, string>;
  segmentHeaders: Record<string, string>;
  batchSize: number;
  /** Ingest calls per second, both doors together (they alternate). */
  batchesPerSec: number;
  readsPerSec: number;
  maxInFlight: number;
  /** streamEvents options but the total (seconds × batchesPerSec × batchSize / 2 per door), prefix and seed. */
  stream: { activePeople: number; eventsPerNewPerson: number; from: number; spanMs: number };
  profileQuery: string;
}

export interface StreamStats {
  sent: number;
  ok: number;
  errors: number;
  firstErrors: string[];
  /** Sends that found maxInFlight requests open and waited for a slot, and the worst lateness. */
  waitedForSlot: number;
  maxLagMs: number;
  latencyMs: Percentiles;
}

export interface SteadyLoadResult {
  seconds: number;
  events: number;
  resends: number;
  eventsPerSec: number;
  answered: IngestCounts;
  graphql: StreamStats;
  segment: StreamStats;
  reads: StreamStats & { found: number; readsPerSec: number };
  perMinute: SteadyProgress[];
}

export interface SteadyProgress {
  minute: number;
  events: number;
  calls: number;
  reads: number;
  errors: number;
  deliveries: number;
  inFlight: number;
}

export interface SteadyDeliveries {
  subscribers: number;
  expectedPerSubscriber: number;
  deliveries: number;
  minPerSubscriber: number;
  maxPerSubscriber: number;
  subscribersShort: number;
  /** Receipt − sending of the batch that holds the event that caused the change. */
  fromSendMs: Percentiles;
  /** Per minute of the load: median and p99 of fromSendMs for deliveries caused then. */
  fromSendByMinute: { minute: number; deliveries: number; p50: number; p99: number }[];
  errors: string[];
}

interface PayloadShape {
  data?: { segmentMembershipChanged?: { reason?: { trigger?: { messageId?: string } } } };
}
const triggerOf = (payload: unknown) => (payload as PayloadShape)?.data?.segmentMembershipChanged?.reason?.trigger?.messageId;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- child side

class Stream {
  sent = 0;
  ok = 0;
  errors = 0;
  firstErrors: string[] = [];
  waitedForSlot = 0;
  maxLagMs = 0;
  inFlight = 0;
  private latencies: number[] = [];
  private waiters: (() => void)[] = [];
  private pending = new Set<Promise<void>>();

  constructor(private readonly maxInFlight: number) {}

  /** Sends one request when it is due (or when a slot frees, if none is free then). */
  async fire(due: number, send: () => Promise<string | null>): Promise<void> {
    if (this.inFlight >= this.maxInFlight) {
      this.waitedForSlot++;
      while (this.inFlight >= this.maxInFlight) await new Promise<void>((r) => this.waiters.push(r));
    }
    this.maxLagMs = Math.max(this.maxLagMs, performance.now() - due);
    this.inFlight++;
    this.sent++;
    const t0 = performance.now();
    const p = send()
      .then(
        (problem) => problem,
        (err: Error) => err.message,
      )
      .then((problem) => {
        this.latencies.push(performance.now() - t0);
        if (problem) {
          this.errors++;
          if (this.firstErrors.length < 5) this.firstErrors.push(problem.slice(0, 300));
        } else this.ok++;
        this.inFlight--;
        this.pending.delete(p);
        this.waiters.shift()?.();
      });
    this.pending.add(p);
  }

  async drain(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  stats(): StreamStats {
    return { sent: this.sent, ok: this.ok, errors: this.errors, firstErrors: this.firstErrors, waitedForSlot: this.waitedForSlot, maxLagMs: this.maxLagMs, latencyMs: percentiles(this.latencies) };
  }
}

/** Runs `n` ticks, tick k due at start + k × intervalMs, in order. */
async function schedule(start: number, intervalMs: number, n: number, tick: (k: number, due: number) => Promise<void>): Promise<void> {
  for (let k = 0; k < n; k++) {
    const due = start + k * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    await tick(k, due);
  }
}

class SteadyChild {
  private subs: Subscribers;
  private perSubscriber: Uint32Array;
  private deliveries = 0;
  private lastReceipt = 0;
  /** messageId → when its batch was sent; entries older than TRIGGER_TTL_MS are dropped. */
  private sentAt = new Map<string, number>();
  private sentOrder: { at: number; ids: string[] }[] = [];
  /** Per minute of the load: fromSend latencies of the deliveries whose cause was sent then. */
  private fromSend: number[][] = [];
  private loadStart = 0;
  private loadEnd = 0;
  private errors: string[] = [];

  constructor(private readonly spec: FanoutSpec) {
    this.subs = new Subscribers(spec);
    this.perSubscriber = new Uint32Array(spec.sockets * spec.perSocket);
    this.subs.onDelivery = (subscriber, payload) => this.onDelivery(subscriber, payload);
  }

  open() {
    return this.subs.open();
  }

  close() {
    return this.subs.close();
  }

  private onDelivery(subscriber: number, payload: unknown): void {
    const now = performance.now();
    this.perSubscriber[subscriber]!++;
    this.deliveries++;
    this.lastReceipt = now;
    const sent = this.sentAt.get(triggerOf(payload) ?? '');
    if (sent !== undefined) {
      const minute = Math.max(0, Math.floor((sent - this.loadStart) / 60_000));
      (this.fromSend[minute] ??= []).push(now - sent);
    }
  }

  private remember(ids: string[], at: number): void {
    const TRIGGER_TTL_MS = 120_000;
    for (const id of ids) if (!this.sentAt.has(id)) this.sentAt.set(id, at);
    this.sentOrder.push({ at, ids });
    while (this.sentOrder.length && this.sentOrder[0]!.at < at - TRIGGER_TTL_MS) {
      for (const id of this.sentOrder.shift()!.ids) this.sentAt.delete(id);
    }
  }

  async run(plan: SteadyPlan, progress: (p: SteadyProgress) => void): Promise<SteadyLoadResult> {
    const batches = Math.floor(plan.seconds * plan.batchesPerSec);
    const total = batches * plan.batchSize;
    const perDoor = Math.ceil(total / 2);
    const streams = [streamEvents({ ...plan.stream, total: perDoor, prefix: 'st-g-', seed: 18 }), streamEvents({ ...plan.stream, total: perDoor, prefix: 'st-s-', seed: 19 })];
    const graphql = new Stream(plan.maxInFlight);
    const segment = new Stream(plan.maxInFlight);
    const reads = new Stream(plan.maxInFlight);
    const answers: IngestCounts[] = [];
    let sentEvents = 0;
    let resends = 0;
    let found = 0;
    // userIds already sent, for the profile reads (people drift, so the recent ones are read).
    const known: string[] = [];
    const knownSet = new Set<string>();
    const rng = seededRandom(28);

    const ingestCall = async (url: string, headers: Record<string, string>, body: string, counts: (text: string, status: number) => IngestCounts | string) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const text = await res.text();
      const c = counts(text, res.status);
      if (typeof c === 'string') return c;
      answers.push(c);
      return null;
    };
    const graphqlCounts = (text: string, status: number) => {
      try {
        const b = JSON.parse(text) as { data?: { recordTouchpoints?: IngestCounts }; errors?: unknown };
        if (status === 200 && b.data?.recordTouchpoints && !b.errors) return b.data.recordTouchpoints;
      } catch {
        /* below */
      }
      return `recordTouchpoints → ${status}: ${text}`;
    };
    const segmentCounts = (text: string, status: number) => {
      try {
        const b = JSON.parse(text) as IngestCounts & { success?: boolean };
        if (status === 200 && b.success) return { accepted: b.accepted, duplicates: b.duplicates, quarantined: b.quarantined, dropped: b.dropped };
      } catch {
        /* below */
      }
      return `/v1/batch → ${status}: ${text}`;
    };

    const start = performance.now();
    this.loadStart = start;
    let minute = 0;
    const perMinute: SteadyProgress[] = [];
    const ticker = setInterval(() => {
      minute++;
      const p: SteadyProgress = {
        minute,
        events: sentEvents,
        calls: graphql.sent + segment.sent,
        reads: reads.sent,
        errors: graphql.errors + segment.errors + reads.errors,
        deliveries: this.deliveries,
        inFlight: graphql.inFlight + segment.inFlight + reads.inFlight,
      };
      perMinute.push(p);
      progress(p);
    }, 60_000);

    const ingest = schedule(start, 1000 / plan.batchesPerSec, batches, async (k, due) => {
      const toGraphql = k % 2 === 0;
      const events = streams[k % 2]!;
      const batch: BenchEvent[] = [];
      for (let i = 0; i < plan.batchSize; i++) {
        const n = events.next();
        if (n.done) break;
        batch.push(n.value);
      }
      if (!batch.length) return;
      const stream = toGraphql ? graphql : segment;
      await stream.fire(due, () => {
        // The body is made now and dropped with the request.
        const body = toGraphql
          ? JSON.stringify({ query: RECORD_TOUCHPOINTS, variables: { input: batch.map(toTouchpointInput) } })
          : JSON.stringify({ batch: batch.map(toSegmentEvent), sentAt: batch.reduce((m, e) => (e.occurredAt > m ? e.occurredAt : m), batch[0]!.occurredAt) });
        this.remember(
          batch.map((e) => e.messageId),
          performance.now(),
        );
        sentEvents += batch.length;
        for (const e of batch) {
          if (e.resend) resends++;
          if (e.userId && !knownSet.has(e.userId)) {
            knownSet.add(e.userId);
            known.push(e.userId);
          }
        }
        return toGraphql ? ingestCall(plan.graphqlUrl, plan.graphqlHeaders, body, graphqlCounts) : ingestCall(plan.segmentUrl, plan.segmentHeaders, body, segmentCounts);
      });
    });
    const reading = schedule(start, 1000 / plan.readsPerSec, Math.floor(plan.seconds * plan.readsPerSec), async (_k, due) => {
      if (!known.length) return;
      // Mostly people seen lately, now and then anyone seen so far.
      const recent = Math.min(known.length, 2000);
      const userId = rng.chance(0.8) ? known[known.length - 1 - rng.int(0, recent - 1)]! : known[rng.int(0, known.length - 1)]!;
      await reads.fire(due, async () => {
        const res = await fetch(plan.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...plan.graphqlHeaders },
          body: JSON.stringify({ query: plan.profileQuery, variables: { value: userId } }),
        });
        const text = await res.text();
        if (res.status !== 200 || text.includes('"errors"')) return `profile read → ${res.status}: ${text}`;
        if (!text.includes('"customerByIdentity":null')) found++;
        return null;
      });
    });
    try {
      await Promise.all([ingest, reading]);
      await Promise.all([graphql.drain(), segment.drain(), reads.drain()]);
    } finally {
      clearInterval(ticker);
      this.loadEnd = performance.now();
    }
    const seconds = (performance.now() - start) / 1000;
    return {
      seconds,
      events: sentEvents,
      resends,
      eventsPerSec: sentEvents / seconds,
      answered: sumCounts(answers),
      graphql: graphql.stats(),
      segment: segment.stats(),
      reads: { ...reads.stats(), found, readsPerSec: reads.sent / seconds },
      perMinute,
    };
  }

  /** Waits until every subscriber has `expected` deliveries, or none came for idleMs. */
  async settle(expected: number, idleMs: number): Promise<SteadyDeliveries> {
    const quietSince = () => performance.now() - Math.max(this.lastReceipt, this.loadEnd);
    while (this.perSubscriber.some((n) => n < expected) && quietSince() < idleMs) await sleep(50);
    const counts = Array.from(this.perSubscriber);
    const byMinute = this.fromSend.map((xs, minute) => {
      const p = percentiles(xs ?? []);
      return { minute: minute + 1, deliveries: xs?.length ?? 0, p50: p.p50, p99: p.p99 };
    });
    return {
      subscribers: counts.length,
      expectedPerSubscriber: expected,
      deliveries: this.deliveries,
      minPerSubscriber: Math.min(...counts),
      maxPerSubscriber: Math.max(...counts),
      subscribersShort: counts.filter((n) => n < expected).length,
      fromSendMs: percentiles(this.fromSend.flat()),
      fromSendByMinute: byMinute,
      errors: [...this.errors, ...this.subs.errors.splice(0, 20)],
    };
  }
}

type ToChild = { type: 'start'; spec: FanoutSpec } | { type: 'run'; plan: SteadyPlan } | { type: 'settle'; expected: number; idleMs: number } | { type: 'close' };
type FromChild =
  | { type: 'subscribed' }
  | { type: 'progress'; progress: SteadyProgress }
  | { type: 'loaded'; result: SteadyLoadResult }
  | { type: 'settled'; result: SteadyDeliveries }
  | { type: 'error'; message: string }
  | { type: 'closed' };

if (process.argv.includes('--steady-child') && process.send) {
  let child: SteadyChild | null = null;
  const send = (m: FromChild) => process.send!(m);
  process.on('message', (m: ToChild) => {
    const handle = async () => {
      if (m.type === 'start') {
        child = new SteadyChild(m.spec);
        await child.open();
        send({ type: 'subscribed' });
      } else if (m.type === 'run') {
        send({ type: 'loaded', result: await child!.run(m.plan, (progress) => send({ type: 'progress', progress })) });
      } else if (m.type === 'settle') {
        send({ type: 'settled', result: await child!.settle(m.expected, m.idleMs) });
      } else {
        await child?.close();
        process.send!({ type: 'closed' } satisfies FromChild, () => process.exit(0));
      }
    };
    handle().catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
  });
}

// ---------------------------------------------------------------- parent side

/** A forked steady-load client; one request at a time (progress messages go to onProgress). */
export class SteadyClient {
  onProgress: (p: SteadyProgress) => void = () => {};

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromChild) => {
      if (m.type === 'progress') this.onProgress(m.progress);
    });
  }

  static async start(spec: FanoutSpec): Promise<SteadyClient> {
    const child = fork(fileURLToPath(import.meta.url), ['--steady-child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const client = new SteadyClient(child);
    await client.request({ type: 'start', spec }, 'subscribed');
    return client;
  }

  private request<T extends FromChild['type']>(message: ToChild, expect: T): Promise<Extract<FromChild, { type: T }>> {
    return requestChild<FromChild, T>(this.child, 'steady client', message, expect, (m) => m.type === 'progress');
  }

  async run(plan: SteadyPlan): Promise<SteadyLoadResult> {
    return (await this.request({ type: 'run', plan }, 'loaded')).result;
  }

  async settle(expected: number, idleMs: number): Promise<SteadyDeliveries> {
    return (await this.request({ type: 'settle', expected, idleMs }, 'settled')).result;
  }

  close(): Promise<void> {
    return closeChild(this.child, () => this.request({ type: 'close' }, 'closed'));
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}
