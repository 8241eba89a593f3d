/** GraphQL shapes of alerts. */
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AlertKind, type Channel as ChannelValue } from '../../generated/prisma/enums.ts';
import { PageInfo } from '../../graphql/pagination.ts';
import { Channel, JSONScalar } from '../../graphql/scalars.ts';

registerEnumType(AlertKind, {
  name: 'AlertKind',
  description:
    'CHURN_RISK: a customer went silent; ANOMALY: an hour of events on a channel far from its trailing baseline; WEBHOOK_FAILING: a webhook destination was paused because it keeps failing; NEGATIVE_FEEDBACK: a touchpoint whose free text was scored NEGATIVE (SENTIMENT_ALERT, SENTIMENT_ALERT_MIN_SCORE).',
});
export { AlertKind };

/** An alert as stored (and as published on alerts/raised, dates revived). */
export interface AlertRecord {
  id: string;
  kind: AlertKind;
  key: string;
  customerId: string | null;
  channel: ChannelValue | null;
  details: Record<string, unknown>;
  raisedAt: Date;
}

@ObjectType({ description: 'A condition the alert checker found; raised once per key.' })
export class Alert {
  @Field(() => ID) id!: string;
  @Field(() => AlertKind) kind!: AlertKind;
  @Field(() => String, { description: 'Dedup key: CHURN_RISK:<customerId>:<last event time>, ANOMALY:<channel>:<hour start>, WEBHOOK_FAILING:<webhookId>:<paused at> or NEGATIVE_FEEDBACK:<touchpointId>.' }) key!: string;
  @Field(() => ID, { nullable: true, description: 'CHURN_RISK: the customer (the merge winner at the time of the check); NEGATIVE_FEEDBACK: the customer the touchpoint was stored under.' }) customerId!: string | null;
  @Field(() => Channel, { nullable: true, description: 'ANOMALY: the channel.' }) channel!: ChannelValue | null;
  @Field(() => JSONScalar, {
    description:
      'CHURN_RISK: {event, lastEventAt, silenceDays, daysSilent}. ANOMALY: {hour, count, mean, std, z, threshold, baselineHours, activeHours}. WEBHOOK_FAILING: {webhookId, name, deadInARow, lastError}. NEGATIVE_FEEDBACK: {touchpointId, event, score, language, occurredAt}.',
  })
  details!: Record<string, unknown>;
  @Field(() => Date, { description: 'When the checker raised it (the server clock); NEGATIVE_FEEDBACK: when the touchpoint was stored.' }) raisedAt!: Date;
}

@ObjectType()
export class AlertEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Alert) node!: Alert;
}

@ObjectType()
export class AlertConnection {
  @Field(() => [AlertEdge]) edges!: AlertEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}
