/** GraphQL shapes of webhook destinations, their stats and dead letters. */
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Channel as ChannelValue } from '../../generated/prisma/enums.ts';
import { PageInfo } from '../../graphql/pagination.ts';
import { Channel } from '../../graphql/scalars.ts';
import { AlertKind } from '../alerts/alert.types.ts';

export enum WebhookEventKind {
  SEGMENT_CHANGES = 'SEGMENT_CHANGES',
  ALERTS = 'ALERTS',
  TOUCHPOINTS = 'TOUCHPOINTS',
}
registerEnumType(WebhookEventKind, {
  name: 'WebhookEventKind',
  description: 'SEGMENT_CHANGES: segment ENTERED/LEFT, in seq order; ALERTS: alerts as raised; TOUCHPOINTS: stored touchpoints that match the event filter.',
});

export enum WebhookStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
}
registerEnumType(WebhookStatus, { name: 'WebhookStatus', description: 'PAUSED: nothing is sent (items keep queueing) until resumeWebhook.' });

@InputType({ description: 'Which touchpoints a TOUCHPOINTS destination gets; an empty or absent list matches every value.' })
export class WebhookEventFilterInput {
  @Field(() => [String], { nullable: true, description: 'Event names (exact).' }) events?: string[] | null;
  @Field(() => [Channel], { nullable: true }) channels?: ChannelValue[] | null;
}

@InputType()
export class CreateWebhookInput {
  @Field(() => String, { description: 'Unique, 1-200 characters.' }) name!: string;
  @Field(() => String, { description: 'https URL to a public host (http and private hosts only when WEBHOOK_ALLOWED_HOSTS names them).' }) url!: string;
  @Field(() => [WebhookEventKind]) events!: WebhookEventKind[];
  @Field(() => [ID], { nullable: true, description: 'SEGMENT_CHANGES of these segments only; absent or empty: every segment.' }) segmentIds?: string[] | null;
  @Field(() => [AlertKind], { nullable: true, description: 'ALERTS of these kinds only; absent or empty: every kind.' }) alertKinds?: AlertKind[] | null;
  @Field(() => WebhookEventFilterInput, { nullable: true }) eventFilter?: WebhookEventFilterInput | null;
  @Field(() => String, { nullable: true, description: 'Signing secret (16-200 characters); absent: one is made and returned once.' }) secret?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: personal data in payloads is masked as for READER keys. Default false (the ADMIN who made it sees it in full).' })
  maskPii?: boolean | null;
}

@InputType({ description: 'Only the fields given change.' })
export class UpdateWebhookInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => [WebhookEventKind], { nullable: true }) events?: WebhookEventKind[] | null;
  @Field(() => [ID], { nullable: true }) segmentIds?: string[] | null;
  @Field(() => [AlertKind], { nullable: true }) alertKinds?: AlertKind[] | null;
  @Field(() => WebhookEventFilterInput, { nullable: true }) eventFilter?: WebhookEventFilterInput | null;
  @Field(() => String, { nullable: true }) secret?: string | null;
  @Field(() => Boolean, { nullable: true }) maskPii?: boolean | null;
}

@ObjectType()
export class WebhookEventFilter {
  @Field(() => [String]) events!: string[];
  @Field(() => [Channel]) channels!: ChannelValue[];
}

@ObjectType({ description: 'Totals since the destination was made, over every server process (docs/webhooks.md#counts).' })
export class WebhookStats {
  @Field(() => Float, { description: 'Items the receiver acknowledged (2xx).' }) delivered!: number;
  @Field(() => Float, { description: 'Item sends that were retries (attempt 2 or later).' }) retried!: number;
  @Field(() => Float, { description: 'Item sends that failed (network error, timeout, non-2xx).' }) failed!: number;
  @Field(() => Float, { description: 'Items moved to the dead letters.' }) deadLettered!: number;
  @Field(() => Int, { description: 'Alerts and touchpoints waiting (segment changes wait in the outbox after segmentCursor).' }) pending!: number;
  @Field(() => Int, { description: 'Dead letters held now (replayed ones leave).' }) deadLetters!: number;
  @Field(() => Float, { description: 'Requests made.' }) requests!: number;
  @Field(() => Float, { nullable: true, description: 'Mean request latency in ms (send to answer).' }) latencyMsAvg!: number | null;
  @Field(() => Int, { description: 'Slowest request in ms.' }) latencyMsMax!: number;
  @Field(() => Date, { nullable: true }) lastDeliveredAt!: Date | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => Int, { description: 'Items dead-lettered since the last success; WEBHOOK_PAUSE_AFTER_DEAD of them pause the destination.' }) consecutiveDead!: number;
  @Field(() => String, { description: 'The last membership-outbox seq acknowledged (or passed as not concerning this destination).' }) segmentCursor!: string;
}

@ObjectType({ description: 'A webhook destination. Its secret is never shown again after creation; secretHint is its last 4 characters.' })
export class Webhook {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) url!: string;
  @Field(() => [WebhookEventKind]) events!: WebhookEventKind[];
  @Field(() => [ID]) segmentIds!: string[];
  @Field(() => [AlertKind]) alertKinds!: AlertKind[];
  @Field(() => WebhookEventFilter) eventFilter!: WebhookEventFilter;
  @Field(() => Boolean) maskPii!: boolean;
  @Field(() => WebhookStatus) status!: WebhookStatus;
  @Field(() => String, { nullable: true }) pausedReason!: string | null;
  @Field(() => String) secretHint!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => WebhookStats) stats!: WebhookStats;
}

@ObjectType()
export class CreatedWebhook {
  @Field(() => Webhook) webhook!: Webhook;
  @Field(() => String, { description: 'The signing secret: shown in this answer only.' }) secret!: string;
}

@ObjectType({ description: 'An item given up on; replayWebhookDeadLetters sends it again with the same idempotency key.' })
export class WebhookDeadLetter {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'SEGMENT_CHANGE, ALERT or TOUCHPOINT.' }) kind!: string;
  @Field(() => String, { description: 'The idempotency key (the item id in payloads): seg:<seq>, alert:<id>, tp:<id>.' }) itemKey!: string;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) deadAt!: Date | null;
}

@ObjectType()
export class WebhookDeadLetterEdge {
  @Field(() => String) cursor!: string;
  @Field(() => WebhookDeadLetter) node!: WebhookDeadLetter;
}

@ObjectType()
export class WebhookDeadLetterConnection {
  @Field(() => [WebhookDeadLetterEdge]) edges!: WebhookDeadLetterEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class ReplayedDeadLetters {
  @Field(() => Int, { description: 'Dead letters put back in the queue by this call (0 when they were replayed already).' }) replayed!: number;
}
