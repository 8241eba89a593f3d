/** GraphQL shapes of customer clusters: the run input, a stored run, and a customer's cluster. */
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AnalyticsScopeInput } from '../analytics/analytics.scope.input.ts';
import { CLUSTER_FEATURES, type ClusterFeature as ClusterFeatureName } from './cluster.features.ts';

export const ClusterFeature = Object.fromEntries(CLUSTER_FEATURES.map((f) => [f, f])) as { [K in ClusterFeatureName]: K };
registerEnumType(ClusterFeature, {
  name: 'ClusterFeature',
  description: 'What clusterCustomers compares (docs/clusters.md): RECENCY and TENURE in days, FREQUENCY and MONETARY of orders, CHANNEL_MIX shares, SENTIMENT mean score.',
});

@InputType()
export class ClusterCustomersInput {
  @Field(() => [ClusterFeature]) features!: ClusterFeatureName[];
  @Field(() => Int, { nullable: true, description: '2..10; omitted: the k from 2 to 10 with the best silhouette.' }) k?: number | null;
  @Field(() => AnalyticsScopeInput, { description: 'Customers with a touchpoint in [from, to), of the segment when given; `to` is the date recency and tenure count to.' })
  scope!: AnalyticsScopeInput;
  @Field(() => Int, { nullable: true, description: 'k-means++ and silhouette sampling seed (default 1): the same data and seed give the same run.' }) seed?: number | null;
  @Field(() => String, { nullable: true, description: 'The event FREQUENCY and MONETARY count (default "Order Completed").' }) orderEvent?: string | null;
}

@ObjectType()
export class ClusterCentreValue {
  @Field(() => String, { description: 'RECENCY, FREQUENCY, MONETARY, TENURE, SENTIMENT, or CHANNEL_MIX:<channel>.' }) name!: string;
  @Field(() => Float, { description: 'In original units (days, orders, money, share, score).' }) value!: number;
}

@ObjectType()
export class CustomerClusterGroup {
  @Field(() => Int, { description: '0 = the largest.' }) cluster!: number;
  @Field(() => Int) size!: number;
  @Field(() => [ClusterCentreValue]) centre!: ClusterCentreValue[];
  @Field(() => String, { description: 'A few generated words, e.g. "high spend, store-first, recent".' }) description!: string;
}

@ObjectType()
export class ClusterKScore {
  @Field(() => Int) k!: number;
  @Field(() => Float) silhouette!: number;
}

@ObjectType({ description: 'A stored clusterCustomers run.' })
export class ClusterRun {
  @Field(() => ID) id!: string;
  @Field(() => [ClusterFeature]) features!: ClusterFeatureName[];
  @Field(() => Int, { nullable: true, description: 'The k asked for; null when chosen by silhouette.' }) kRequested!: number | null;
  @Field(() => Int, { description: 'The number of clusters.' }) k!: number;
  @Field(() => Int) seed!: number;
  @Field(() => Date) from!: Date;
  @Field(() => Date) to!: Date;
  @Field(() => ID, { nullable: true }) segmentId!: string | null;
  @Field(() => String) orderEvent!: string;
  @Field(() => Int, { description: 'Customers clustered.' }) customers!: number;
  @Field(() => Float, { description: 'Mean silhouette (−1..1) of the assignments, in the scaled feature space, on a seeded sample.' }) silhouette!: number;
  @Field(() => Int, { description: 'Customers the silhouette was computed on (all, up to 2,000).' }) silhouetteSample!: number;
  @Field(() => [ClusterKScore], { description: 'The silhouette of each k tried when k was chosen; empty when given.' }) kScores!: ClusterKScore[];
  @Field(() => [CustomerClusterGroup]) clusters!: CustomerClusterGroup[];
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'The cluster a clustering run put the customer in.' })
export class CustomerCluster {
  @Field(() => ID) runId!: string;
  @Field(() => Int) cluster!: number;
  @Field(() => String) description!: string;
}
