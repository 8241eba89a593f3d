import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { AppPubSub } from '../pubsub/pubsub.ts';
import type { Services } from '../services.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface Context {
  requestId: string;
  logger: Logger;
  loaders: Loaders;
  services: Services;
  pubsub: AppPubSub;
}

export interface ContextDeps {
  db: Database;
  logger: Logger;
  services: Services;
  pubsub: AppPubSub;
}

export function createContext(deps: ContextDeps, requestId: string = randomUUID()): Context {
  return {
    requestId,
    logger: deps.logger.child({ requestId }),
    loaders: createLoaders(deps.db.prisma, deps.services.clock),
    services: deps.services,
    pubsub: deps.pubsub,
  };
}
