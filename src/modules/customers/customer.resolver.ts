import { Extensions, Authorized, Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import { UNSTORABLE_TEXT_AS_DATA } from '../../graphql/storable-arguments.ts';
import { RefusePiiArgsForReader } from '../../graphql/pii.middleware.ts';
import { customerFilterPiiPaths, identityLookupPiiPaths } from './customer.pii-args.ts';
import { Audited } from '../../graphql/audit.middleware.ts';
import { Access } from '../auth/access.ts';
import { Channel } from '../../graphql/scalars.ts';
import { MergeEvent } from '../identities/merge.type.ts';
import { JourneyConnection } from '../touchpoints/touchpoint.type.ts';
import { RfmTier } from '../analytics/rfm.types.ts';
import type { Context } from '../../graphql/context.ts';
import { Identity } from '../identities/identity.type.ts';
import { Segment } from '../segments/segment.type.ts';
import { Tag } from '../tags/tag.type.ts';
import { CustomerByIdentityArgs, CustomerIdArgs, CustomersArgs, UpsertCustomersArgs } from './customer.args.ts';
import type { CustomerRecord } from './customer.model.ts';
import { Customer, CustomerConnection, CustomerStats, UpsertCustomerResult, UpsertCustomersPayload } from './customer.type.ts';

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized(...Access.READ)
  @Query(() => Customer, { nullable: true, description: 'A customer by id; a merged-away id returns the customer it was merged into.' })
  customer(@Args(() => CustomerIdArgs) { id }: CustomerIdArgs, @Ctx() ctx: Context): Promise<CustomerRecord | null> {
    return ctx.services.customers.byId(id);
  }

  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(identityLookupPiiPaths))
  @Query(() => Customer, { nullable: true })
  customerByIdentity(@Args(() => CustomerByIdentityArgs) { type, value }: CustomerByIdentityArgs, @Ctx() ctx: Context) {
    return ctx.services.customers.byIdentity(type, value);
  }

  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(customerFilterPiiPaths))
  @Query(() => CustomerConnection)
  customers(@Args(() => CustomersArgs) args: CustomersArgs, @Ctx() ctx: Context) {
    return ctx.services.customers.list(args);
  }

  @Authorized(...Access.INGEST)
  @UseMiddleware(Audited())
  // Rows with unstorable text are reported per row (data), not refused as a whole request.
  @Extensions({ [UNSTORABLE_TEXT_AS_DATA]: true })
  @Mutation(() => UpsertCustomersPayload, {
    description: 'Create or update customers from a CRM or back office. Idempotent: the same batch twice changes nothing.',
  })
  upsertCustomers(@Args(() => UpsertCustomersArgs) { input }: UpsertCustomersArgs, @Ctx() ctx: Context) {
    return ctx.services.customers.upsert(input);
  }

  @FieldResolver(() => [Identity])
  identities(@Root() c: CustomerRecord, @Ctx() ctx: Context) {
    return ctx.loaders.profileParts.identities(c.id);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() c: CustomerRecord, @Ctx() ctx: Context) {
    return ctx.loaders.profileParts.tags(c.id);
  }

  @FieldResolver(() => [Segment], { description: 'Segments the customer is currently a member of.' })
  segments(@Root() c: CustomerRecord, @Ctx() ctx: Context) {
    return ctx.loaders.profileParts.segments(c.id);
  }

  @FieldResolver(() => [MergeEvent], { description: 'Merges this customer or anyone merged into it took part in, oldest first (refused ones included), so each can be undone.' })
  merges(@Root() c: CustomerRecord, @Ctx() ctx: Context) {
    return ctx.loaders.mergesByCustomerId.load(c.id);
  }

  @FieldResolver(() => JourneyConnection, {
    description: 'Touchpoints of the person across all merged identities, in time order, in sessions, with stages and channel switches.',
  })
  journey(
    @Root() c: CustomerRecord,
    @Ctx() ctx: Context,
    @Arg('from', () => Date, { nullable: true }) from?: Date,
    @Arg('to', () => Date, { nullable: true, description: 'Exclusive.' }) to?: Date,
    @Arg('channels', () => [Channel], { nullable: true }) channels?: Channel[],
    @Arg('first', () => Int, { nullable: true, description: '20 by default, at most 100.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.touchpoints.journey(c.id, { from, to, channels, first, after }, ctx.loaders.profileParts.journeyPage);
  }

  @FieldResolver(() => RfmTier, {
    nullable: true,
    description: 'RFM tier now (quintiles over every customer with an "Order Completed"); null without orders. Also the rfmTier attribute of segment rules.',
  })
  rfmTier(@Root() c: CustomerRecord, @Ctx() ctx: Context) {
    return ctx.loaders.rfmTierByCustomerId.load(c.id);
  }

  @FieldResolver(() => CustomerStats)
  async stats(@Root() c: CustomerRecord, @Ctx() ctx: Context): Promise<CustomerStats> {
    const channelCounts = [...(await ctx.loaders.profileParts.channelCounts(c.id))].sort(
      (a, b) => b.count - a.count || a.channel.localeCompare(b.channel),
    );
    return {
      touchpointCount: c.touchpointCount,
      channels: channelCounts.map((x) => x.channel),
      channelCounts,
      firstSeenAt: c.firstSeenAt,
      lastSeenAt: c.lastSeenAt,
      lifetimeValue: c.lifetimeValue,
      orderCount: c.orderCount,
    };
  }
}

@Resolver(() => CustomerConnection)
export class CustomerConnectionResolver {
  @FieldResolver(() => Int, { description: 'Customers matching the filter, over all pages.' })
  totalCount(@Root() conn: CustomerConnection) {
    return conn.countTotal();
  }
}

@Resolver(() => UpsertCustomerResult)
export class UpsertCustomerResultResolver {
  // A WRITER key may be public (inside a tracking client): it must not read a profile back by
  // upserting someone's email.
  @Authorized(...Access.READ)
  @FieldResolver(() => Customer, { nullable: true, description: 'Needs a key that may read (not WRITER).' })
  customer(@Root() r: UpsertCustomerResult, @Ctx() ctx: Context) {
    return r.customerId ? ctx.loaders.customerById.load(r.customerId) : null;
  }
}
