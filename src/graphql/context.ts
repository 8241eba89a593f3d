import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { VerifiedKey } from '../modules/auth/api-key.service.ts';
import type { AppPubSub } from '../pubsub/pubsub.ts';
import type { Services } from '../services.ts';
import { createLoaders, type Loaders } from './loaders.ts';

/** The API key a request or WebSocket connection authenticated with. */
export interface Principal extends VerifiedKey {
  /** The hash of the presented key (never the key itself), so long-lived subscriptions can re-check it per event. */
  keyHash: string;
}

export interface Context {
  requestId: string;
  logger: Logger;
  loaders: Loaders;
  services: Services;
  pubsub: AppPubSub;
  auth: Principal;
  /** Set on WebSocket operations: ends the connection (revoked key, rate limit). */
  closeConnection?: (code: number, reason: string) => void;
}

export interface ContextDeps {
  db: Database;
  logger: Logger;
  services: Services;
  pubsub: AppPubSub;
}

export function createContext(
  deps: ContextDeps,
  auth: Principal,
  opts: { requestId?: string; closeConnection?: Context['closeConnection'] } = {},
): Context {
  const requestId = opts.requestId ?? randomUUID();
  return {
    requestId,
    logger: deps.logger.child({ requestId, apiKeyId: auth.id }),
    loaders: createLoaders(deps.db.prisma, deps.services.clock, { outboxRetentionDays: deps.services.segments.outboxRetentionDays }),
    services: deps.services,
    pubsub: deps.pubsub,
    auth,
    ...(opts.closeConnection ? { closeConnection: opts.closeConnection } : {}),
  };
}
