/** GraphQL shapes of channel performance. */
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Channel } from '../../graphql/scalars.ts';
import { MarketingDimension } from './dimension.types.ts';

@ObjectType({ description: 'How one channel did: people reached on it and how many of them converted afterwards.' })
export class ChannelPerformance {
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true, description: 'by CAMPAIGN: the campaign (null: touches without one); by CHANNEL: null.' }) campaign!: string | null;
  @Field(() => Int, { description: 'People with at least one (non-conversion) touchpoint on the channel in scope.' }) customersReached!: number;
  @Field(() => Int, { description: 'Non-conversion touchpoints on the channel in scope.' }) touchpoints!: number;
  @Field(() => Int, { description: 'Reached people with a conversion in scope at or after their first touch on the channel.' })
  customersConverted!: number;
  @Field(() => Float, { description: 'customersConverted / customersReached.' }) conversionRate!: number;
  @Field(() => Float, { description: 'Revenue of those conversions (at or after the first touch on the channel).' }) revenue!: number;
  @Field(() => Float, { nullable: true, description: 'Median over converted people of the hours from their first touch on the channel to their first conversion after it.' })
  medianHoursToConvert!: number | null;
}

@ObjectType()
export class ChannelPerformanceResult {
  @Field(() => String) conversionEvent!: string;
  @Field(() => Int, { description: 'Channels reaching fewer people than this cannot be `best`.' }) minReached!: number;
  @Field(() => MarketingDimension) by!: MarketingDimension;
  @Field(() => [ChannelPerformance], { description: 'Every channel that reached someone, by conversion rate descending.' })
  channels!: ChannelPerformance[];
  @Field(() => Channel, { nullable: true, description: 'Highest conversion rate among channels reaching at least minReached people (ties: more conversions, then name).' })
  best!: Channel | null;
  @Field(() => String, { nullable: true, description: 'by CAMPAIGN: the campaign of the best (channel, campaign) row.' })
  bestCampaign!: string | null;
}
