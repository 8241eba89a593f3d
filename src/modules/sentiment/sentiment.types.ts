/** GraphQL shapes of sentiment: a scored text, and a profile's aggregate. */
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { SentimentLabel } from '../../generated/prisma/enums.ts';

registerEnumType(SentimentLabel, {
  name: 'SentimentLabel',
  description: 'NEGATIVE when score < −band, POSITIVE when score > band, else NEUTRAL (band: the model\'s neutralBand, 0.05; docs/sentiment.md).',
});
export { SentimentLabel };

@ObjectType({ description: 'The sentiment of one text.' })
export class SentimentScore {
  @Field(() => SentimentLabel) label!: SentimentLabel;
  @Field(() => Float, { description: '2·p(positive) − 1, in [−1, 1], 4 decimals.' }) score!: number;
  @Field(() => String, { description: 'The model that read it: pt, zh or en (given, or detected).' }) language!: string;
}

@ObjectType({ description: 'The latest scored touchpoint of a profile.' })
export class SentimentLast {
  @Field(() => SentimentLabel) label!: SentimentLabel;
  @Field(() => Float) score!: number;
  @Field(() => Date, { description: 'The touchpoint\'s event time.' }) at!: Date;
  @Field(() => ID) touchpointId!: string;
}

@ObjectType({ description: 'Sentiment of the free text of a person\'s touchpoints (over merged profiles).' })
export class CustomerSentiment {
  @Field(() => Int, { description: 'Touchpoints with a sentiment.' }) scoredCount!: number;
  @Field(() => Float, { nullable: true, description: 'Mean score, rounded to 4 decimals; null when none was scored. The sentimentAverage attribute of segment rules.' })
  average!: number | null;
  @Field(() => Int) negativeCount!: number;
  @Field(() => Int) neutralCount!: number;
  @Field(() => Int) positiveCount!: number;
  @Field(() => SentimentLast, { nullable: true, description: 'The scored touchpoint with the latest event time (ties: the greatest id).' })
  last!: SentimentLast | null;
}
