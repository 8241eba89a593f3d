/**
 * A subscription made while a Redis connection is still in its handshake (connected, no answers yet).
 * ioredis writes SUBSCRIBE at once in that state, and its ready check (INFO) was then refused as "a
 * command in subscriber mode": the connection was torn down and rebuilt, with an unhandled rejection
 * on the way. It happened to servers starting while the machine was busy. The proxy holds Redis's
 * answers back to make that moment last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createPubSub, type AppPubSub } from '../../src/pubsub/pubsub.ts';
import { Topic, type PingPayload } from '../../src/pubsub/topics.ts';
import { redisUrl } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/subscriptions.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

describe.runIf(Boolean(redisUrl))('Redis pub/sub subscribed during the connection handshake', () => {
  let proxy: TcpProxy;
  let pubsub: AppPubSub | undefined;
  const logged: string[] = [];
  beforeAll(async () => {
    const real = new URL(redisUrl!);
    proxy = await startTcpProxy(real.hostname, Number(real.port || 6379));
  });
  afterAll(async () => {
    await pubsub?.close();
    await proxy?.close();
  });

  it('subscribes once, without a failed ready check or a reconnect, and receives what is published', async () => {
    proxy.holdReplies();
    const viaProxy = new URL(redisUrl!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    pubsub = createPubSub({ redisUrl: viaProxy.toString(), logger, channelPrefix: `handshake-${process.pid}-${Date.now()}:` });
    // Both connections (publisher, subscriber) have sent their handshake and wait for answers.
    await waitUntil(() => proxy.clientsHeard >= 2);
    const before = proxy.bytesFromClients;
    const got: PingPayload[] = [];
    const listening = pubsub.listen(Topic.PING, (p) => got.push(p));
    await waitUntil(() => proxy.bytesFromClients > before); // SUBSCRIBE went out mid-handshake
    proxy.releaseReplies();
    await listening;

    const ping: PingPayload = { message: 'hello', at: new Date().toISOString() };
    await pubsub.publish(Topic.PING, ping);
    await waitUntil(() => got.length === 1);
    expect(got).toEqual([ping]);
    expect(logged.filter((l) => /redis|ready check/i.test(l))).toEqual([]);
  });
});
