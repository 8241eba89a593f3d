/** GraphQL shapes of exchange rates. */
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';

@InputType({ description: 'From validFrom on (until the next row of the same currency), one `currency` is worth `rate` units of the base currency.' })
export class ExchangeRateInput {
  @Field(() => String, { description: 'ISO 4217, e.g. "EUR"; not the base currency.' }) currency!: string;
  @Field(() => String, { description: 'UTC calendar date, YYYY-MM-DD.' }) validFrom!: string;
  @Field(() => Float, { description: 'Units of the base currency per unit of `currency`; kept to 10 decimals.' }) rate!: number;
}

@ObjectType()
export class ExchangeRate {
  @Field(() => String) currency!: string;
  @Field(() => String) validFrom!: string;
  @Field(() => Float) rate!: number;
}

@ObjectType({ description: 'Stored amounts in a currency that had no rate in effect on their date: in no sum until a rate is set.' })
export class PendingConversions {
  @Field(() => String) currency!: string;
  @Field(() => Int) touchpoints!: number;
}

@ObjectType()
export class ExchangeRateList {
  @Field(() => String, { description: 'BASE_CURRENCY: what every sum of money is in.' }) baseCurrency!: string;
  @Field(() => [ExchangeRate], { description: 'By currency, then validFrom.' }) rates!: ExchangeRate[];
  @Field(() => [PendingConversions]) pending!: PendingConversions[];
}

@ObjectType()
export class SetExchangeRatesPayload {
  @Field(() => Int, { description: 'Rates new to (currency, validFrom).' }) inserted!: number;
  @Field(() => Int, { description: 'Rates that replaced the one stored for the same (currency, validFrom).' }) replaced!: number;
  @Field(() => Int, { description: 'Stored amounts that were waiting for a rate and were converted now.' }) converted!: number;
  @Field(() => Int, { description: 'Stored amounts still waiting for a rate.' }) pending!: number;
}
