/**
 * Closing the Redis pub/sub while the network to Redis is partitioned. graphql-redis-subscriptions
 * sends UNSUBSCRIBE and PUNSUBSCRIBE without keeping their promises; with no answer coming, the close
 * rejected them with nobody listening, and Node reported unhandled rejections (a server stopped during
 * an outage, or the cluster rate-limit test on a busy machine). The close must also not wait for an
 * answer that cannot come.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createPubSub } from '../../src/pubsub/pubsub.ts';
import { Topic } from '../../src/pubsub/topics.ts';
import { redisUrl } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/subscriptions.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

describe.runIf(Boolean(redisUrl))('Redis pub/sub closed during a network partition', () => {
  let proxy: TcpProxy;
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  beforeAll(async () => {
    const real = new URL(redisUrl!);
    proxy = await startTcpProxy(real.hostname, Number(real.port || 6379));
    process.on('unhandledRejection', record);
  });
  afterAll(async () => {
    process.off('unhandledRejection', record);
    await proxy?.close();
  });

  it('unsubscribes and closes without unhandled rejections', async () => {
    const viaProxy = new URL(redisUrl!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const logger = pino({ level: 'silent' });
    const pubsub = createPubSub({ redisUrl: viaProxy.toString(), logger, channelPrefix: `partition-${process.pid}-${Date.now()}:` });
    const stopListening = await pubsub.listen(Topic.PING, () => {});
    await proxy.blackhole();
    // Both clients reconnect into the partition: connected, never answered.
    await waitUntil(() => proxy.connections >= 2);
    stopListening();
    await pubsub.close();
    // A rejection is reported on the turn after it happens.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  });
});
