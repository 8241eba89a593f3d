/** Paths: validates, runs paths.repository.ts, adds shares. */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { assertKnownEvents, eventName } from './funnel.service.ts';
import { pathsRepository } from './paths.repository.ts';
import type { PathsResult } from './paths.types.ts';

export const MAX_DEPTH = 10;
export const MAX_LIMIT = 100;

export class PathsService {
  constructor(private readonly db: Database) {}

  async paths(args: { scope: AnalyticsScopeInput; startEvent?: string | null; endEvent?: string | null; depth: number; limit: number }): Promise<PathsResult> {
    const scope = validScope(args.scope);
    const hasStart = args.startEvent != null;
    if (hasStart === (args.endEvent != null))
      throw new UserError(ErrorCode.BAD_USER_INPUT, 'give exactly one of startEvent (paths after it) and endEvent (paths before it)', { field: hasStart ? 'endEvent' : 'startEvent' });
    const anchor = hasStart ? eventName(args.startEvent, 'startEvent') : eventName(args.endEvent, 'endEvent');
    if (!Number.isInteger(args.depth) || args.depth < 1 || args.depth > MAX_DEPTH)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `depth must be 1 to ${MAX_DEPTH} (got ${args.depth})`, { field: 'depth' });
    if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIMIT)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `limit must be 1 to ${MAX_LIMIT} (got ${args.limit})`, { field: 'limit' });
    await assertKnownEvents(this.db, [anchor]);
    const rows = await pathsRepository.run(this.db.prisma, { scope, anchor, forward: hasStart, depth: args.depth, limit: args.limit });
    const total = rows[0]?.total ?? 0;
    return {
      startEvent: hasStart ? anchor : null,
      endEvent: hasStart ? null : anchor,
      depth: args.depth,
      totalPeople: total,
      paths: rows.map((r) => ({ events: r.events, people: r.people, share: r.people / total })),
    };
  }
}
