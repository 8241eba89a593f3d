/** The services of the application, built once at start-up and shared by every request. */
import type { Config } from './config/env.ts';
import type { Database } from './db/client.ts';
import type { Logger } from './logger.ts';
import type { AppPubSub } from './pubsub/pubsub.ts';
import { CustomerService } from './modules/customers/customer.service.ts';
import { IngestionService } from './modules/ingestion/ingestion.service.ts';

export function createServices(deps: { db: Database; config: Config; logger: Logger; pubsub: AppPubSub }) {
  return {
    customers: new CustomerService(deps.db, { logger: deps.logger, defaultPhoneRegion: deps.config.defaultPhoneRegion }),
    ingestion: new IngestionService(deps.db, { logger: deps.logger, defaultPhoneRegion: deps.config.defaultPhoneRegion }),
  };
}
export type Services = ReturnType<typeof createServices>;
