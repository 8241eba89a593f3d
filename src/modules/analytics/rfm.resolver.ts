import { Authorized, Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { Customer } from '../customers/customer.type.ts';
import { AnalyticsScopeInput } from './analytics.scope.input.ts';
import { DEFAULT_ORDER_EVENT } from './rfm.service.ts';
import { RfmCustomer, RfmResult, RfmTier } from './rfm.types.ts';

@Resolver(() => RfmCustomer)
export class RfmResolver {
  @Authorized(...Access.READ)
  @Query(() => RfmResult, {
    description:
      'Recency, frequency and monetary quintile scores per customer with at least one order (event = orderEvent, revenue > 0) at or before asOf, and the named tiers.',
  })
  rfm(
    @Arg('asOf', () => Date) asOf: Date,
    @Arg('scope', () => AnalyticsScopeInput, { nullable: true, description: 'Only orders in this range (and segment); by default every order up to asOf.' })
    scope: AnalyticsScopeInput | null,
    @Arg('orderEvent', () => String, { defaultValue: DEFAULT_ORDER_EVENT }) orderEvent: string,
    @Arg('tier', () => RfmTier, { nullable: true, description: 'Page only customers of this tier (tier sizes are always of all).' }) tier: RfmTier | null,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; default 20.' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.rfm.rfm({ asOf, scope, orderEvent, tier, first, after });
  }

  @FieldResolver(() => Customer, { nullable: true })
  customer(@Root() row: RfmCustomer, @Ctx() ctx: Context) {
    return ctx.loaders.customerById.load(row.customerId);
  }
}
