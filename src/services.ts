/** The services of the application, built once at start-up and shared by every request. */
import type { Config } from './config/env.ts';
import type { Database } from './db/client.ts';
import type { Logger } from './logger.ts';
import type { AppPubSub } from './pubsub/pubsub.ts';
import { ApiKeyService } from './modules/auth/api-key.service.ts';
import { CustomerService } from './modules/customers/customer.service.ts';
import { IngestionService } from './modules/ingestion/ingestion.service.ts';
import { MergeService } from './modules/identities/merge.service.ts';
import { TouchpointService } from './modules/touchpoints/touchpoint.service.ts';

export function createServices(deps: { db: Database; config: Config; logger: Logger; pubsub: AppPubSub }) {
  const ingestion = new IngestionService(deps.db, { logger: deps.logger, config: deps.config });
  return {
    apiKeys: new ApiKeyService(deps.db, { logger: deps.logger }),
    customers: new CustomerService(deps.db, { logger: deps.logger, defaultPhoneRegion: deps.config.defaultPhoneRegion, identity: deps.config.identity }),
    ingestion,
    merges: new MergeService(deps.db, { logger: deps.logger, config: deps.config }),
    touchpoints: new TouchpointService(deps.db, { ingestion, config: deps.config }),
  };
}
export type Services = ReturnType<typeof createServices>;
