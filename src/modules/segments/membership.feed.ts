/**
 * The live feed of membership changes in this process. One pub/sub subscription per process, however
 * many operators are subscribed: each published batch is enriched once (one query for the customers
 * it names) and fanned out to every local subscriber whose filter matches.
 *
 * A subscriber with `since` gets no gap and no duplicate between replay and live: it registers for
 * live events first (buffering them), replays the outbox after `since`, then drains the buffer,
 * skipping every seq it has already sent.
 *
 * Nothing here grows with the size of a change set: the replay and the gap fill read the outbox a
 * page at a time (the replay paced by what the subscriber takes), and a subscriber that falls more
 * than `maxLag` events behind is ended with a QueueOverflowError (closed 4410 by the subscription
 * guard: resume with since) rather than buffered without limit or skipped over.
 */
import type { Database } from '../../db/client.ts';
import { AsyncQueue, QueueOverflowError } from '../../lib/async-queue.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { AppPubSub } from '../../pubsub/pubsub.ts';
import { Topic, type MembershipChangedPayload } from '../../pubsub/topics.ts';
import type { CustomerRecord } from '../customers/customer.model.ts';
import { customerQueries } from '../customers/customer.queries.ts';
import { membershipRepository, type MembershipChangeRecord } from './membership.repository.ts';
import { segmentStore, type SegmentFull } from './segment.repository.ts';

export interface FeedEvent extends MembershipChangeRecord {
  /** The customer and segment as they were when the change was fanned out, loaded once for all subscribers. */
  customer: CustomerRecord | null;
  segment: SegmentFull | null;
}

const REPLAY_PAGE = 500;
/** Outbox rows read at a time when filling in what was published out of order or lost. */
const FILL_PAGE = 1_000;

export function sinceExpired(horizon: bigint): UserError {
  return new UserError(
    ErrorCode.SINCE_EXPIRED,
    `changes up to seq ${horizon} have been pruned (OUTBOX_RETENTION_DAYS): subscribe without since and reload the segment's members`,
    { field: 'since', prunedThroughSeq: String(horizon) },
  );
}

interface Listener {
  segmentIds: Set<string> | null;
  /** Buffers live events while the subscriber's replay runs. */
  queue: AsyncQueue<FeedEvent>;
  /** Takes a fanned-out event: into `queue` until the replay is done, then straight to the subscriber. */
  push(e: FeedEvent): void;
}

export class MembershipFeed {
  private readonly listeners = new Set<Listener>();
  private source: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly offReconnect: () => void;
  private chain: Promise<void> = Promise.resolve();
  /** The highest seq fanned out (or skipped with nobody listening) by this process. */
  private lastSeq = 0n;
  private readonly log: Logger;
  /** How many times a published batch was enriched (tests check fan-out does not multiply it). */
  enrichments = 0;
  /** Subscribers ended for falling more than maxLag behind. */
  fellBehind = 0;

  constructor(
    private readonly db: Database,
    private readonly pubsub: AppPubSub,
    logger: Logger,
    private readonly opts: { maxLag: number } = { maxLag: 10_000 },
  ) {
    this.log = logger.child({ module: 'membership-feed' });
    this.offReconnect = pubsub.onReconnect(() => this.catchUp());
  }

  /**
   * After a pub/sub outage (Redis away) batches published meanwhile are lost, and a subscriber that
   * stayed connected would only get them (through the gap fill in deliver) with the next batch that
   * gets through, which may be long after. So once the subscription is back, read what committed
   * after the last seq fanned out from the outbox and fan it out, in order with live batches.
   */
  private catchUp(): void {
    if (!this.unsubscribe) return; // no live subscription in this process: nothing to catch up
    this.chain = this.chain
      .then(async () => {
        for (;;) {
          const page = await membershipRepository.changesAfter(this.db.prisma, { segmentIds: null, afterSeq: this.lastSeq, limit: FILL_PAGE });
          if (page.length === 0) return;
          await this.fanOut(page); // in seq order, all after lastSeq: no gap to fill
          if (page.length < FILL_PAGE) return;
        }
      })
      .catch((err) => this.log.error({ err }, 'membership catch-up after reconnect failed'));
  }

  get listenerCount() {
    return this.listeners.size;
  }

  /**
   * One subscription for the process, in place before any replay starts: a change committed after it
   * resolves arrives live, one committed before is found by the replay, so nothing falls between.
   *
   * Transactions commit in seq order (the outbox lock), but each publishes after its own commit, so
   * two concurrent writers can publish out of order (11 before 10). The live stream is kept in seq
   * order for every subscriber: when a batch arrives, whatever committed between the last seq fanned
   * out and this batch is read from the outbox first (one indexed query per batch, for the process, not
   * per subscriber). Everything below a committed seq is already committed, so that read is complete.
   */
  private ensureSource(): Promise<void> {
    this.source ??= this.pubsub
      .listen(Topic.MEMBERSHIP_CHANGED, (payload) => {
        this.chain = this.chain.then(() => this.deliver(payload)).catch((err) => this.log.error({ err }, 'membership fan-out failed'));
      })
      .then(async (unsubscribe) => {
        this.unsubscribe = unsubscribe;
        this.lastSeq = await membershipRepository.maxSeq(this.db.prisma);
      })
      .catch((err) => {
        this.source = null;
        throw err;
      });
    return this.source;
  }

  private async deliver(payload: MembershipChangedPayload): Promise<void> {
    const fresh = payload.changes
      .map((c) => ({ ...c, at: new Date(c.at) }))
      .filter((c) => BigInt(c.seq) > this.lastSeq)
      .sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
    if (fresh.length > 0) await this.fanOut(fresh);
  }

  /** Changes after lastSeq, in seq order: whatever committed before the first is filled in from the outbox. */
  private async fanOut(fresh: MembershipChangeRecord[]): Promise<void> {
    const first = BigInt(fresh[0]!.seq);
    const last = BigInt(fresh.at(-1)!.seq);
    if (this.listeners.size === 0) {
      this.lastSeq = last;
      return;
    }
    // Every page of what committed in between, however much: a listener that cannot take it all
    // overflows and resumes with since, but nothing is skipped.
    let after = this.lastSeq;
    while (first > after + 1n) {
      const missed = await membershipRepository.changesBetween(this.db.prisma, after, first, FILL_PAGE);
      if (missed.length === 0) break;
      this.push(await this.enrich(missed));
      after = BigInt(missed.at(-1)!.seq);
      if (missed.length < FILL_PAGE) break;
    }
    this.lastSeq = last;
    this.push(await this.enrich(fresh));
    this.enrichments++;
  }

  private push(events: FeedEvent[]) {
    for (const l of this.listeners) for (const e of events) if (!l.segmentIds || l.segmentIds.has(e.segmentId)) l.push(e);
  }

  private async enrich(changes: MembershipChangeRecord[]): Promise<FeedEvent[]> {
    if (changes.length === 0) return [];
    const [customers, segments] = await Promise.all([
      customerQueries.findByIds(this.db.prisma, [...new Set(changes.map((c) => c.customerId))]),
      segmentStore.findMany(this.db.prisma, [...new Set(changes.map((c) => c.segmentId))]),
    ]);
    const customerById = new Map(customers.map((c) => [c.id, c]));
    const segmentById = new Map(segments.map((s) => [s.id, s]));
    return changes.map((c) => ({ ...c, customer: customerById.get(c.customerId) ?? null, segment: segmentById.get(c.segmentId) ?? null }));
  }

  /** Changes for these segments (all when null), replayed after `since` and then live. */
  listen(segmentIds: string[] | null, since: bigint | null, onFellBehind?: () => void): AsyncIterableIterator<FeedEvent> {
    let closed = false;
    // Ends the subscriber the moment it is too far behind. While the replay runs, the pump below is
    // then usually waiting for room in `out` (the consumer is stuck on a socket that does not drain),
    // so it cannot be the one to notice: the live queue reports its own overflow; after it, the
    // direct push does. What the subscriber was sent is complete up to a seq; it resumes with since.
    const fellBehind = (err: QueueOverflowError) => {
      if (out.closed) return;
      out.fail(err);
      this.fellBehind++;
      onFellBehind?.();
    };
    const live: Listener = {
      segmentIds: segmentIds ? new Set(segmentIds) : null,
      queue: new AsyncQueue<FeedEvent>(this.opts.maxLag, (err) => {
        if (err instanceof QueueOverflowError) fellBehind(err);
      }),
      push: (e) => live.queue.push(e),
    };
    // Live, a subscriber may have 1.5 × maxLag events waiting, as when a pump kept `out` half full
    // behind a live queue of maxLag: a whole published batch must fit behind a usual backlog.
    const half = Math.floor(this.opts.maxLag / 2);
    const held = this.opts.maxLag + half;
    const out = new AsyncQueue<FeedEvent>(held, () => {
      closed = true;
      this.listeners.delete(live);
      void live.queue.return();
    });
    void (async () => {
      try {
        await this.ensureSource();
        if (closed) return;
        // Live first (buffered in live.queue), then the replay, then the buffer minus what replay sent.
        this.listeners.add(live);
        let last = since ?? -1n;
        if (since !== null) {
          for (;;) {
            await out.room(Math.max(0, this.opts.maxLag - REPLAY_PAGE)); // paced by the subscriber: the replay never overflows it
            if (out.closed) return;
            const { changes: page, horizon } = await membershipRepository.changesAfterWithHorizon(this.db.prisma, { segmentIds, afterSeq: last, limit: REPLAY_PAGE });
            // Pruned past what this subscriber has seen (while it replayed): an error, never a gap.
            if (horizon > last) throw sinceExpired(horizon);
            for (const e of await this.enrich(page)) {
              out.push(e);
              last = BigInt(e.seq);
            }
            if (page.length < REPLAY_PAGE) break;
          }
        }
        // What arrived live meanwhile, at the subscriber's pace, without what the replay sent; then
        // room for a backlog (at most half of maxLag waiting) before going live.
        for (;;) {
          while (live.queue.size > 0) {
            const r = await live.queue.next();
            if (r.done) return;
            const seq = BigInt(r.value.seq);
            if (seq <= last) continue;
            await out.room(half);
            if (out.closed) return;
            last = seq;
            out.push(r.value);
          }
          await out.room(half);
          if (out.closed || live.queue.closed) return;
          if (live.queue.size === 0) break;
        }
        // The buffer is empty and no event can come before this turn ends: from here each event goes
        // straight to the subscriber's queue as it is fanned out. Per delivery that saves the hop
        // through a second queue (a promise and a turn each), a visible share of the fan-out's CPU
        // with a thousand subscribers (issue 16).
        live.push = (e) => {
          const seq = BigInt(e.seq);
          if (seq <= last || out.closed) return;
          if (out.size >= held) return fellBehind(new QueueOverflowError(this.opts.maxLag));
          last = seq;
          out.push(e);
        };
      } catch (err) {
        if (err instanceof QueueOverflowError) fellBehind(err);
        else out.fail(err as Error);
      }
    })();
    return out;
  }

  async close(): Promise<void> {
    this.offReconnect();
    for (const l of this.listeners) await l.queue.return();
    this.listeners.clear();
    await this.source?.catch(() => {});
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.source = null;
    await this.chain;
  }
}
