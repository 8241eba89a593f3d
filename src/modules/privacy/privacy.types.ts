import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What one eraseCustomer call changed. A repeat changes nothing and answers zeros with alreadyErased.' })
export class EraseCustomerPayload {
  @Field(() => ID, { description: 'The live customer whose set was erased (the winner when a merged-away id was given).' }) customerId!: string;
  @Field(() => [ID], { description: 'It and every customer merged into it.' }) customerIds!: string[];
  @Field(() => Date, { description: 'When the person was first erased.' }) erasedAt!: Date;
  @Field(() => Boolean) alreadyErased!: boolean;
  @Field(() => Int) customersScrubbed!: number;
  @Field(() => Int) identitiesRemoved!: number;
  @Field(() => Int, { description: 'Touchpoints whose properties and context were blanked; event, channel, times and revenue stay.' }) touchpointsScrubbed!: number;
  @Field(() => Int, { description: 'Identifiers (hashed) whose future events and rows are now dropped.' }) suppressedIdentifiersAdded!: number;
  @Field(() => Int, { description: 'Quarantined events that carried one of the person’s identifiers.' }) failedEventsDeleted!: number;
  @Field(() => Int) tagsRemoved!: number;
  @Field(() => Int) segmentsLeft!: number;
  @Field(() => Int) mergeEntriesScrubbed!: number;
}
