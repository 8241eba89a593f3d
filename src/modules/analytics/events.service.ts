/** The event dictionary: validates, then exact counts per name and keys from a sample (events.repository.ts). */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { pageSize } from '../../graphql/pagination.ts';
import type { Channel, TouchpointType } from '../../generated/prisma/enums.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { eventsRepository, SAMPLE_SIZE, type EventKeyRow } from './events.repository.ts';
import { MAX_NAME } from './funnel.service.ts';
import { JsonType, type EventDictionary, type EventKey } from './events.types.ts';

const byCountThenValue = <T extends { count: number }>(key: (x: T) => string) => (a: T, b: T) => b.count - a.count || (key(a) < key(b) ? -1 : 1);

function keyOf(r: EventKeyRow): EventKey {
  return { key: r.key, seen: r.seen, types: r.types.map((t) => t.toUpperCase() as JsonType), examples: r.examples };
}

export class EventDictionaryService {
  constructor(private readonly db: Database) {}

  async events(args: { scope: AnalyticsScopeInput; first?: number | null; search?: string | null }): Promise<EventDictionary> {
    const scope = validScope(args.scope);
    const first = pageSize(args.first);
    const search = args.search ?? null;
    if (search !== null && (typeof search !== 'string' || search.length === 0 || search.length > MAX_NAME))
      throw new UserError(ErrorCode.BAD_USER_INPUT, `search must be 1 to ${MAX_NAME} characters`, { field: 'search' });

    const names = first === 0 ? [] : await eventsRepository.names(this.db.prisma, scope, search, first);
    // `first: 0` still answers how many names there are.
    const totalCount = first === 0 ? (await eventsRepository.names(this.db.prisma, scope, search, 1))[0]?.total ?? 0 : (names[0]?.total ?? 0);
    if (names.length === 0) return { totalCount, sampleSize: SAMPLE_SIZE, events: [] };

    const list = names.map((n) => n.name);
    const breakdowns = await eventsRepository.breakdowns(this.db.prisma, scope, list);
    const keys = await eventsRepository.keys(this.db.prisma, scope, list);
    return {
      totalCount,
      sampleSize: SAMPLE_SIZE,
      events: names.map((n) => ({
        name: n.name,
        count: n.count,
        customers: n.customers,
        firstSeen: n.firstSeen,
        lastSeen: n.lastSeen,
        channels: breakdowns
          .filter((b) => b.name === n.name && b.dim === 'channel')
          .map((b) => ({ channel: b.value as Channel, count: b.count }))
          .sort(byCountThenValue((x) => x.channel)),
        types: breakdowns
          .filter((b) => b.name === n.name && b.dim === 'type')
          .map((b) => ({ type: b.value as TouchpointType, count: b.count }))
          .sort(byCountThenValue((x) => x.type)),
        // The sample is the latest SAMPLE_SIZE touchpoints of the name in the same scope.
        sampled: Math.min(n.count, SAMPLE_SIZE),
        properties: keys.filter((k) => k.name === n.name && k.root === 'properties').map(keyOf),
        contextKeys: keys.filter((k) => k.name === n.name && k.root === 'context').map(keyOf),
      })),
    };
  }
}
