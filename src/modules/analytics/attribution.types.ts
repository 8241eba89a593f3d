/** GraphQL shapes of multi-touch attribution. */
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Channel } from '../../graphql/scalars.ts';
import { MarketingDimension } from './dimension.types.ts';

export enum AttributionModel {
  FIRST_TOUCH = 'FIRST_TOUCH',
  LAST_TOUCH = 'LAST_TOUCH',
  LINEAR = 'LINEAR',
  TIME_DECAY = 'TIME_DECAY',
  POSITION_BASED = 'POSITION_BASED',
  MARKOV = 'MARKOV',
}
registerEnumType(AttributionModel, {
  name: 'AttributionModel',
  description: 'How a conversion is shared among the touches of its journey.',
  valuesConfig: {
    FIRST_TOUCH: { description: 'All credit to the first touch of the journey.' },
    LAST_TOUCH: { description: 'All credit to the last touch before the conversion.' },
    LINEAR: { description: 'Equal credit to every touch.' },
    TIME_DECAY: { description: 'Credit ∝ 2^(−Δt/halfLife), Δt = time from the touch to the conversion; normalised per conversion.' },
    POSITION_BASED: { description: '40% first, 40% last, 20% shared by the touches between (one touch: 100%; two: 50/50).' },
    MARKOV: {
      description:
        'First-order Markov chain over channels (START → channels → CONVERSION | NULL) from converting and non-converting journeys; ' +
        'each channel gets conversions in proportion to its removal effect, computed exactly from the transition matrix.',
    },
  },
});

@ObjectType({ description: 'What one model gives one channel (by CAMPAIGN: one channel and campaign).' })
export class ChannelAttribution {
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true, description: 'by CAMPAIGN: the campaign of the touches (null: touches without one); by CHANNEL: null.' })
  campaign!: string | null;
  @Field(() => Float, { description: 'Attributed conversions (fractional).' }) conversions!: number;
  @Field(() => Float, { description: 'Attributed conversion value (revenue of the conversion touchpoints).' }) value!: number;
  @Field(() => Float, { description: 'conversions / attributed conversions of the model (0..1).' }) share!: number;
  @Field(() => Float, { nullable: true, description: 'MARKOV only: 1 − P(conversion without this channel) / P(conversion).' })
  removalEffect!: number | null;
}

@ObjectType()
export class ModelAttribution {
  @Field(() => AttributionModel) model!: AttributionModel;
  @Field(() => Float, { description: 'Sum over channels; equals AttributionResult.attributedConversions.' }) totalConversions!: number;
  @Field(() => Float, { description: 'Sum over channels; equals AttributionResult.attributedValue.' }) totalValue!: number;
  @Field(() => [ChannelAttribution], { description: 'Channels that got credit from any model, by conversions descending.' })
  channels!: ChannelAttribution[];
  @Field(() => Float, { nullable: true, description: 'MARKOV only: probability that a journey from START ends in a conversion.' })
  conversionProbability!: number | null;
}

@ObjectType({ description: 'Conversions that had no touch in their lookback window: counted, never credited to a made-up channel.' })
export class UnattributedConversions {
  @Field(() => Int) conversions!: number;
  @Field(() => Float) value!: number;
}

@ObjectType()
export class AttributionResult {
  @Field(() => String) conversionEvent!: string;
  @Field(() => Int) lookbackDays!: number;
  @Field(() => Float) halfLifeDays!: number;
  @Field(() => MarketingDimension) by!: MarketingDimension;
  @Field(() => Int, { description: 'Conversion touchpoints in scope.' }) conversions!: number;
  @Field(() => Float, { description: 'Their revenue.' }) conversionValue!: number;
  @Field(() => Int, { description: 'Conversions with at least one touch in their journey; what every model distributes.' })
  attributedConversions!: number;
  @Field(() => Float) attributedValue!: number;
  @Field(() => UnattributedConversions) unattributed!: UnattributedConversions;
  @Field(() => Int, { description: 'Journeys of people in scope with touches but no conversion (MARKOV NULL paths).' })
  nonConvertingJourneys!: number;
  @Field(() => [ModelAttribution]) models!: ModelAttribution[];
}
