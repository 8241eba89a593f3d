import { Field, Float, ID, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { MaskPii } from '../../graphql/pii.middleware.ts';
import { PageInfo } from '../../graphql/pagination.ts';
import { Channel, JSONObjectScalar, JSONScalar, TouchpointType } from '../../graphql/scalars.ts';
import { SentimentScore } from '../sentiment/sentiment.types.ts';

export enum IngestStatus {
  ACCEPTED = 'ACCEPTED',
  DUPLICATE = 'DUPLICATE',
  QUARANTINED = 'QUARANTINED',
  DROPPED = 'DROPPED',
}
registerEnumType(IngestStatus, { name: 'IngestStatus' });

export enum JourneyStage {
  AWARENESS = 'AWARENESS',
  CONSIDERATION = 'CONSIDERATION',
  PURCHASE = 'PURCHASE',
  AFTER_SALES = 'AFTER_SALES',
  ADVOCACY = 'ADVOCACY',
}
registerEnumType(JourneyStage, { name: 'JourneyStage', description: 'Where in the customer lifecycle a touchpoint sits.' });

@ObjectType({ description: 'One interaction of a customer with the brand, on one channel.' })
export class Touchpoint {
  @Field(() => ID) id!: string;
  @Field(() => String) messageId!: string;
  @Field(() => String, { description: 'The system the sender named (the event\'s `source`), else the sending key\'s scope. messageId is deduplicated per sending key, whatever this says.' }) source!: string;
  @Field(() => TouchpointType) type!: TouchpointType;
  @Field(() => String, { nullable: true }) event!: string | null;
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true }) sourceName!: string | null;
  @Field(() => JSONObjectScalar) @UseMiddleware(MaskPii('json')) properties!: Record<string, unknown>;
  @Field(() => JSONObjectScalar) @UseMiddleware(MaskPii('json')) context!: Record<string, unknown>;
  @Field(() => Float, { nullable: true, description: 'In the base currency (exchangeRates.baseCurrency); null when no amount was sent or while `currency` has no rate for the date.' })
  revenue!: number | null;
  @Field(() => String, { nullable: true, description: 'The currency the amount was sent in (none: the base currency).' }) currency!: string | null;
  @Field(() => Float, { nullable: true, description: 'The amount as sent, in `currency`.' }) originalRevenue!: number | null;
  @Field(() => String, { nullable: true, description: 'context.campaign.name, else utm_campaign of the page URL.' }) campaign!: string | null;
  @Field(() => Date) occurredAt!: Date;
  @Field(() => Date) receivedAt!: Date;
  @Field(() => String, { nullable: true }) sessionId!: string | null;
  @Field(() => ID, { description: 'The customer the touchpoint was recorded on (a merged-away one keeps its own).' })
  customerId!: string;
  @Field(() => SentimentScore, { nullable: true, description: 'Sentiment of its free text (SENTIMENT_TEXT_KEYS), scored at ingest; null without text.' })
  sentiment?: SentimentScore | null;
}

@ObjectType()
export class IngestResultType {
  @Field(() => Int) index!: number;
  @Field(() => IngestStatus) status!: IngestStatus;
  @Field(() => ID, { nullable: true }) touchpointId!: string | null;
  @Field(() => ID, { nullable: true }) customerId!: string | null;
  @Field(() => String, { nullable: true, description: 'snake_case reason for QUARANTINED / DUPLICATE / DROPPED.' }) reason!: string | null;
  @Field(() => String, { nullable: true }) message!: string | null;
}

@ObjectType({ description: 'accepted + duplicates + quarantined + dropped = number of touchpoints sent.' })
export class RecordTouchpointsPayload {
  @Field(() => Int) accepted!: number;
  @Field(() => Int) duplicates!: number;
  @Field(() => Int) quarantined!: number;
  @Field(() => Int, { description: 'Deliberately ignored (e.g. suppressed people).' }) dropped!: number;
  @Field(() => [IngestResultType]) results!: IngestResultType[];
}

@ObjectType({ description: 'An event that could not be stored, kept with its reason and raw payload.' })
export class FailedEvent {
  @Field(() => ID) id!: string;
  @Field(() => String) source!: string;
  @Field(() => String) reason!: string;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => JSONScalar, { nullable: true }) payload!: unknown;
  @Field(() => Date) receivedAt!: Date;
}

@ObjectType()
export class FailedEventEdge {
  @Field(() => String) cursor!: string;
  @Field(() => FailedEvent) node!: FailedEvent;
}

@ObjectType()
export class FailedEventConnection {
  @Field(() => [FailedEventEdge]) edges!: FailedEventEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType()
export class ReprocessFailedEventsPayload {
  @Field(() => Int, { description: 'Now stored (or found already stored).' }) reprocessed!: number;
  @Field(() => Int, { description: 'Still failing; their reason is updated.' }) stillFailing!: number;
  @Field(() => [ID], { description: 'Ids that are not (or no longer) failed events.' }) notFound!: string[];
  @Field(() => [IngestResultType]) results!: IngestResultType[];
}

@ObjectType({ description: 'A touchpoint in a journey, with its session and lifecycle stage.' })
export class JourneyStep {
  @Field(() => Touchpoint) touchpoint!: Touchpoint;
  @Field(() => Int, { description: 'Sessions are numbered from 1 in time order; a gap of inactivity starts a new one.' })
  session!: number;
  @Field(() => JourneyStage) stage!: JourneyStage;
  @Field(() => Boolean, { description: 'The previous touchpoint came through another channel.' }) channelSwitch!: boolean;
  @Field(() => Channel, { nullable: true }) previousChannel!: Channel | null;
}

@ObjectType()
export class JourneyEdge {
  @Field(() => String) cursor!: string;
  @Field(() => JourneyStep) node!: JourneyStep;
}

@ObjectType()
export class JourneySession {
  @Field(() => Int) session!: number;
  @Field(() => Date) startedAt!: Date;
  @Field(() => Date) endedAt!: Date;
  @Field(() => Int) touchpointCount!: number;
  @Field(() => [Channel]) channels!: Channel[];
}

@ObjectType()
export class JourneyConnection {
  @Field(() => [JourneyEdge]) edges!: JourneyEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
  @Field(() => [JourneySession], { description: 'Every session in the range (not only this page).' }) sessions!: JourneySession[];
  @Field(() => Int, { description: 'How many times the journey changed channel in the range.' }) channelSwitches!: number;
}

@ObjectType({ description: 'A touchpoint as it arrives (touchpointReceived): stored, or quarantined with its reason.' })
export class LiveTouchpoint {
  @Field(() => Boolean, { description: 'true: the event failed validation and is in failedEvents (OPERATOR/ADMIN can reprocess it).' }) quarantined!: boolean;
  @Field(() => ID, { nullable: true, description: 'The stored touchpoint; null when quarantined.' }) touchpointId!: string | null;
  @Field(() => String, { nullable: true }) messageId!: string | null;
  @Field(() => String, { nullable: true, description: 'TRACK, PAGE, ... (as sent, when quarantined).' }) type!: string | null;
  @Field(() => String, { nullable: true }) event!: string | null;
  @Field(() => Channel, { nullable: true, description: 'null when quarantined (it was never normalised).' }) channel!: Channel | null;
  @Field(() => String) source!: string;
  @Field(() => ID, { nullable: true }) customerId!: string | null;
  @Field(() => String, { nullable: true, description: 'Why it was quarantined (snake_case).' }) reason!: string | null;
  @Field(() => Date, { nullable: true }) occurredAt!: Date | null;
  @Field(() => Date) receivedAt!: Date;
  @Field(() => Int, { description: 'Matching events not delivered to this subscriber since the previous one: the stream is sampled above 50 events a second per subscriber.' })
  skippedBefore!: number;
}
