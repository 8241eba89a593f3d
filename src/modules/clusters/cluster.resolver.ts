import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { isUuid } from '../../lib/uuid.ts';
import { Access } from '../auth/access.ts';
import type { CustomerRecord } from '../customers/customer.model.ts';
import { Customer } from '../customers/customer.type.ts';
import type { ClusterRunRecord } from './cluster.repository.ts';
import { ClusterCustomersInput, ClusterRun, CustomerCluster } from './cluster.types.ts';

/** A stored run in its GraphQL shape. */
const toRun = (r: ClusterRunRecord): ClusterRun => ({
  ...r,
  from: new Date(r.scope.from),
  to: new Date(r.scope.to),
  segmentId: r.scope.segmentId,
  orderEvent: r.scope.orderEvent,
  features: r.features as ClusterRun['features'],
});

@Resolver()
export class ClusterResolver {
  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => ClusterRun, { description: `Clusters the customers in scope by k-means on the chosen features and stores the run (docs/clusters.md). At most 50,000 customers (TOO_MANY_CUSTOMERS).` })
  async clusterCustomers(@Arg('input', () => ClusterCustomersInput) input: ClusterCustomersInput, @Ctx() ctx: Context) {
    return toRun(await ctx.services.clusters.run(input));
  }

  @Authorized(...Access.READ)
  @Query(() => [ClusterRun], { description: 'Clustering runs, newest first.' })
  async clusterRuns(@Arg('first', () => Int, { nullable: true, description: '1..100, default 20' }) first: number | null, @Ctx() ctx: Context) {
    return (await ctx.services.clusters.list(first)).map(toRun);
  }

  @Authorized(...Access.READ)
  @Query(() => ClusterRun, { nullable: true })
  async clusterRun(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    const r = await ctx.services.clusters.get(id);
    return r && toRun(r);
  }
}

@Resolver(() => Customer)
export class CustomerClusterResolver {
  @FieldResolver(() => CustomerCluster, { nullable: true, description: 'The customer\'s cluster in the latest clustering run, or in run `runId`; null when that run did not place them.' })
  cluster(@Root() c: CustomerRecord, @Arg('runId', () => ID, { nullable: true }) runId: string | null, @Ctx() ctx: Context) {
    if (runId != null && !isUuid(runId)) return null;
    return ctx.loaders.clusterByCustomerId.load(`${runId == null ? 'latest' : runId.toLowerCase()}|${c.id}`);
  }
}
