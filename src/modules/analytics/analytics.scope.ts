/**
 * What every analytics query shares: the time range, an optional segment, and "a person" meaning the
 * live customer (touchpoints of customers merged into another count for the winner).
 */
import { ErrorCode, UserError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { isUuid } from '../../lib/uuid.ts';

/** What a client sends (the GraphQL input class lives in analytics.scope.input.ts). */
export interface AnalyticsScopeInput {
  from: Date;
  to: Date;
  segmentId?: string | null;
}

export interface AnalyticsScope {
  from: Date;
  to: Date;
  segmentId: string | null;
}

export const MAX_RANGE_DAYS = 3660;

export function validScope(input: AnalyticsScopeInput): AnalyticsScope {
  if (!(input.from instanceof Date) || !(input.to instanceof Date) || Number.isNaN(+input.from) || Number.isNaN(+input.to))
    throw new UserError(ErrorCode.BAD_USER_INPUT, 'from and to must be date-times', { field: 'scope' });
  if (input.from >= input.to) throw new UserError(ErrorCode.BAD_USER_INPUT, '`from` must be before `to`', { field: 'scope.from' });
  if (+input.to - +input.from > MAX_RANGE_DAYS * 86_400_000)
    throw new UserError(ErrorCode.BAD_USER_INPUT, `the range may span at most ${MAX_RANGE_DAYS} days`, { field: 'scope' });
  if (input.segmentId != null && !isUuid(input.segmentId)) throw new UserError(ErrorCode.BAD_USER_INPUT, 'segmentId is not a segment id', { field: 'scope.segmentId' });
  return { from: input.from, to: input.to, segmentId: input.segmentId ?? null };
}

/**
 * A CTE body selecting the scope's touchpoints as (person, id, event, channel, properties, revenue,
 * occurred_at): use it as `WITH tp AS (${scopedTouchpoints(scope)}) ...`.
 */
export function scopedTouchpoints(scope: AnalyticsScope, extraWhere: Prisma.Sql = Prisma.empty): Prisma.Sql {
  const segment = scope.segmentId
    ? Prisma.sql`AND COALESCE(c.merged_into_id, c.id) IN (SELECT customer_id FROM segment_membership WHERE segment_id = ${scope.segmentId}::uuid)`
    : Prisma.empty;
  return Prisma.sql`
    SELECT COALESCE(c.merged_into_id, c.id) AS person, t.id, t.event, t.channel, t.properties, t.revenue, t.occurred_at
    FROM touchpoint t JOIN customer c ON c.id = t.customer_id
    WHERE t.occurred_at >= ${scope.from}::timestamptz AND t.occurred_at < ${scope.to}::timestamptz ${segment} ${extraWhere}`;
}
