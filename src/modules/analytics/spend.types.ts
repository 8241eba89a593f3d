/** GraphQL shapes of ad spend. */
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { Channel } from '../../graphql/scalars.ts';

@InputType({ description: 'What was spent on one channel and campaign on one day. (date, channel, campaign) is the key: a resend replaces the amount.' })
export class SpendInput {
  @Field(() => String, { description: 'UTC calendar date, YYYY-MM-DD.' }) date!: string;
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true, description: 'As touches carry it (context.campaign.name / utm_campaign); omitted: spend on no particular campaign.' })
  campaign?: string | null;
  @Field(() => Float, { description: 'At least 0; kept to the cent.' }) amount!: number;
  @Field(() => String, { nullable: true, description: 'ISO 4217; default the base currency. Another currency needs a rate in effect on `date`.' })
  currency?: string | null;
}

@ObjectType()
export class RecordSpendPayload {
  @Field(() => Int, { description: 'Rows new to their (date, channel, campaign).' }) inserted!: number;
  @Field(() => Int, { description: 'Rows that replaced the amount stored for their (date, channel, campaign).' }) replaced!: number;
  @Field(() => String, { description: 'The currency spend is kept in for ROI.' }) baseCurrency!: string;
}
