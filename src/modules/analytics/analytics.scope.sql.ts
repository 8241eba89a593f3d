/**
 * The SQL every analytics repository starts from: the scope's touchpoints, with "a person" meaning the
 * live customer (touchpoints of customers merged into another count for the winner). Builds SQL only.
 */
import { Prisma } from '../../generated/prisma/client.ts';
import type { AnalyticsScope } from './analytics.scope.ts';

/**
 * A CTE body selecting the scope's touchpoints as (person, id, event, channel, campaign, properties,
 * revenue, occurred_at): use it as `WITH tp AS (${scopedTouchpoints(scope)}) ...`. `extraColumns`
 * (written `, t.type, t.context`) adds touchpoint columns only the queries that need them pay for.
 */
export function scopedTouchpoints(scope: AnalyticsScope, extraWhere: Prisma.Sql = Prisma.empty, extraColumns: Prisma.Sql = Prisma.empty): Prisma.Sql {
  const segment = scope.segmentId
    ? Prisma.sql`AND COALESCE(c.merged_into_id, c.id) IN (SELECT customer_id FROM segment_membership WHERE segment_id = ${scope.segmentId}::uuid)`
    : Prisma.empty;
  return Prisma.sql`
    SELECT COALESCE(c.merged_into_id, c.id) AS person, t.id, t.event, t.channel, t.campaign, t.properties, t.revenue, t.occurred_at ${extraColumns}
    FROM touchpoint t JOIN customer c ON c.id = t.customer_id
    WHERE t.occurred_at >= ${scope.from}::timestamptz AND t.occurred_at < ${scope.to}::timestamptz ${segment} ${extraWhere}`;
}
