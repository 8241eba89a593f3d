/** GraphQL shapes of alerts. */
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AlertKind, type Channel as ChannelValue } from '../../generated/prisma/enums.ts';
import { PageInfo } from '../../graphql/pagination.ts';
import { Channel, JSONScalar } from '../../graphql/scalars.ts';

registerEnumType(AlertKind, {
  name: 'AlertKind',
  description:
    'CHURN_RISK: a customer went silent; ANOMALY: an hour of events on a channel far from its trailing baseline; WEBHOOK_FAILING: a webhook destination was paused because it keeps failing.',
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
  @Field(() => String, { description: 'Dedup key: CHURN_RISK:<customerId>:<last event time>, ANOMALY:<channel>:<hour start> or WEBHOOK_FAILING:<webhookId>:<paused at>.' }) key!: string;
  @Field(() => ID, { nullable: true, description: 'CHURN_RISK: the customer (the merge winner at the time of the check).' }) customerId!: string | null;
  @Field(() => Channel, { nullable: true, description: 'ANOMALY: the channel.' }) channel!: ChannelValue | null;
  @Field(() => JSONScalar, {
    description:
      'CHURN_RISK: {event, lastEventAt, silenceDays, daysSilent}. ANOMALY: {hour, count, mean, std, z, threshold, baselineHours, activeHours}. WEBHOOK_FAILING: {webhookId, name, deadInARow, lastError}.',
  })
  details!: Record<string, unknown>;
  @Field(() => Date, { description: 'When the checker raised it (the server clock).' }) raisedAt!: Date;
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
