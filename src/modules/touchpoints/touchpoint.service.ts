/** Touchpoints in and out: recording through the pipeline, journeys, and the quarantine. */
import type { Config } from '../../config/env.ts';
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { Channel } from '../../generated/prisma/enums.ts';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize } from '../../graphql/pagination.ts';
import { isUuid } from '../../lib/uuid.ts';
import { failedEventQueries } from '../ingestion/failed-event.queries.ts';
import type { IngestionService } from '../ingestion/ingestion.service.ts';
import { dedupScopeOfKey } from '../ingestion/ingestion.model.ts';
import { stageOf } from './journey-stages.ts';
import { journeyRepository, type JourneyQuery, type JourneyRow } from './journey.repository.ts';
import { toRawEvent, type TouchpointInput } from './touchpoint.inputs.ts';

export interface JourneyArgs {
  from?: Date | null;
  to?: Date | null;
  channels?: Channel[] | null;
  first?: number | null;
  after?: string | null;
}

function afterKey(after: string | null | undefined): { occurredAt: Date; id: string } | null {
  if (!after) return null;
  const [at, id] = decodeCursor(after, 2);
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || !isUuid(id)) throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor is not one this server issued');
  return { occurredAt: new Date(at), id: id as string };
}

export class TouchpointService {
  constructor(
    private readonly db: Database,
    private readonly deps: { ingestion: IngestionService; config: Pick<Config, 'sessionTimeoutMinutes' | 'stageMap'> },
  ) {}

  /** Dedup is scoped to the sending key, as on /v1: a `source` in the input cannot choose the scope. */
  record(inputs: TouchpointInput[], keyId: string) {
    return this.deps.ingestion.ingest(inputs.map(toRawEvent), { source: dedupScopeOfKey(keyId) });
  }

  /** `pageOf` reads the page (the request's profile loader, so it shares a statement with the profile's other parts). */
  async journey(customerId: string, args: JourneyArgs, pageOf: (q: JourneyQuery, take: number, after: { occurredAt: Date; id: string } | null) => Promise<JourneyRow[]>) {
    const take = pageSize(args.first);
    if (args.from && args.to && args.from >= args.to) throw new UserError(ErrorCode.BAD_USER_INPUT, '`from` must be before `to`', { field: 'from' });
    const q = { customerId, from: args.from ?? null, to: args.to ?? null, channels: args.channels?.length ? args.channels : null, gapMinutes: this.deps.config.sessionTimeoutMinutes };
    const rows = await pageOf(q, take + 1, afterKey(args.after));
    const page = rows.slice(0, take);
    const edges = page.map((r) => {
      const { session, previousChannel, ...touchpoint } = r;
      return {
        cursor: encodeCursor([r.occurredAt.toISOString(), r.id]),
        node: { touchpoint, session, previousChannel, channelSwitch: previousChannel !== null && previousChannel !== r.channel, stage: stageOf(this.deps.config.stageMap, r) },
      };
    });
    let summary: Awaited<ReturnType<typeof journeyRepository.summary>> | undefined;
    const loadSummary = async () => (summary ??= await journeyRepository.summary(this.db.prisma, q));
    return {
      edges,
      pageInfo: pageInfoOf(edges, rows.length, take, args.after),
      sessions: () => loadSummary(),
      totalCount: async () => (await loadSummary()).reduce((n, s) => n + s.touchpointCount, 0),
      channelSwitches: async () => (await loadSummary()).reduce((n, s) => n + s.switches, 0),
    };
  }

  async failedEvents(args: { reason?: string | null; first?: number | null; after?: string | null }) {
    const take = pageSize(args.first);
    const after = afterKey(args.after);
    const rows = await failedEventQueries.page(this.db.prisma, { reason: args.reason, take: take + 1, after: after && { receivedAt: after.occurredAt, id: after.id } });
    const edges = rows.slice(0, take).map((node) => ({ cursor: encodeCursor([node.receivedAt.toISOString(), node.id]), node }));
    return {
      edges,
      pageInfo: pageInfoOf(edges, rows.length, take, args.after),
      totalCount: () => failedEventQueries.count(this.db.prisma, args.reason),
    };
  }

  /** Runs quarantined events through the pipeline again (e.g. after fixing a mapping or a limit). */
  async reprocess(ids: string[]) {
    if (ids.length > 1000) throw new UserError(ErrorCode.BATCH_TOO_LARGE, 'at most 1000 ids a call', { max: 1000 });
    const valid = ids.filter(isUuid);
    const rows = (await failedEventQueries.byIds(this.db.prisma, valid)).filter((r) => r.reprocessedAt === null);
    const found = new Set(rows.map((r) => r.id));
    const notFound = ids.filter((id) => !found.has(id));
    const bySource = new Map<string, typeof rows>();
    for (const r of rows) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
    const results = [];
    let reprocessed = 0;
    let stillFailing = 0;
    for (const [source, group] of bySource) {
      // The original receipt, not now: the event's time is corrected for clock skew from it.
      const receivedAts = group.map((r) => r.receivedAt);
      const outcome = await this.deps.ingestion.ingest(group.map((r) => r.payload), { source: source || undefined, receivedAts, quarantine: false });
      const done: string[] = [];
      for (const [i, res] of outcome.results.entries()) {
        const row = group[i]!;
        if (res.status === 'QUARANTINED') {
          stillFailing++;
          await failedEventQueries.updateReason(this.db.prisma, row.id, res.reason!, res.message ?? '');
        } else {
          reprocessed++;
          done.push(row.id);
        }
        results.push({ ...res, index: ids.indexOf(row.id) });
      }
      await failedEventQueries.markReprocessed(this.db.prisma, done);
    }
    return { reprocessed, stillFailing, notFound, results: results.sort((a, b) => a.index - b.index) };
  }
}
