/**
 * What every analytics query shares: the time range and an optional segment, validated here; the SQL
 * that applies them is in analytics.scope.sql.ts.
 */
import { ErrorCode, UserError } from '../../errors.ts';
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
