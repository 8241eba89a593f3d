/**
 * In-process pub/sub, or Redis when REDIS_URL is set so that events published by one server process
 * reach subscribers connected to another. Both engines speak graphql-subscriptions' interface; this
 * wraps them in the shape type-graphql's buildSchema({ pubSub }) expects, typed by topic.
 */
import { PubSub as MemoryPubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { PubSub as TypeGraphqlPubSub } from 'type-graphql';
import type { Logger } from '../logger.ts';
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
  readonly kind: 'memory' | 'redis';
  close(): Promise<void>;
}

function wrap(engine: PubSubEngine, kind: AppPubSub['kind'], close: () => Promise<void>): AppPubSub {
  const subscribeTo = <T extends TopicName>(topic: T) =>
    engine.asyncIterableIterator<TopicPayloads[T]>(topic) as unknown as AsyncIterableIterator<TopicPayloads[T]>;
  return {
    kind,
    publish: (topic, payload) => engine.publish(topic, payload),
    subscribe: (topic: string) => subscribeTo(topic as TopicName),
    subscribeTo,
    async listen(topic, onMessage) {
      const id = await engine.subscribe(topic, onMessage, {});
      return () => engine.unsubscribe(id);
    },
    close,
  };
}

export function createPubSub(opts: { redisUrl?: string; logger: Logger }): AppPubSub {
  if (!opts.redisUrl) return wrap(new MemoryPubSub(), 'memory', async () => {});
  const log = opts.logger.child({ module: 'pubsub' });
  const connect = () => {
    const client = new Redis(opts.redisUrl!, { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
    // ioredis reconnects on its own; log instead of crashing on a dropped connection.
    client.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
    return client;
  };
  const publisher = connect();
  const subscriber = connect();
  const engine = new RedisPubSub({ publisher, subscriber });
  return wrap(engine, 'redis', async () => {
    await engine.close();
  });
}
