import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { createLogger } from '../../src/logger.ts';
import { createPubSub } from '../../src/pubsub/pubsub.ts';
import { createTokenBucket, matchesFilter, TouchpointFeed, type LiveTouchpointPayload } from '../../src/modules/touchpoints/touchpoint.feed.ts';

const logger = createLogger({ ...loadConfig({}), logLevel: 'silent' });
const event = (i: number, over: Partial<LiveTouchpointPayload> = {}): LiveTouchpointPayload => ({
  quarantined: false,
  touchpointId: `t${i}`,
  messageId: `m${i}`,
  type: 'TRACK',
  event: 'Page Viewed',
  channel: 'WEB',
  source: 'web',
  customerId: 'c',
  reason: null,
  occurredAt: '2026-01-01T00:00:00.000Z',
  receivedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('live touchpoint feed', () => {
  it('filters on event, channel, source and quarantine', () => {
    const bad = event(1, { quarantined: true, channel: null, event: 'Broken' });
    expect(matchesFilter(event(0), {})).toBe(true);
    expect(matchesFilter(event(0), { channels: ['EMAIL'] })).toBe(false);
    expect(matchesFilter(bad, { channels: ['WEB'] })).toBe(false);
    expect(matchesFilter(bad, { quarantined: true, events: ['Broken'] })).toBe(true);
    expect(matchesFilter(event(0), { quarantined: true })).toBe(false);
    expect(matchesFilter(event(0), { sources: ['web', 'app'], events: ['Page Viewed'] })).toBe(true);
  });

  it('a token bucket passes a burst of its rate, then one a 1/rate second', () => {
    let now = 0;
    const take = createTokenBucket(10, () => now);
    expect(Array.from({ length: 12 }, () => take()).filter(Boolean)).toHaveLength(10);
    now += 100;
    expect(take()).toBe(true);
    expect(take()).toBe(false);
  });

  it('samples above the rate and counts what it skipped in the next delivered event', async () => {
    const pubsub = createPubSub({ logger });
    const feed = new TouchpointFeed(pubsub, logger);
    let now = 0;
    const sub = await feed.subscribe({}, { perSecond: 5, now: () => now });
    await feed.publish(Array.from({ length: 12 }, (_, i) => event(i)));
    now += 1000;
    await feed.publish([event(12)]);
    const got = [];
    for (let i = 0; i < 6; i++) got.push((await sub.next()).value);
    // Five pass, seven are skipped, the next one (a second later) carries the count: 5 + 7 + 1 = 13 sent.
    expect(got.map((e) => e.messageId)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm12']);
    expect(got.map((e) => e.skippedBefore)).toEqual([0, 0, 0, 0, 0, 7]);
    expect(feed.listeners).toBe(1);
    await sub.return!();
    expect(feed.listeners).toBe(0);
    await pubsub.close?.();
  });
});
