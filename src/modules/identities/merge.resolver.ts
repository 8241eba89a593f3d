import { Authorized, Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { Customer } from '../customers/customer.type.ts';
import type { MergeRecord } from './merge.repository.ts';
import { MergeEvent } from './merge.type.ts';

@Resolver(() => MergeEvent)
export class MergeResolver {
  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => MergeEvent, { description: 'Fold loser into winner by hand. Refused with MERGE_CONFLICT when it would break an identity cap.' })
  mergeCustomers(
    @Arg('winnerId', () => ID) winnerId: string,
    @Arg('loserId', () => ID) loserId: string,
    @Arg('reason', () => String, { defaultValue: 'manual' }) reason: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.merges.merge(winnerId, loserId, reason.slice(0, 256));
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => MergeEvent, { description: 'Undo a merge: the loser comes back with exactly its own identities, touchpoints and tags.' })
  unmergeCustomers(@Arg('mergeId', () => ID) mergeId: string, @Ctx() ctx: Context) {
    return ctx.services.merges.unmerge(mergeId);
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The live customer the winner is now (it may itself have been merged since).' })
  winner(@Root() m: MergeRecord, @Ctx() ctx: Context) {
    return ctx.services.customers.byId(m.winnerId);
  }

  @FieldResolver(() => Customer, { nullable: true })
  loser(@Root() m: MergeRecord, @Ctx() ctx: Context) {
    return ctx.loaders.customerById.load(m.loserId);
  }
}
