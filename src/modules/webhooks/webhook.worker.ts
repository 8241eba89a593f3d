/**
 * Delivers webhook items, in every server process. Each active destination has up to
 * WEBHOOK_MAX_CONCURRENCY requests in flight in this process: one for its segment lane (segment
 * changes, one batch at a time so they arrive in seq order) when it takes them, the rest for its queue
 * (touchpoints, alerts, replayed dead letters). The queue pump claims a group of batches in one
 * statement and sends them side by side, recording each batch's outcome as soon as its answer comes
 * (acknowledgements that come while one is being written go together in the next statement);
 * while a group is in flight it claims the next, so the database's work overlaps the receiver's. Lane and pump
 * loop while they find work, then sleep until the next poll or a wake-up (work queued in this process,
 * or a membership change / alert published by any process).
 *
 * Several processes share the work through the database: queue items are claimed with FOR UPDATE
 * SKIP LOCKED and moved into one claim per batch under a lease, the segment lane of a destination is
 * held by one lease at a time, and an acknowledgement counts only under its own lease. A process
 * killed mid-request leaves leases that run out (2 × WEBHOOK_REQUEST_TIMEOUT_MS + 1 s); the next pump
 * of the destination, in any process, puts those claims back, and the same items go again with the
 * same idempotency keys: at least once, and exactly once for a receiver that drops repeated keys.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { AppPubSub } from '../../pubsub/pubsub.ts';
import { Topic } from '../../pubsub/topics.ts';
import { AckCoalescer } from './ack-coalescer.ts';
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './webhook.backoff.ts';
import type { WebhookDestinationRecord } from './webhook.model.ts';
import { batchKey, queueItemText, requestBody, requestBodyFromText, segmentChangeItem } from './webhook.payload.ts';
import { webhookRepository, type AttemptTally, type ClaimedItem } from './webhook.repository.ts';
import { DestinationAgent, type SendResult } from './webhook.sender.ts';
import { SIGNATURE_HEADER, sign } from './webhook.signature.ts';
import type { WebhookService } from './webhook.service.ts';
import { checkWebhookUrl } from './url-guard.ts';

/** What one request did, for metrics. */
export interface DeliveryObservation {
  destinationId: string;
  delivered: number;
  retried: number;
  failed: number;
  dead: number;
  latencyMs: number | null;
}

export interface WorkerDeps {
  db: Database;
  logger: Logger;
  pubsub?: AppPubSub;
  observe?: (o: DeliveryObservation) => void;
  /** Raises WEBHOOK_FAILING when a destination is paused for failing. */
  raiseFailing?: (destination: WebhookDestinationRecord, details: Record<string, unknown>) => Promise<void>;
}

type Outcome = { kind: 'ok'; latencyMs: number } | { kind: 'retry'; error: string; retryAfterMs: number | null; latencyMs: number } | { kind: 'permanent'; error: string; latencyMs: number };

interface DestinationState {
  dest: WebhookDestinationRecord;
  agent: DestinationAgent;
  /** Acknowledgements of queue batches, written together when they come while one is being written. */
  acks: AckCoalescer<QueueAck, number>;
  /** The segment lane: one batch of changes at a time, in seq order. */
  lane: Promise<void> | null;
  /** The queue pump: groups of batches, sent side by side. */
  pump: Promise<void> | null;
  /** Set when the destination is no longer active (paused or deleted): its loops stop at their next step. */
  halted: boolean;
  /** Neither loop sends before this time (ms): the receiver's last answer asked to wait (a retry or Retry-After). */
  holdUntil: number;
}

interface QueueAck {
  token: string;
  retried: number;
  latencyMs: number;
}

/** A claimed group: its batches, each under its own claim (`ClaimedItem.claim`). */
interface QueueClaim {
  rows: ClaimedItem[];
}

export class WebhookWorker {
  private readonly states = new Map<string, DestinationState>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private ticking: Promise<void> | null = null;
  private again = false;
  private readonly offs: (() => void)[] = [];
  private readonly log: Logger;

  constructor(
    private readonly service: WebhookService,
    private readonly deps: WorkerDeps,
  ) {
    this.log = deps.logger.child({ module: 'webhook-worker' });
  }

  async start(): Promise<void> {
    this.offs.push(this.service.onWork(() => this.wake()));
    if (this.deps.pubsub) {
      this.offs.push(await this.deps.pubsub.listen(Topic.MEMBERSHIP_CHANGED, () => this.wake()));
      this.offs.push(await this.deps.pubsub.listen(Topic.ALERT_RAISED, () => this.wake()));
    }
    this.timer = setInterval(() => this.wake(), this.service.config.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Runs a tick now, or right after the one running. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err) => this.log.error({ err }, 'webhook tick failed'))
      .finally(() => {
        this.ticking = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async tick(): Promise<void> {
    const active = await this.service.activeDestinations();
    const seen = new Set<string>();
    for (const dest of active) {
      seen.add(dest.id);
      let st = this.states.get(dest.id);
      if (!st) {
        st = { dest, agent: this.agentFor(dest), acks: this.ackCoalescer(dest.id), lane: null, pump: null, halted: false, holdUntil: 0 };
        this.states.set(dest.id, st);
      } else if (st.agent.url.href !== new URL(dest.url).href) {
        // The same state goes on (its running loops read st.dest and st.agent at every step, so they
        // send to the new URL from their next request); the old agent closes once its requests are answered.
        st.agent.retire();
        st.agent = this.agentFor(dest);
      }
      st.dest = dest;
      st.halted = false;
      const s = st;
      if (!s.lane && this.ownLane(dest)) s.lane = this.loop(s, () => this.segmentStep(s)).finally(() => (s.lane = null));
      if (!s.pump) s.pump = this.runPump(s).finally(() => (s.pump = null));
    }
    for (const [id, st] of this.states) {
      if (seen.has(id)) continue;
      // Paused or deleted: a running pump stops before its next group (giving back one it claimed ahead).
      st.halted = true;
      if (st.lane || st.pump) continue;
      st.agent.retire();
      this.states.delete(id);
    }
  }

  private agentFor(dest: WebhookDestinationRecord): DestinationAgent {
    return new DestinationAgent(new URL(dest.url), this.service.config.maxConcurrency, this.service.allow);
  }

  private ackCoalescer(destinationId: string): AckCoalescer<QueueAck, number> {
    return new AckCoalescer(
      (acks) => webhookRepository.ackQueue(this.deps.db.prisma, { destinationId, acks, now: this.service.now() }),
      (a) => a.token,
    );
  }

  /** Runs a step while it finds work. */
  private async loop(st: DestinationState, step: () => Promise<boolean>): Promise<void> {
    try {
      while (!this.halts(st) && (await step())) {
        /* next batch */
      }
    } catch (err) {
      if (!this.stopped) this.log.error({ err, webhookId: st.dest.id }, 'webhook delivery failed');
    }
  }

  /**
   * Whether the segment lane runs beside the queue pump. With one request allowed in flight it
   * cannot: the pump then sends a segment batch before each queue batch, one request at a time.
   */
  private ownLane(dest: WebhookDestinationRecord): boolean {
    return dest.events.includes('SEGMENT_CHANGES') && this.service.config.maxConcurrency > 1;
  }

  /** Items per queue group: a batch for each request in flight, less the segment lane's. */
  private groupLimit(st: DestinationState): number {
    return this.service.config.batchSize * Math.max(1, this.service.config.maxConcurrency - (this.ownLane(st.dest) ? 1 : 0));
  }

  private claimGroup(st: DestinationState): Promise<QueueClaim> {
    const now = this.service.now();
    const limit = this.groupLimit(st);
    const batchSize = this.service.config.batchSize;
    return webhookRepository
      .claimQueue(this.deps.db.prisma, { destinationId: st.dest.id, limit, batchSize, now, leaseUntil: this.leaseUntil(now), token: randomUUID() })
      .then((rows) => ({ rows }));
  }

  private async runPump(st: DestinationState): Promise<void> {
    const shared = st.dest.events.includes('SEGMENT_CHANGES') && !this.ownLane(st.dest);
    // Claims made and not yet taken for sending: given back if the pump stops before sending them.
    let waiting: Promise<QueueClaim> | null = null;
    try {
      // Claims whose process died (or hung past its lease) go back first, to be sent again.
      await webhookRepository.restoreExpired(this.deps.db.prisma, { destinationId: st.dest.id, now: this.service.now() });
      while (!this.halts(st)) {
        const segments = shared ? await this.segmentStep(st) : false;
        if (this.halts(st)) return;
        const group = await (waiting ?? this.claimGroup(st));
        waiting = null;
        if (group.rows.length === 0) {
          if (segments) continue;
          return;
        }
        // A full group suggests more: claim the next one while this one is in flight (not when a
        // segment batch must go first: one request at a time).
        const full = group.rows.length === this.groupLimit(st);
        if (full && !shared && !this.halts(st)) waiting = this.claimGroup(st);
        if (!(await this.deliverGroup(st, group)) && !segments) return;
      }
    } catch (err) {
      if (!this.stopped) this.log.error({ err, webhookId: st.dest.id }, 'webhook delivery failed');
    } finally {
      await this.release(st, waiting);
    }
  }

  /** Whether a loop (pump or lane) stops here: the worker stops, the destination is no longer active, or its receiver asked to wait. */
  private halts(st: DestinationState): boolean {
    return this.stopped || st.halted || Date.now() < st.holdUntil;
  }

  /** A claimed group that will not be sent now goes back to the queue at once (else it would wait out its lease). */
  private async release(st: DestinationState, pending: Promise<QueueClaim> | null): Promise<void> {
    if (!pending) return;
    try {
      const c = await pending;
      const tokens = [...new Set(c.rows.map((r) => r.claim))];
      await webhookRepository.releaseQueue(this.deps.db.prisma, { tokens, now: this.service.now() });
    } catch (err) {
      // Its lease runs out by itself; nothing is lost.
      this.log.warn({ err, webhookId: st.dest.id }, 'webhook claimed group not released');
    }
  }

  /**
   * The receiver failed a request that will be retried: the destination sends nothing more from this
   * process for the time its Retry-After asked (capped at the longest retry delay), or else for one
   * base retry delay, new items included, so a receiver that is down or rate-limiting is not sent a
   * request per poll meanwhile. Not the failed batch's own backoff, which grows with its attempts: one
   * payload the receiver keeps refusing would then hold back every other item.
   */
  private hold(st: DestinationState, retryAfterMs: number | null): void {
    const cfg = this.service.config;
    const ms = retryAfterMs == null ? cfg.retryBaseMs : Math.min(cfg.retryMaxDelayMs, retryAfterMs);
    st.holdUntil = Math.max(st.holdUntil, Date.now() + ms);
    this.wakeAt(ms);
  }

  /** A retry is due before the next poll: wake up for it (timers do not keep the process alive). */
  private wakeAt(delayMs: number): void {
    if (delayMs >= this.service.config.pollMs) return;
    setTimeout(() => this.wake(), Math.max(0, delayMs) + 1).unref();
  }

  private leaseUntil(now: Date): Date {
    return new Date(now.getTime() + 2 * this.service.config.requestTimeoutMs + 1_000);
  }

  /** One batch of segment changes after the destination's cursor. Answers whether there was work. */
  private async segmentStep(st: DestinationState): Promise<boolean> {
    // SEGMENT_CHANGES taken off the destination's events (st.dest is the latest the worker read): stop here.
    if (!st.dest.events.includes('SEGMENT_CHANGES')) return false;
    const cfg = this.service.config;
    const db = this.deps.db.prisma;
    const page = await webhookRepository.segmentPage(db, { destinationId: st.dest.id, limit: cfg.batchSize });
    if (!page) return false;
    const now = this.service.now();
    if (page.horizon > page.cursor) {
      // Only when the outbox was pruned past a cursor (e.g. a retention change): said loudly, never silently.
      this.log.warn({ webhookId: st.dest.id, cursor: String(page.cursor), prunedThroughSeq: String(page.horizon) }, 'segment changes pruned before delivery were skipped');
      await webhookRepository.advanceIdleCursor(db, { id: st.dest.id, from: page.cursor, to: page.horizon, now });
      return true;
    }
    if (page.changes.length === 0) {
      if (page.head > page.cursor) await webhookRepository.advanceIdleCursor(db, { id: st.dest.id, from: page.cursor, to: page.head, now });
      return false;
    }
    const token = randomUUID();
    const claim = await webhookRepository.claimSegmentLane(db, { id: st.dest.id, from: page.cursor, now, leaseUntil: this.leaseUntil(now), token });
    if (!claim) return false;
    const last = BigInt(page.changes.at(-1)!.seq);
    // A short page saw everything up to the head: the cursor may pass the changes of other segments too.
    const to = page.changes.length < cfg.batchSize && page.head > last ? page.head : last;
    const items = page.changes.map(segmentChangeItem);
    const body = requestBody(st.dest.id, items, st.dest.maskPii);
    const outcome = await this.send(st.dest, st.agent, body, items.map((i) => i.id), claim.attempts);
    const done = this.service.now();
    const n = items.length;
    const retried = claim.attempts > 1 ? n : 0;
    if (outcome.kind === 'ok') {
      const acked = await webhookRepository.ackSegmentLane(db, { id: st.dest.id, token, to, now: done, tally: { delivered: n, retried, failed: 0, dead: 0, latencyMs: outcome.latencyMs, error: null } });
      // A lost lease (this request outlived it): the batch is another process's now, and counted there.
      if (acked) this.observe(st.dest.id, { delivered: n, retried, failed: 0, dead: 0, latencyMs: outcome.latencyMs });
      return true;
    }
    const firstFailed = claim.firstFailedAt ? new Date(claim.firstFailedAt) : done;
    const expired = firstFailed.getTime() <= done.getTime() - cfg.retryWindowMs;
    if (outcome.kind === 'retry' && !expired) {
      const nextAt = new Date(done.getTime() + retryDelayMs(claim.attempts, { baseMs: cfg.retryBaseMs, maxDelayMs: cfg.retryMaxDelayMs }, outcome.retryAfterMs));
      this.hold(st, outcome.retryAfterMs);
      await webhookRepository.retrySegmentLane(db, { id: st.dest.id, token, nextAt, now: done, tally: { delivered: 0, retried, failed: n, dead: 0, latencyMs: outcome.latencyMs, error: outcome.error } });
      this.wakeAt(nextAt.getTime() - done.getTime());
      this.observe(st.dest.id, { delivered: 0, retried, failed: n, dead: 0, latencyMs: outcome.latencyMs });
      return false;
    }
    const streak = await webhookRepository.deadSegmentLane(db, {
      id: st.dest.id,
      token,
      to,
      items: items.map((i) => ({ itemKey: i.id, payload: i })),
      error: outcome.error,
      now: done,
      tally: { delivered: 0, retried, failed: n, dead: n, latencyMs: outcome.latencyMs, error: outcome.error },
    });
    this.observe(st.dest.id, { delivered: 0, retried, failed: n, dead: n, latencyMs: outcome.latencyMs });
    if (streak !== null) await this.maybePause(st, streak, outcome.error);
    return true;
  }

  /**
   * Sends a claimed group as batches side by side; each batch is settled as soon as its own answer
   * comes (acknowledged, or scheduled / dead-lettered), so a 2xx is never left unrecorded while a
   * slower batch of the group is still in flight. Answers whether to go on (nothing waits for a retry).
   */
  private async deliverGroup(st: DestinationState, group: QueueClaim): Promise<boolean> {
    const batches = new Map<string, ClaimedItem[]>();
    for (const r of group.rows) {
      const b = batches.get(r.claim);
      if (b) b.push(r);
      else batches.set(r.claim, [r]);
    }
    const settled = await Promise.all([...batches].map(([claim, rows]) => this.deliverBatch(st, claim, rows)));
    return settled.every(Boolean);
  }

  /** One request for a batch of claimed items (its claim `token`), then its outcome recorded. Answers false when its items wait for a retry. */
  private async deliverBatch(st: DestinationState, token: string, rows: ClaimedItem[]): Promise<boolean> {
    const cfg = this.service.config;
    const db = this.deps.db.prisma;
    const attempt = Math.max(...rows.map((r) => r.attempts));
    const body = requestBodyFromText(st.dest.id, rows.map(queueItemText), st.dest.maskPii);
    const outcome = await this.send(st.dest, st.agent, body, rows.map((r) => r.itemKey), attempt);
    const done = this.service.now();
    const retried = rows.filter((r) => r.attempts > 1).length;
    if (outcome.kind === 'ok') {
      const acked = (await st.acks.add({ token, retried, latencyMs: outcome.latencyMs })) ?? 0;
      this.observe(st.dest.id, { delivered: acked, retried, failed: 0, dead: 0, latencyMs: outcome.latencyMs });
      return true;
    }
    const delay = retryDelayMs(attempt, { baseMs: cfg.retryBaseMs, maxDelayMs: cfg.retryMaxDelayMs }, outcome.kind === 'retry' ? outcome.retryAfterMs : null);
    const r = await webhookRepository.failQueue(db, {
      destinationId: st.dest.id,
      token,
      now: done,
      nextAt: new Date(done.getTime() + delay),
      deadBefore: new Date(done.getTime() - cfg.retryWindowMs),
      permanent: outcome.kind === 'permanent',
      error: outcome.error,
      latencyMs: outcome.latencyMs,
      retried,
    });
    this.observe(st.dest.id, { delivered: 0, retried, failed: r.retrying + r.dead, dead: r.dead, latencyMs: outcome.latencyMs });
    if (r.retrying) {
      this.wakeAt(delay);
      this.hold(st, outcome.kind === 'retry' ? outcome.retryAfterMs : null);
    }
    if (r.dead) await this.maybePause(st, r.consecutiveDead, outcome.error);
    // Items that wait for a retry are not work for now; dead ones do not hold the pump.
    return r.retrying === 0;
  }

  private async send(dest: WebhookDestinationRecord, agent: DestinationAgent, body: string, itemIds: string[], attempt: number): Promise<Outcome> {
    const cfg = this.service.config;
    // Checked before every request too: an allow-list change or a host that now resolves inward.
    const verdict = await checkWebhookUrl(dest.url, this.service.allow);
    // A name that does not resolve now is retried like a network error (as the connection's own lookup is).
    if (!verdict.ok && verdict.transient) return { kind: 'retry', error: verdict.reason, retryAfterMs: null, latencyMs: 0 };
    if (!verdict.ok) return { kind: 'permanent', error: `refused: ${verdict.reason}`, latencyMs: 0 };
    const t = Math.floor(Date.now() / 1000);
    const result: SendResult = await agent.post(
      body,
      { [SIGNATURE_HEADER]: sign(dest.secret, t, body), 'idempotency-key': batchKey(itemIds), 'x-cdp-webhook-id': dest.id, 'x-cdp-attempt': String(attempt) },
      cfg.requestTimeoutMs,
    );
    if (result.kind === 'error') {
      if (result.error.includes('EWEBHOOKADDR')) return { kind: 'permanent', error: result.error, latencyMs: result.latencyMs };
      return { kind: 'retry', error: result.error, retryAfterMs: null, latencyMs: result.latencyMs };
    }
    if (result.status >= 200 && result.status < 300) return { kind: 'ok', latencyMs: result.latencyMs };
    const error = `HTTP ${result.status}`;
    if (isRetryableStatus(result.status)) return { kind: 'retry', error, retryAfterMs: parseRetryAfter(result.retryAfter, new Date()), latencyMs: result.latencyMs };
    return { kind: 'permanent', error: result.status >= 300 && result.status < 400 ? `${error} (redirects are not followed)` : error, latencyMs: result.latencyMs };
  }

  private observe(destinationId: string, t: Omit<AttemptTally, 'error'>): void {
    this.deps.observe?.({ destinationId, ...t });
  }

  private async maybePause(st: DestinationState, streak: number, error: string): Promise<void> {
    const limit = this.service.config.pauseAfterDead;
    if (streak < limit) return;
    const dest = st.dest;
    const reason = `${streak} items dead-lettered in a row (last error: ${error})`;
    const paused = await webhookRepository.pauseIfActive(this.deps.db.prisma, dest.id, reason, this.service.now());
    // Paused here or by another process: either way nothing more is sent (claims check the status too).
    st.halted = true;
    if (!paused) return;
    this.log.warn({ webhookId: dest.id, streak, error }, 'webhook paused: it keeps failing');
    await this.deps.raiseFailing?.(dest, { webhookId: dest.id, name: dest.name, deadInARow: streak, lastError: error });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.offs) off();
    await this.ticking;
    await Promise.all([...this.states.values()].flatMap((s) => [s.lane, s.pump].filter(Boolean)));
    for (const s of this.states.values()) s.agent.close();
    this.states.clear();
  }
}
