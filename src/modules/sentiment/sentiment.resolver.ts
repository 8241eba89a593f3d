import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import type { CustomerRecord } from '../customers/customer.model.ts';
import { Customer } from '../customers/customer.type.ts';
import { CustomerSentiment, SentimentScore } from './sentiment.types.ts';

@Resolver()
export class SentimentResolver {
  @Authorized(...Access.READ)
  @Query(() => [SentimentScore], {
    description:
      'Scores up to 1,000 texts (each at most 5,000 characters) with the shipped models, in order. language: pt, zh or en; omitted: detected per text. Stores nothing.',
  })
  sentiment(
    @Arg('texts', () => [String]) texts: string[],
    @Arg('language', () => String, { nullable: true }) language: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.sentiment.scoreTexts(texts, language);
  }
}

@Resolver(() => Customer)
export class CustomerSentimentResolver {
  @FieldResolver(() => CustomerSentiment, { description: 'Sentiment of the free text of the person\'s touchpoints (docs/sentiment.md).' })
  sentiment(@Root() c: CustomerRecord, @Ctx() ctx: Context) {
    return ctx.loaders.sentimentByCustomerId.load(c.id);
  }
}
