/** GraphQL shapes of ROI. */
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Channel } from '../../graphql/scalars.ts';
import { AttributionModel, UnattributedConversions } from './attribution.types.ts';
import { MarketingDimension } from './dimension.types.ts';

@ObjectType({ description: 'Money in the base currency. Ratios are null when their denominator is 0.' })
export class RoiFigures {
  @Field(() => Float, { description: 'Spend recorded for the scope\'s days.' }) spend!: number;
  @Field(() => Float, { description: 'Conversions the model credits (fractional).' }) conversions!: number;
  @Field(() => Float, { description: 'Conversion value the model credits.' }) value!: number;
  @Field(() => Float, { nullable: true, description: 'spend / conversions.' }) costPerAcquisition!: number | null;
  @Field(() => Float, { nullable: true, description: 'value / spend.' }) roas!: number | null;
  @Field(() => Float, { nullable: true, description: '(value − spend) / spend.' }) roi!: number | null;
}

@ObjectType({ description: 'One channel (by CAMPAIGN: one channel and campaign) with spend or credited conversions.' })
export class RoiRow extends RoiFigures {
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true, description: 'by CAMPAIGN: the campaign (null: no campaign); by CHANNEL: null.' }) campaign!: string | null;
}

@ObjectType()
export class RoiResult {
  @Field(() => String) conversionEvent!: string;
  @Field(() => MarketingDimension) by!: MarketingDimension;
  @Field(() => AttributionModel) model!: AttributionModel;
  @Field(() => Int) lookbackDays!: number;
  @Field(() => String, { description: 'What spend and value are in.' }) baseCurrency!: string;
  @Field(() => String, { description: 'Spend counts from this date (the first UTC midnight at or after scope.from)...' }) firstSpendDate!: string;
  @Field(() => String, { description: '...to before this one (the first UTC midnight at or after scope.to).' }) endSpendDate!: string;
  @Field(() => RoiFigures, { description: 'All rows together.' }) total!: RoiFigures;
  @Field(() => UnattributedConversions, { description: 'Conversions with no touch in their lookback window: in no row.' }) unattributed!: UnattributedConversions;
  @Field(() => [RoiRow], { description: 'By spend, then value, descending.' }) rows!: RoiRow[];
}
