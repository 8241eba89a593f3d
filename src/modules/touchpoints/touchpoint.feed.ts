/**
 * The live stream of touchpoints (touchpointReceived): every ingested batch is published once after
 * its commit, stored and quarantined events alike, and each subscriber takes what its filter asks
 * for. A console must stay readable under a firehose, so each subscriber gets at most
 * LIVE_FEED_MAX_PER_SECOND events a second (a token bucket, bursts up to the same number); the
 * events over that rate are skipped and counted in `skippedBefore` of the next one delivered.
 */
import { AsyncQueue } from '../../lib/async-queue.ts';
import type { Logger } from '../../logger.ts';
import type { AppPubSub } from '../../pubsub/pubsub.ts';
import { Topic, type TouchpointReceivedPayload } from '../../pubsub/topics.ts';

export const LIVE_FEED_MAX_PER_SECOND = 50;
/** Events waiting for a slow reader; beyond it they are skipped (and counted) rather than buffered. */
const MAX_WAITING = 500;

export type LiveTouchpointPayload = TouchpointReceivedPayload['events'][number];
export interface LiveTouchpoint extends LiveTouchpointPayload {
  skippedBefore: number;
}

export interface LiveTouchpointFilter {
  events?: string[] | null;
  channels?: string[] | null;
  sources?: string[] | null;
  /** true: quarantined only; false: stored only; absent: both. */
  quarantined?: boolean | null;
}

export function matchesFilter(e: LiveTouchpointPayload, f: LiveTouchpointFilter): boolean {
  if (f.quarantined != null && e.quarantined !== f.quarantined) return false;
  if (f.events?.length && !(e.event !== null && f.events.includes(e.event))) return false;
  if (f.channels?.length && !(e.channel !== null && f.channels.includes(e.channel))) return false;
  if (f.sources?.length && !f.sources.includes(e.source)) return false;
  return true;
}

/** Tokens refill continuously; a call that finds less than one token means "skip this event". */
export function createTokenBucket(perSecond: number, now: () => number = () => performance.now()) {
  let tokens = perSecond;
  let last = now();
  return () => {
    const t = now();
    tokens = Math.min(perSecond, tokens + ((t - last) / 1000) * perSecond);
    last = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

export class TouchpointFeed {
  /** Live subscribers in this process (tests wait for theirs before writing). */
  listeners = 0;

  constructor(
    private readonly pubsub: AppPubSub,
    private readonly logger: Logger,
  ) {}

  /** After the commit; a failed publish loses only live display, never data, so it is logged, not thrown. */
  async publish(events: LiveTouchpointPayload[]): Promise<void> {
    if (events.length === 0) return;
    await this.pubsub.publish(Topic.TOUCHPOINT_RECEIVED, { events }).catch((err: unknown) => this.logger.warn({ err }, 'could not publish live touchpoints'));
  }

  /** Resolves once listening, so every batch committed afterwards is seen. */
  async subscribe(filter: LiveTouchpointFilter, rate: { perSecond?: number; now?: () => number } = {}): Promise<AsyncIterableIterator<LiveTouchpoint>> {
    let off: (() => void) | null = null;
    let closed = false;
    const queue = new AsyncQueue<LiveTouchpoint>(MAX_WAITING + 1, () => {
      closed = true;
      if (off) {
        off();
        off = null;
        this.listeners--;
      }
    });
    const take = createTokenBucket(rate.perSecond ?? LIVE_FEED_MAX_PER_SECOND, rate.now);
    let skipped = 0;
    const unsubscribe = await this.pubsub.listen(Topic.TOUCHPOINT_RECEIVED, (payload) => {
      for (const e of payload.events) {
        if (!matchesFilter(e, filter)) continue;
        if (queue.size >= MAX_WAITING || !take()) {
          skipped++;
          continue;
        }
        queue.push({ ...e, skippedBefore: skipped });
        skipped = 0;
      }
    });
    if (closed) unsubscribe();
    else {
      off = unsubscribe;
      this.listeners++;
    }
    return queue;
  }
}
