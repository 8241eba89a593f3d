/**
 * Redis channels are global to the Redis server, so two deployments (or two test databases) sharing
 * one Redis would hear each other's membership changes — with seqs from another database, which the
 * feed would take as its own. Channels are therefore prefixed with a short hash of the database the
 * server writes to: processes over the same database share channels, others never meet.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PubSubEngine } from 'graphql-subscriptions';
import type { Config } from '../config/env.ts';

export function channelPrefix(database: Config['database']): string {
  let identity: string;
  if (database.kind === 'postgres') {
    const u = new URL(database.url);
    u.username = '';
    u.password = '';
    identity = `${u.host}${u.pathname}|${database.schema}`;
  } else {
    // An in-memory PGlite is private to its process: nobody else can share it.
    identity = database.dataDir ? `pglite:${database.dataDir}` : `pglite-memory:${randomUUID()}`;
  }
  return `cdp:${createHash('sha256').update(identity).digest('hex').slice(0, 16)}:`;
}

/** The same engine with every topic prefixed; asyncIterableIterator comes from the base class via subscribe. */
export class PrefixedPubSubEngine extends PubSubEngine {
  constructor(
    private readonly inner: PubSubEngine,
    private readonly prefix: string,
  ) {
    super();
  }
  publish(topic: string, payload: unknown): Promise<void> {
    return this.inner.publish(this.prefix + topic, payload);
  }
  subscribe(topic: string, onMessage: (...args: unknown[]) => void, options: object): Promise<number> {
    return this.inner.subscribe(this.prefix + topic, onMessage, options);
  }
  unsubscribe(subId: number): void {
    this.inner.unsubscribe(subId);
  }
}
