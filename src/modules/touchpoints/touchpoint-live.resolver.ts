import { Arg, Authorized, Ctx, FieldResolver, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../../graphql/context.ts';
import { recheckedStream } from '../../graphql/subscription-guard.ts';
import { Access } from '../auth/access.ts';
import { Customer } from '../customers/customer.type.ts';
import type { LiveTouchpoint as LiveTouchpointRecord } from './touchpoint.feed.ts';
import { LiveTouchpointFilter } from './touchpoint.inputs.ts';
import { LiveTouchpoint } from './touchpoint.type.ts';

@Resolver(() => LiveTouchpoint)
export class LiveTouchpointResolver {
  @Authorized(...Access.READ)
  @Subscription(() => LiveTouchpoint, {
    description:
      'Touchpoints as they are ingested, after their commit, stored and quarantined alike; at most 50 a second per subscriber (the rest are counted in skippedBefore). READER keys see the customer masked.',
    subscribe: ({ args, context }) =>
      recheckedStream(context as Context, Access.READ, (context as Context).services.liveTouchpoints.subscribe((args.filter as LiveTouchpointFilter | null) ?? {})),
  })
  touchpointReceived(@Root() e: LiveTouchpointRecord, @Arg('filter', () => LiveTouchpointFilter, { nullable: true }) _filter?: LiveTouchpointFilter | null) {
    // Dates cross processes as ISO strings.
    return { ...e, occurredAt: e.occurredAt ? new Date(e.occurredAt) : null, receivedAt: new Date(e.receivedAt) };
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer it was stored under, as they are now.' })
  customer(@Root() e: Pick<LiveTouchpointRecord, 'customerId'>, @Ctx() ctx: Context) {
    return e.customerId ? ctx.loaders.customerById.load(e.customerId) : null;
  }
}
