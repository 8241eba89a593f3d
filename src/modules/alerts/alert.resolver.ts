import { Authorized, Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { recheckedStream } from '../../graphql/subscription-guard.ts';
import { Customer } from '../customers/customer.type.ts';
import { Alert, AlertConnection, AlertKind, type AlertRecord } from './alert.types.ts';

@Resolver(() => Alert)
export class AlertResolver {
  @Authorized(...Access.READ)
  @Query(() => AlertConnection, { description: 'Stored alerts, newest first.' })
  alerts(
    @Ctx() ctx: Context,
    @Arg('kind', () => AlertKind, { nullable: true }) kind?: AlertKind | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.alerts.list({ kind, first, after });
  }

  @Authorized(...Access.READ)
  @Subscription(() => Alert, {
    description: 'Alerts as the checker raises them (each once). kinds: only these kinds; empty or absent: all.',
    subscribe: ({ args, context }) =>
      recheckedStream(context as Context, Access.READ, (context as Context).services.alerts.subscribe((args.kinds as AlertKind[] | null | undefined) ?? null)),
  })
  alertRaised(@Root() alert: AlertRecord, @Arg('kinds', () => [AlertKind], { nullable: true }) _kinds?: AlertKind[] | null): AlertRecord {
    return alert;
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'CHURN_RISK: the customer as they are now.' })
  customer(@Root() a: AlertRecord, @Ctx() ctx: Context) {
    return a.customerId ? ctx.loaders.customerById.load(a.customerId) : null;
  }
}
