/**
 * The audit log: who (key id and name), did what (the operation), to which record (ids only, never
 * personal data), with what outcome, when. GraphQL mutations and privacy reads are recorded by the
 * Audited middleware; the CLI records its own key operations.
 */
import type { Database } from '../../db/client.ts';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize, type PageInfo } from '../../graphql/pagination.ts';
import type { Logger } from '../../logger.ts';
import { auditRepository, type AuditRecord, type NewAuditEntry } from './audit.repository.ts';

export interface AuditPage {
  edges: { cursor: string; node: AuditRecord }[];
  pageInfo: PageInfo;
}

export class AuditService {
  private readonly log: Logger;
  private readonly failureListeners: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; clock: () => Date },
  ) {
    this.log = deps.logger.child({ module: 'audit-service' });
  }

  async record(entry: Omit<NewAuditEntry, 'at'> & { at?: Date }): Promise<void> {
    await auditRepository.insert(this.db.prisma, { ...entry, at: entry.at ?? this.deps.clock() });
    this.log.info({ action: entry.action, target: entry.target, outcome: entry.outcome, apiKeyId: entry.apiKeyId }, 'audited');
  }

  /** Called on every failed audit write (the server counts them in /metrics). */
  onFailure(listener: () => void): void {
    this.failureListeners.push(listener);
  }

  /**
   * Records an entry for something that already happened (a committed mutation): a failure to write
   * it never fails the caller, whose answer must stay the committed one. It is logged at error level
   * with the whole entry — entries hold ids and counts only, so the log line can stand in for the row
   * and be replayed — and counted. Returns whether the entry was stored.
   */
  async recordAfterCommit(entry: Omit<NewAuditEntry, 'at'> & { at?: Date }): Promise<boolean> {
    try {
      await this.record(entry);
      return true;
    } catch (err) {
      this.recordFailed(entry, err);
      return false;
    }
  }

  /** Logs and counts a failed write; for callers that decide themselves what the failure means. */
  recordFailed(entry: Omit<NewAuditEntry, 'at'> & { at?: Date }, err: unknown): void {
    this.log.error({ err, auditEntry: { ...entry, at: entry.at ?? this.deps.clock() } }, 'AUDIT WRITE FAILED: entry not stored');
    for (const listener of this.failureListeners) listener();
  }

  async list(args: { first?: number | null; after?: string | null; action?: string | null }): Promise<AuditPage> {
    const take = pageSize(args.first);
    const beforeId = args.after ? BigInt(String(decodeCursor(args.after, 1)[0]).replace(/\D/g, '') || '0') : null;
    const rows = await auditRepository.page(this.db.prisma, { beforeId, take: take + 1, action: args.action });
    const edges = rows.slice(0, take).map((node) => ({ cursor: encodeCursor([node.id]), node }));
    return { edges, pageInfo: pageInfoOf(edges, rows.length, take, args.after) };
  }
}
