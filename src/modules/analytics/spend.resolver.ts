import { Arg, Authorized, Ctx, Mutation, Resolver, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import { RecordSpendPayload, SpendInput } from './spend.types.ts';

@Resolver()
export class SpendResolver {
  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => RecordSpendPayload, {
    description:
      'Stores ad spend (up to 1,000 rows a call), idempotent per (date, channel, campaign): a resend replaces the amount. ' +
      'Validated whole: a bad row refuses the batch with its index and nothing is stored.',
  })
  recordSpend(@Arg('input', () => [SpendInput]) input: SpendInput[], @Ctx() ctx: Context) {
    return ctx.services.spend.recordSpend(input);
  }
}
