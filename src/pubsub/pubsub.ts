/**
 * In-process pub/sub, or Redis when REDIS_URL is set so that events published by one server process
 * reach subscribers connected to another. Both engines speak graphql-subscriptions' interface; this
 * wraps them in the shape type-graphql's buildSchema({ pubSub }) expects, typed by topic.
 */
import { PubSub as MemoryPubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis, type RedisOptions } from 'ioredis';
import type { PubSub as TypeGraphqlPubSub } from 'type-graphql';
import type { Logger } from '../logger.ts';
import { waitAtMost } from '../lib/wait-at-most.ts';
import { PrefixedPubSubEngine } from './channel-prefix.ts';
import type { TopicName, TopicPayloads } from './topics.ts';

export interface AppPubSub extends TypeGraphqlPubSub {
  publish<T extends TopicName>(topic: T, payload: TopicPayloads[T]): Promise<void>;
  subscribe(topic: string): AsyncIterable<unknown>;
  subscribeTo<T extends TopicName>(topic: T): AsyncIterableIterator<TopicPayloads[T]>;
  /**
   * Calls `onMessage` for every payload on the topic. Resolves once the subscription is in place (for
   * Redis: SUBSCRIBE acknowledged), so anything published after that is certain to arrive.
   */
  listen<T extends TopicName>(topic: T, onMessage: (payload: TopicPayloads[T]) => void): Promise<() => void>;
  /**
   * Called each time the subscription connection is back after an outage (Redis only), once its
   * channels are subscribed again: messages published meanwhile are lost, so listeners that can
   * (the membership feed, from the outbox) catch up from their own durable record.
   */
  onReconnect(listener: () => void): () => void;
  readonly kind: 'memory' | 'redis';
  close(): Promise<void>;
}

function wrap(
  engine: PubSubEngine,
  kind: AppPubSub['kind'],
  close: () => Promise<void>,
  opts: { publish?: AppPubSub['publish']; reconnects?: Set<() => void>; observe?: PublishObserver } = {},
): AppPubSub {
  const subscribeTo = <T extends TopicName>(topic: T) =>
    engine.asyncIterableIterator<TopicPayloads[T]>(topic) as unknown as AsyncIterableIterator<TopicPayloads[T]>;
  const reconnects = opts.reconnects ?? new Set<() => void>();
  const send: AppPubSub['publish'] = opts.publish ?? ((topic, payload) => engine.publish(topic, payload));
  return {
    kind,
    publish: opts.observe
      ? (topic, payload) => {
          opts.observe!(topic, payload);
          return send(topic, payload);
        }
      : send,
    onReconnect(listener) {
      reconnects.add(listener);
      return () => reconnects.delete(listener);
    },
    subscribe: (topic: string) => subscribeTo(topic as TopicName),
    subscribeTo,
    async listen(topic, onMessage) {
      const id = await engine.subscribe(topic, onMessage, {});
      return () => engine.unsubscribe(id);
    },
    close,
  };
}

/** A publish holds its request up at most this long (Redis away, or accepting but not answering). */
const PUBLISH_WAIT_MS = 1_000;
/** A close waits this long for Redis to acknowledge QUIT before dropping the connections. */
const CLOSE_WAIT_MS = 1_000;
/** Publishes waiting in ioredis's offline queue beyond this are dropped (counted): memory stays bounded in a long outage. */
const MAX_PENDING_PUBLISHES = 1_000;

/** Sees every payload published (metrics: how large messages are). */
export type PublishObserver = <T extends TopicName>(topic: T, payload: TopicPayloads[T]) => void;

export function createPubSub(opts: { redisUrl?: string; logger: Logger; channelPrefix?: string; observe?: PublishObserver }): AppPubSub {
  if (!opts.redisUrl) return wrap(new MemoryPubSub(), 'memory', async () => {}, { observe: opts.observe });
  const log = opts.logger.child({ module: 'pubsub' });
  const connect = (options: RedisOptions = {}) => {
    const client = new Redis(opts.redisUrl!, { lazyConnect: false, maxRetriesPerRequest: null, enableOfflineQueue: true, ...options });
    // ioredis reconnects on its own; log instead of crashing on a dropped connection.
    client.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
    return client;
  };
  // Both connections keep ioredis's offline queue: commands sent while Redis is away go out when it is
  // back (and ioredis subscribes again after every reconnect).
  const publisher = connect();
  // No ready check on the subscriber: ioredis writes a SUBSCRIBE made during the handshake at once, and
  // its ready check (INFO) then failed as "not allowed in subscriber mode", tearing the connection down
  // (tests/integration/pubsub-handshake.test.ts). The check only waits for Redis to load its dataset,
  // which pub/sub does not need.
  const subscriber = connect({ enableReadyCheck: false });
  // graphql-redis-subscriptions drops the promises of UNSUBSCRIBE and PUNSUBSCRIBE, and ioredis drops
  // those of the SUBSCRIBE and PSUBSCRIBE it sends again itself after a reconnect. When the connection
  // closes before Redis answers them (a stop while Redis is away, partitioned, or just back), ioredis
  // rejects them with nobody listening, and Node reports unhandled rejections (seen in the suite: a
  // server stopped right after Redis came back). Observe them here; callers that await still see them.
  for (const name of ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const) {
    const send = subscriber[name].bind(subscriber) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(subscriber, {
      [name]: (...args: unknown[]) => {
        const answer = send(...args);
        answer.catch((err: Error) => log.debug({ err: err.message, command: name }, 'redis (un)subscribe not answered'));
        return answer;
      },
    });
  }
  const redis = new RedisPubSub({ publisher, subscriber });
  const engine = opts.channelPrefix ? new PrefixedPubSubEngine(redis, opts.channelPrefix) : redis;

  // Publishing happens after a write has committed, and the outbox in the database is the durable
  // record, so a publish must never hold a request up for long: the caller waits at most
  // PUBLISH_WAIT_MS, and the publish completes in the background when Redis returns. Subscribers that
  // miss a change meanwhile get it from the outbox (the feed catches up on reconnect; clients resume
  // with since). In a long outage, publishes beyond MAX_PENDING_PUBLISHES are dropped, not queued.
  // Once Redis is known to be away (the connection is down, or a publish went unanswered for the
  // whole wait: a partition looks connected), callers do not wait at all until a publish is answered
  // again: a write during an outage costs no more than one without Redis.
  let pending = 0;
  let dropped = 0;
  let unanswered = false;
  const send: AppPubSub['publish'] = async (topic, payload) => {
    if (pending >= MAX_PENDING_PUBLISHES) {
      if (dropped++ === 0) log.warn({ pending }, 'redis unavailable: dropping publishes (subscribers catch up from the outbox)');
      return;
    }
    pending++;
    const sent = engine
      .publish(topic, payload)
      .then(
        () => void (unanswered = false),
        (err: Error) => log.warn({ err: err.message, topic }, 'redis publish failed'),
      )
      .finally(() => pending--);
    if (unanswered || publisher.status !== 'ready') return;
    if (!(await waitAtMost(sent, PUBLISH_WAIT_MS))) unanswered = true;
  };
  publisher.on('ready', () => {
    if (dropped > 0) log.info({ dropped }, 'redis is back; publishes dropped during the outage are in the outbox');
    dropped = 0;
  });

  // After a reconnect ioredis re-subscribes right after emitting 'ready'; a PING sent behind the
  // SUBSCRIBE answers once the channels are live again, then listeners catch up.
  const reconnects = new Set<() => void>();
  let wasConnected = false;
  subscriber.on('ready', () => {
    if (!wasConnected) return void (wasConnected = true);
    setImmediate(() => {
      subscriber.ping().then(
        () => {
          log.info('redis subscription connection is back');
          for (const l of reconnects) l();
        },
        (err: Error) => log.warn({ err: err.message }, 'redis ping after reconnect failed'),
      );
    });
  });

  // QUIT waits for Redis's answer, which never comes through a partition: wait a bounded time, then cut.
  return wrap(engine, 'redis', async () => {
    reconnects.clear();
    await waitAtMost(
      redis.close().catch((err: Error) => log.debug({ err: err.message }, 'redis quit failed')),
      CLOSE_WAIT_MS,
    );
    publisher.disconnect();
    subscriber.disconnect();
  }, { publish: send, reconnects, observe: opts.observe });
}
