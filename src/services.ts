/** The services of the application, built once at start-up and shared by every request. */
import type { Config } from './config/env.ts';
import type { Database } from './db/client.ts';
import { ChangeHooks } from './lib/change-hooks.ts';
import type { Logger } from './logger.ts';
import type { AppPubSub } from './pubsub/pubsub.ts';
import { AccountService } from './modules/accounts/account.service.ts';
import { ApiKeyService } from './modules/auth/api-key.service.ts';
import { AuditService } from './modules/audit/audit.service.ts';
import { CustomerService } from './modules/customers/customer.service.ts';
import { IngestionService } from './modules/ingestion/ingestion.service.ts';
import { MergeService } from './modules/identities/merge.service.ts';
import { PrivacyService } from './modules/privacy/privacy.service.ts';
import { MembershipFeed } from './modules/segments/membership.feed.ts';
import { SegmentService } from './modules/segments/segment.service.ts';
import { TagService } from './modules/tags/tag.service.ts';
import { TouchpointService } from './modules/touchpoints/touchpoint.service.ts';
import { TouchpointFeed } from './modules/touchpoints/touchpoint.feed.ts';
import { FunnelService } from './modules/analytics/funnel.service.ts';
import { PathsService } from './modules/analytics/paths.service.ts';
import { RetentionService } from './modules/analytics/retention.service.ts';
import { AttributionService } from './modules/analytics/attribution.service.ts';
import { AlertService } from './modules/alerts/alert.service.ts';
import { ChannelPerformanceService } from './modules/analytics/channel-performance.service.ts';
import { RfmService } from './modules/analytics/rfm.service.ts';
import { ExperimentService } from './modules/analytics/experiment.service.ts';
import { EventDictionaryService } from './modules/analytics/events.service.ts';
import { TrendService } from './modules/analytics/trend.service.ts';
import { MetricService } from './modules/analytics/metric.service.ts';
import { CurrencyService } from './modules/currency/currency.service.ts';
import { RoiService } from './modules/analytics/roi.service.ts';
import { SpendService } from './modules/analytics/spend.service.ts';
import { PartitionService } from './modules/system/partition.service.ts';
import { WebhookService } from './modules/webhooks/webhook.service.ts';
import { SentimentScorer } from './modules/sentiment/sentiment.scorer.ts';
import { SentimentService } from './modules/sentiment/sentiment.service.ts';
import { ClusterService } from './modules/clusters/cluster.service.ts';
import { PropensityService } from './modules/propensity/propensity.service.ts';
import { AskService } from './modules/ask/ask.service.ts';

export interface ServiceDeps {
  db: Database;
  config: Config;
  logger: Logger;
  pubsub: AppPubSub;
  /** Injectable so tests can move time (segment windows, recency). */
  clock?: () => Date;
}

export function createServices(deps: ServiceDeps) {
  const { db, config, logger, pubsub } = deps;
  const clock = deps.clock ?? (() => new Date());
  // Every write that changes what we know about customers re-evaluates tags and segments for them.
  const hooks = new ChangeHooks();
  const feed = new MembershipFeed(db, pubsub, logger, { maxLag: config.subscriberMaxLag });
  // Segments and rule tags are kept by one engine (in SegmentService), which reaches rule tags through the tag service.
  const segments: SegmentService = new SegmentService(db, { logger, pubsub, clock, feed, ruleTags: () => tags, outboxRetentionDays: config.outbox.retentionDays });
  const tags: TagService = new TagService(db, { logger, clock, hooks, segments });
  // Accounts merge group-call traits and re-check account rules for members through the segments graph.
  const accounts = new AccountService(db, { logger, clock, segments });
  hooks.add((tx, change) => accounts.onCustomerChange(tx, change));
  const alerts = new AlertService(db, { config: config.alerts, pubsub, clock, logger, sentiment: config.sentiment });
  hooks.add((tx, change) => alerts.onCustomerChange(tx, change));
  // Webhooks queue touchpoints and alerts in the transactions that store them, and hold the outbox
  // pruner back to the lowest segment-change cursor.
  const webhooks = new WebhookService(db, { config: config.webhooks, logger });
  hooks.add((tx, change) => webhooks.onCustomerChange(tx, change));
  alerts.onRaised((tx, raised) => webhooks.onAlertsRaised(tx, raised));
  segments.holdOutboxPruning(() => webhooks.outboxHold());
  // The sentiment models are read from models/ once, here, and scored in memory.
  const sentiment = new SentimentService(SentimentScorer.load(), { defaultLanguage: config.sentiment.defaultLanguage });
  const liveTouchpoints = new TouchpointFeed(pubsub, logger);
  const ingestion = new IngestionService(db, { logger, config, hooks, groups: accounts, sentiment: { scorer: sentiment.scorer, config: config.sentiment }, live: liveTouchpoints });
  const trends = new TrendService(db, { clock });
  // Cluster assignments and propensity scores are profiles of a person: erasure removes them.
  const clusters = new ClusterService(db, { logger, clock, segments });
  const propensity = new PropensityService(db, { logger, clock, segments });
  hooks.add((tx, change) => clusters.onCustomerChange(tx, change));
  hooks.add((tx, change) => propensity.onCustomerChange(tx, change));
  // Last: segment evaluation takes the outbox lock, held to commit (SegmentService.evaluateIn), so the
  // hooks before it run outside it and writers queue on it for as short a time as possible.
  hooks.add((tx, change) => segments.evaluateCustomers(tx, change));
  const currency = new CurrencyService(db, { config, hooks, logger });
  const attribution = new AttributionService(db);
  return {
    accounts,
    apiKeys: new ApiKeyService(db, { logger }),
    audit: new AuditService(db, { logger, clock }),
    customers: new CustomerService(db, { logger, defaultPhoneRegion: config.defaultPhoneRegion, identity: config.identity, hooks }),
    ingestion,
    merges: new MergeService(db, { logger, config, hooks }),
    privacy: new PrivacyService(db, { logger, hooks, clock }),
    touchpoints: new TouchpointService(db, { ingestion, config }),
    liveTouchpoints,
    segments,
    tags,
    feed,
    funnels: new FunnelService(db, { clock }),
    paths: new PathsService(db),
    retention: new RetentionService(db),
    attribution,
    channelPerformance: new ChannelPerformanceService(db),
    alerts,
    rfm: new RfmService(db, { clock }),
    experiments: new ExperimentService(db),
    events: new EventDictionaryService(db),
    trends,
    metrics: new MetricService(db, { trends, sessionGapMinutes: config.sessionTimeoutMinutes }),
    currency,
    spend: new SpendService(db, { config }),
    roi: new RoiService(db, { attribution, config }),
    partitions: new PartitionService(db, { clock, logger, config: config.partitions }),
    webhooks,
    sentiment,
    clusters,
    propensity,
    ask: new AskService({ clock }),
    pubsub,
    clock,
  };
}
export type Services = ReturnType<typeof createServices>;
