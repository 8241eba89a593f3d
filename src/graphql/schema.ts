import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './auth-checker.ts';
import { CustomerConnectionResolver, CustomerResolver, UpsertCustomerResultResolver } from '../modules/customers/customer.resolver.ts';
import { AccountConnectionResolver, AccountResolver, CustomerAccountsResolver } from '../modules/accounts/account.resolver.ts';
import { SystemResolver } from '../modules/system/system.resolver.ts';
import { MergeResolver } from '../modules/identities/merge.resolver.ts';
import { MembershipChangeResolver, SegmentResolver } from '../modules/segments/segment.resolver.ts';
import { FunnelResolver } from '../modules/analytics/funnel.resolver.ts';
import { PathsResolver } from '../modules/analytics/paths.resolver.ts';
import { RetentionResolver } from '../modules/analytics/retention.resolver.ts';
import { AttributionResolver } from '../modules/analytics/attribution.resolver.ts';
import { ChannelPerformanceResolver } from '../modules/analytics/channel-performance.resolver.ts';
import { RfmResolver } from '../modules/analytics/rfm.resolver.ts';
import { ExperimentResolver } from '../modules/analytics/experiment.resolver.ts';
import { EventDictionaryResolver } from '../modules/analytics/events.resolver.ts';
import { TrendResolver } from '../modules/analytics/trend.resolver.ts';
import { MetricResolver } from '../modules/analytics/metric.resolver.ts';
import { CurrencyResolver } from '../modules/currency/currency.resolver.ts';
import { RoiResolver } from '../modules/analytics/roi.resolver.ts';
import { SpendResolver } from '../modules/analytics/spend.resolver.ts';
import { AlertResolver } from '../modules/alerts/alert.resolver.ts';
import { TagDetailResolver, TagResolver } from '../modules/tags/tag.resolver.ts';
import { ApiKeyResolver } from '../modules/auth/api-key.resolver.ts';
import { AuditResolver } from '../modules/audit/audit.resolver.ts';
import { PrivacyResolver } from '../modules/privacy/privacy.resolver.ts';
import { FailedEventConnectionResolver, JourneyConnectionResolver, TouchpointFieldsResolver, TouchpointResolver } from '../modules/touchpoints/touchpoint.resolver.ts';
import { LiveTouchpointResolver } from '../modules/touchpoints/touchpoint-live.resolver.ts';
import { WebhookResolver } from '../modules/webhooks/webhook.resolver.ts';
import { CustomerSentimentResolver, SentimentResolver } from '../modules/sentiment/sentiment.resolver.ts';
import { ClusterResolver, CustomerClusterResolver } from '../modules/clusters/cluster.resolver.ts';
import { CustomerPropensityResolver, PropensityResolver } from '../modules/propensity/propensity.resolver.ts';
import { AskResolver } from '../modules/ask/ask.resolver.ts';

export const resolvers = [
  AskResolver,
  SystemResolver,
  CustomerResolver,
  CustomerConnectionResolver,
  UpsertCustomerResultResolver,
  TouchpointResolver,
  TouchpointFieldsResolver,
  FailedEventConnectionResolver,
  JourneyConnectionResolver,
  LiveTouchpointResolver,
  MergeResolver,
  SegmentResolver,
  MembershipChangeResolver,
  TagResolver,
  TagDetailResolver,
  FunnelResolver,
  PathsResolver,
  RetentionResolver,
  AttributionResolver,
  ChannelPerformanceResolver,
  AlertResolver,
  RfmResolver,
  ExperimentResolver,
  EventDictionaryResolver,
  TrendResolver,
  MetricResolver,
  CurrencyResolver,
  SpendResolver,
  RoiResolver,
  ApiKeyResolver,
  AuditResolver,
  PrivacyResolver,
  AccountResolver,
  AccountConnectionResolver,
  CustomerAccountsResolver,
  WebhookResolver,
  SentimentResolver,
  CustomerSentimentResolver,
  ClusterResolver,
  CustomerClusterResolver,
  PropensityResolver,
  CustomerPropensityResolver,
] as const;

/** pubSub is only used at run time; printing the SDL passes a stand-in. */
export function buildAppSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [...resolvers], pubSub, validate: false, authChecker, authMode: 'error' });
}

const noPubSub: PubSub = {
  publish() {},
  subscribe() {
    throw new Error('no pub/sub when printing the schema');
  },
};

export async function printAppSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildAppSchema(noPubSub))) + '\n';
}
