/** GraphQL input of a breakdown dimension, shared by the analyses that split their answer (trends, funnels). */
import { Field, InputType, registerEnumType } from 'type-graphql';

export enum BreakdownBy {
  CHANNEL = 'CHANNEL',
  SOURCE_NAME = 'SOURCE_NAME',
  EVENT_PROPERTY = 'EVENT_PROPERTY',
  CONTEXT = 'CONTEXT',
  TRAIT = 'TRAIT',
  ATTRIBUTE = 'ATTRIBUTE',
  SEGMENT = 'SEGMENT',
  ACCOUNT_TRAIT = 'ACCOUNT_TRAIT',
  HOUR_OF_DAY = 'HOUR_OF_DAY',
  DAY_OF_WEEK = 'DAY_OF_WEEK',
  SENTIMENT = 'SENTIMENT',
}
registerEnumType(BreakdownBy, {
  name: 'BreakdownBy',
  description:
    'What splits an answer. Touchpoint: CHANNEL, SOURCE_NAME, EVENT_PROPERTY (key; "revenue" reads the revenue column), CONTEXT (key: a dotted path such as "device.type"), HOUR_OF_DAY ("0".."23") and DAY_OF_WEEK ("1" = Monday .. "7" = Sunday) in the query\'s time zone, SENTIMENT (the label scored at ingest: NEGATIVE, NEUTRAL, POSITIVE; "None" for a touchpoint without free text). Person (the live customer, as it is now): TRAIT (key), ATTRIBUTE (key: one of country, city, gender, company, source, rfmTier, cluster (the latest clustering run), conversionProbability and churnProbability (by tenths, "0.7–0.8")), SEGMENT (the names of the segments the person is a current member of; a person in two segments counts in both), ACCOUNT_TRAIT (key: a trait of the person\'s account; a person in several accounts counts under the first they joined that has the trait).',
});

@InputType({ description: 'One breakdown dimension; `key` names the property, context path, trait or attribute where the dimension needs one.' })
export class BreakdownInput {
  @Field(() => BreakdownBy) by!: BreakdownBy;
  @Field(() => String, { nullable: true }) key?: string | null;
}
