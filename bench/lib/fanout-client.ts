/**
 * The subscriber side of W3 and B5, run in its own process (forked with tsx) so that 1,000 subscribers
 * parsing their messages do not share an event loop with the server they measure. The same process
 * also sends the writes.
 *
 * A delivery's latency is its receipt (Date.now() here, when the frame has been parsed) minus the `at` its
 * payload carries: for W3 the server's clock read inside the write's transaction when the change was
 * recorded, before the outbox insert and the COMMIT; for B5 the bare server's clock when it handled the
 * write, just before it answered and broadcast. Server and subscribers run on the same machine and read
 * the same wall clock (ms resolution on both ends), so for W3 it is an upper bound of commit → receipt
 * that includes the commit itself. It does not depend on when the write's answer arrives (after the
 * commit the server also writes the audit log before answering). Also kept: receipt − the write's
 * answer and receipt − its sending (performance.now(), sub-ms).
 *
 * The subscribers are `sockets` WebSocket connections with `perSocket` subscriptions each, multiplexed
 * as graphql-ws does it (one `next` frame per subscription per event). Two protocols:
 *   - graphql-ws: graphql-ws `createClient` over `ws`, subscribing to a GraphQL subscription (W3);
 *   - plain-ws:   bare `ws` sockets that send {"type":"subscribe","id"} frames and receive the same
 *                 {"id","type":"next","payload"} frames, parsed with JSON.parse (B5).
 * Each delivery names the write that caused it by `reason.trigger.messageId` in its payload, and carries
 * `at` (ISO 8601 or epoch ms) as `data.segmentMembershipChanged.at`; a delivery without a readable `at`
 * is counted in `noAt` and left out of `latencyMs`.
 *
 * The parent drives it over IPC: start → "subscribed" → run(phase) → phase result … → close.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { closeChild, requestChild } from './child-rpc.ts';

export interface FanoutSpec {
  protocol: 'graphql-ws' | 'plain-ws';
  wsUrl: string;
  sockets: number;
  perSocket: number;
  /** graphql-ws only: the subscription every subscriber runs. */
  subscription?: { query: string; variables: Record<string, unknown> };
  /** graphql-ws only: sent on connect (the API key: `{ authorization: 'Bearer <key>' }`). */
  connectionParams?: Record<string, unknown>;
}

export interface FanoutPhase {
  name: string;
  writeUrl: string;
  /** Sent with every write (e.g. the API key's Authorization header). */
  writeHeaders?: Record<string, string>;
  /** One request body per write; write k's deliveries carry keys[k] as reason.trigger.messageId. */
  bodies: string[];
  keys: string[];
  /** Open loop: write k is sent at k × intervalMs whatever the answers; otherwise `concurrency` writes in flight. */
  intervalMs?: number;
  concurrency?: number;
  /** Answers of writes that lack this text are kept in the result (`oddAnswers`). */
  expectAnswer?: string;
  /** The phase ends when every delivery has arrived, or when none has for idleMs after the last write was answered. */
  idleMs: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export interface FanoutPhaseResult {
  name: string;
  writes: number;
  subscribers: number;
  expected: number;
  deliveries: number;
  duplicates: number;
  /** Deliveries whose payload named no write of this phase. */
  strays: number;
  /** Writes not delivered to every subscriber: key, how many got it, the subscribers it missed (first 5). */
  incomplete: { key: string; delivered: number; missedBy: number[] }[];
  /** Subscribers that missed at least one write. */
  subscribersShort: number;
  /** Writes whose answer lacked `expectAnswer` (first 20). */
  oddAnswers: { key: string; answer: string }[];
  /** Per write, the seq of its change as delivered (null when nobody got it). */
  seqs: (string | null)[];
  /** First write sent → last delivery received. */
  seconds: number;
  deliveriesPerSec: number;
  /** Receipt (wall clock) − the `at` the delivery carries (W3: change recorded inside the write's transaction, before its commit; B5: write handled): an upper bound of commit → receipt. */
  latencyMs: Percentiles;
  /** Deliveries whose payload had no readable `at` (left out of latencyMs). */
  noAt: number;
  /** Receipt − arrival of the write's response, per delivery (the response waits for the audit log after the commit, so this can be negative). */
  fromAnswerMs: Percentiles;
  /** Receipt − the moment the write was sent, per delivery. */
  fromSendMs: Percentiles;
  /** The write's own round trip. */
  writeMs: Percentiles;
  /** The `payload` of the first delivery of each write (what B5 then broadcasts). */
  payloads: string[];
  /** Subscription errors seen. */
  errors: string[];
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const xs = Float64Array.from(values).sort();
  if (xs.length === 0) return { p50: NaN, p90: NaN, p99: NaN, min: NaN, max: NaN, mean: NaN };
  const at = (q: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))]!;
  let sum = 0;
  for (const x of xs) sum += x;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), min: xs[0]!, max: xs[xs.length - 1]!, mean: sum / xs.length };
}

type Delivery = (subscriber: number, payload: unknown, rawPayload: () => string) => void;

interface PayloadShape {
  data?: { segmentMembershipChanged?: { seq?: string; at?: string | number; reason?: { trigger?: { messageId?: string } } } };
}
const keyOf = (payload: unknown) => (payload as PayloadShape)?.data?.segmentMembershipChanged?.reason?.trigger?.messageId;
const seqOf = (payload: unknown) => (payload as PayloadShape)?.data?.segmentMembershipChanged?.seq ?? null;
/** The delivery's `at` in epoch ms, or NaN. */
const atOf = (payload: unknown): number => {
  const at = (payload as PayloadShape)?.data?.segmentMembershipChanged?.at;
  return typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
};

// ---------------------------------------------------------------- child side

export class Subscribers {
  private clients: Client[] = [];
  private sockets: WebSocket[] = [];
  private disposers: (() => void)[] = [];
  onDelivery: Delivery = () => {};
  errors: string[] = [];

  constructor(private readonly spec: FanoutSpec) {}

  get count() {
    return this.spec.sockets * this.spec.perSocket;
  }

  async open(): Promise<void> {
    const { spec } = this;
    if (spec.protocol === 'graphql-ws') {
      for (let s = 0; s < spec.sockets; s++) {
        const client = createClient({ url: spec.wsUrl, webSocketImpl: WebSocket, connectionParams: spec.connectionParams, retryAttempts: 0, lazy: true });
        this.clients.push(client);
        for (let k = 0; k < spec.perSocket; k++) {
          const subscriber = s * spec.perSocket + k;
          this.disposers.push(
            client.subscribe(
              { query: spec.subscription!.query, variables: spec.subscription!.variables },
              {
                next: (r) => {
                  if (r.errors) this.errors.push(JSON.stringify(r.errors));
                  this.onDelivery(subscriber, r, () => JSON.stringify(r));
                },
                error: (e) => void this.errors.push(String((e as Error)?.message ?? JSON.stringify(e))),
                complete: () => {},
              },
            ),
          );
        }
      }
      return;
    }
    await Promise.all(
      Array.from({ length: spec.sockets }, (_, s) => {
        const ws = new WebSocket(spec.wsUrl);
        this.sockets.push(ws);
        ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as { id: string; type: string; payload: unknown };
          if (frame.type !== 'next') return;
          this.onDelivery(s * spec.perSocket + Number(frame.id), frame.payload, () => JSON.stringify(frame.payload));
        });
        ws.on('error', (e) => this.errors.push(e.message));
        return new Promise<void>((resolve, reject) => {
          ws.once('open', () => {
            for (let k = 0; k < spec.perSocket; k++) ws.send(JSON.stringify({ type: 'subscribe', id: String(k) }));
            resolve();
          });
          ws.once('error', reject);
        });
      }),
    );
  }

  async close(): Promise<void> {
    for (const d of this.disposers) d();
    await Promise.all(this.clients.map((c) => c.dispose()));
    for (const ws of this.sockets) ws.close();
  }
}

async function runPhase(subs: Subscribers, phase: FanoutPhase): Promise<FanoutPhaseResult> {
  const n = phase.bodies.length;
  const subscribers = subs.count;
  const writeIndex = new Map(phase.keys.map((k, i) => [k, i]));
  const receipts = new Float64Array(n * subscribers).fill(NaN);
  /** Per delivery: wall-clock receipt − the delivery's `at`. */
  const sinceAt = new Float64Array(n * subscribers).fill(NaN);
  const sentAt = new Float64Array(n).fill(NaN);
  const answeredAt = new Float64Array(n).fill(NaN);
  const payloads: string[] = new Array(n).fill('');
  const seqs: (string | null)[] = new Array(n).fill(null);
  let deliveries = 0;
  let duplicates = 0;
  let strays = 0;
  let lastReceipt = 0;
  const oddAnswers: { key: string; answer: string }[] = [];
  let wake: (() => void) | null = null;
  const expected = n * subscribers;

  subs.onDelivery = (subscriber, payload, raw) => {
    const now = performance.now();
    const wall = Date.now();
    const k = writeIndex.get(keyOf(payload) ?? '');
    if (k === undefined) {
      strays++;
      return;
    }
    const slot = k * subscribers + subscriber;
    if (!Number.isNaN(receipts[slot]!)) {
      duplicates++;
      return;
    }
    receipts[slot] = now;
    sinceAt[slot] = wall - atOf(payload);
    lastReceipt = now;
    if (!payloads[k]) {
      payloads[k] = raw();
      seqs[k] = seqOf(payload);
    }
    if (++deliveries === expected) wake?.();
  };

  const write = async (k: number) => {
    sentAt[k] = performance.now();
    const res = await fetch(phase.writeUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...phase.writeHeaders }, body: phase.bodies[k] });
    const text = await res.text();
    answeredAt[k] = performance.now();
    if (!res.ok || text.includes('"errors"')) throw new Error(`write ${k} → ${res.status}: ${text.slice(0, 300)}`);
    if (phase.expectAnswer && !text.includes(phase.expectAnswer) && oddAnswers.length < 20) oddAnswers.push({ key: phase.keys[k]!, answer: text.slice(0, 300) });
  };

  const all = new Promise<void>((resolve) => {
    wake = resolve;
    if (deliveries === expected) resolve();
  });
  const started = performance.now();
  if (phase.intervalMs !== undefined) {
    const inFlight: Promise<void>[] = [];
    for (let k = 0; k < n; k++) {
      const due = started + k * phase.intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(write(k));
    }
    await Promise.all(inFlight);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(phase.concurrency ?? 1, n) }, async () => {
        while (next < n) await write(next++);
      }),
    );
  }
  // Wait for the rest, as long as deliveries keep coming.
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<void>((resolve) => {
    const check = () => {
      const quiet = performance.now() - Math.max(lastReceipt, ...answeredAt);
      if (quiet >= phase.idleMs) resolve();
      else timer = setTimeout(check, Math.max(10, phase.idleMs - quiet));
    };
    check();
  });
  await Promise.race([all, idle]);
  clearTimeout(timer);
  subs.onDelivery = () => {};

  const incomplete: FanoutPhaseResult['incomplete'] = [];
  const short = new Set<number>();
  for (let k = 0; k < n; k++) {
    const missedBy: number[] = [];
    for (let s = 0; s < subscribers; s++) if (Number.isNaN(receipts[k * subscribers + s]!)) missedBy.push(s);
    missedBy.forEach((s) => short.add(s));
    if (missedBy.length) incomplete.push({ key: phase.keys[k]!, delivered: subscribers - missedBy.length, missedBy: missedBy.slice(0, 5) });
  }
  const latency: number[] = [];
  const fromAnswer: number[] = [];
  const fromSend: number[] = [];
  let noAt = 0;
  for (let k = 0; k < n; k++) {
    for (let s = 0; s < subscribers; s++) {
      const t = receipts[k * subscribers + s]!;
      if (Number.isNaN(t)) continue;
      const a = sinceAt[k * subscribers + s]!;
      if (Number.isNaN(a)) noAt++;
      else latency.push(a);
      fromAnswer.push(t - answeredAt[k]!);
      fromSend.push(t - sentAt[k]!);
    }
  }
  const seconds = ((deliveries ? lastReceipt : performance.now()) - started) / 1000;
  return {
    name: phase.name,
    writes: n,
    subscribers,
    expected,
    deliveries,
    duplicates,
    strays,
    incomplete: incomplete.slice(0, 20),
    subscribersShort: short.size,
    oddAnswers,
    seqs,
    seconds,
    deliveriesPerSec: deliveries / seconds,
    latencyMs: percentiles(latency),
    noAt,
    fromAnswerMs: percentiles(fromAnswer),
    fromSendMs: percentiles(fromSend),
    writeMs: percentiles(Array.from({ length: n }, (_, k) => answeredAt[k]! - sentAt[k]!)),
    payloads,
    errors: subs.errors.splice(0, 20),
  };
}

type ToChild = { type: 'start'; spec: FanoutSpec } | { type: 'run'; phase: FanoutPhase } | { type: 'close' };
type FromChild = { type: 'subscribed' } | { type: 'result'; result: FanoutPhaseResult } | { type: 'error'; message: string } | { type: 'closed' };

if (process.argv.includes('--fanout-child') && process.send) {
  let subs: Subscribers | null = null;
  const send = (m: FromChild) => process.send!(m);
  process.on('message', (m: ToChild) => {
    const handle = async () => {
      if (m.type === 'start') {
        subs = new Subscribers(m.spec);
        await subs.open();
        send({ type: 'subscribed' });
      } else if (m.type === 'run') {
        send({ type: 'result', result: await runPhase(subs!, m.phase) });
      } else {
        await subs?.close();
        process.send!({ type: 'closed' } satisfies FromChild, () => process.exit(0));
      }
    };
    handle().catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
  });
}

// ---------------------------------------------------------------- parent side

/** A forked subscriber process; one request at a time. */
export class FanoutClient {
  private constructor(private readonly child: ChildProcess) {}

  static async start(spec: FanoutSpec): Promise<FanoutClient> {
    const child = fork(fileURLToPath(import.meta.url), ['--fanout-child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const client = new FanoutClient(child);
    await client.request({ type: 'start', spec }, 'subscribed');
    return client;
  }

  private request<T extends FromChild['type']>(message: ToChild, expect: T): Promise<Extract<FromChild, { type: T }>> {
    return requestChild<FromChild, T>(this.child, 'fan-out client', message, expect);
  }

  async run(phase: FanoutPhase): Promise<FanoutPhaseResult> {
    return (await this.request({ type: 'run', phase }, 'result')).result;
  }

  close(): Promise<void> {
    return closeChild(this.child, () => this.request({ type: 'close' }, 'closed'));
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}
