import { Arg, Authorized, Ctx, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import { ExchangeRateInput, ExchangeRateList, SetExchangeRatesPayload } from './currency.types.ts';

@Resolver()
export class CurrencyResolver {
  @Authorized(...Access.READ)
  @Query(() => ExchangeRateList, { description: 'The base currency, the rate table, and the stored amounts still waiting for a rate.' })
  exchangeRates(@Arg('currency', () => String, { nullable: true, description: 'Only this currency.' }) currency: string | null, @Ctx() ctx: Context) {
    return ctx.services.currency.exchangeRates(currency);
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited())
  @Mutation(() => SetExchangeRatesPayload, {
    description:
      'Stores rates to the base currency (a resend of the same currency and validFrom replaces the rate; at most 1,000 a call, ' +
      'validated whole: one bad row refuses the batch with its index). Amounts that were waiting for a rate are converted at ' +
      'the rate in effect on their date; amounts already converted keep theirs.',
  })
  setExchangeRates(@Arg('rates', () => [ExchangeRateInput]) rates: ExchangeRateInput[], @Ctx() ctx: Context) {
    return ctx.services.currency.setExchangeRates(rates);
  }
}
