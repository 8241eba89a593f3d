/** Retention: validates, runs retention.repository.ts, lays the cells out as a matrix. */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { assertKnownEvents, eventName } from './funnel.service.ts';
import { retentionRepository } from './retention.repository.ts';
import { CohortPeriod, type RetentionResult } from './retention.types.ts';

export const MAX_PERIODS = 60;

/** Start of the period `k` periods after `start` (a period start, UTC). */
export function periodStart(start: Date, period: CohortPeriod, k: number): Date {
  if (period === CohortPeriod.MONTH) return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + k, 1));
  return new Date(start.getTime() + k * (period === CohortPeriod.WEEK ? 7 : 1) * 86_400_000);
}

export class RetentionService {
  constructor(private readonly db: Database) {}

  async retention(args: { scope: AnalyticsScopeInput; cohortPeriod: CohortPeriod; startEvent: string; returnEvent: string; periods: number }): Promise<RetentionResult> {
    const scope = validScope(args.scope);
    const startEvent = eventName(args.startEvent, 'startEvent');
    const returnEvent = eventName(args.returnEvent, 'returnEvent');
    const periods = args.periods;
    if (!Number.isInteger(periods) || periods < 1 || periods > MAX_PERIODS)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `periods must be 1 to ${MAX_PERIODS} (got ${periods})`, { field: 'periods' });
    await assertKnownEvents(this.db, [startEvent, returnEvent]);
    const rows = await retentionRepository.run(this.db.prisma, { scope, period: args.cohortPeriod, startEvent, returnEvent, periods });
    const cohorts = new Map<number, { start: Date; size: number; cells: Map<number, number> }>();
    for (const r of rows) {
      const key = r.cohort.getTime();
      const c = cohorts.get(key) ?? { start: r.cohort, size: 0, cells: new Map<number, number>() };
      cohorts.set(key, c);
      if (r.k === null) c.size = r.people;
      else c.cells.set(r.k, r.people);
    }
    return {
      cohortPeriod: args.cohortPeriod,
      periods,
      cohorts: [...cohorts.values()]
        .sort((a, b) => a.start.getTime() - b.start.getTime())
        .map((c) => {
          const retained = Array.from({ length: periods }, (_, k) => (periodStart(c.start, args.cohortPeriod, k) >= scope.to ? null : (c.cells.get(k) ?? 0)));
          return { start: c.start, size: c.size, retained, rates: retained.map((n) => (n === null ? null : n / c.size)) };
        }),
    };
  }
}
