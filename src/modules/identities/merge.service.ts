/** Merging and unmerging customers by hand, with the same ledger and caps as automatic merges. */
import type { Config } from '../../config/env.ts';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import type { ChangeHooks } from '../../lib/change-hooks.ts';
import { customerQueries } from '../customers/customer.queries.ts';
import { touchpointQueries } from '../touchpoints/touchpoint.queries.ts';
import { identityRepository } from './identity.repository.ts';
import { mergeRepository, type MergeRecord } from './merge.repository.ts';
import { breaksCap } from './identity-resolution.ts';
import { planUndo } from './merge-undo.ts';

// Merges and undos wait on the person's lock behind each other and behind ingestion batches, so they
// get the upsert's budget rather than Prisma's 5 s default.
const TX = { maxWait: 10_000, timeout: 60_000 } as const;

export class MergeService {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; config: Pick<Config, 'identity'>; hooks: ChangeHooks },
  ) {
    this.log = deps.logger.child({ module: 'merge-service' });
  }

  async merge(winnerId: string, loserId: string, reason: string, performedBy: string | null = 'api'): Promise<MergeRecord> {
    for (const [field, id] of [['winnerId', winnerId], ['loserId', loserId]] as const)
      if (!isUuid(id)) throw new UserError(ErrorCode.BAD_USER_INPUT, `${field} is not a customer id`, { field });
    const record = await this.db.prisma.$transaction(async (tx) => {
      await customerQueries.lockKeys(tx, [`cust:${winnerId}`, `cust:${loserId}`]);
      const found = new Map((await customerQueries.findByIds(tx, [winnerId, loserId])).map((c) => [c.id, c]));
      for (const [field, id] of [['winnerId', winnerId], ['loserId', loserId]] as const)
        if (!found.has(id)) throw new UserError(ErrorCode.NOT_FOUND, `no customer ${id}`, { field });
      // An erased person stays erased: merging would attach someone's data to them again.
      for (const [field, id] of [['winnerId', winnerId], ['loserId', loserId]] as const)
        if (found.get(id)!.erasedAt) throw new UserError(ErrorCode.CUSTOMER_ERASED, `customer ${id} was erased`, { field });
      const winner = found.get(winnerId)!.mergedIntoId ?? winnerId;
      const loser = found.get(loserId)!.mergedIntoId ?? loserId;
      if (winner === loser) throw new UserError(ErrorCode.ALREADY_MERGED, 'these customers are already one');
      if (found.get(winnerId)!.mergedIntoId) throw new UserError(ErrorCode.ALREADY_MERGED, `winner was merged into ${winner}; merge into that customer`, { field: 'winnerId' });
      if (found.get(loserId)!.mergedIntoId) throw new UserError(ErrorCode.ALREADY_MERGED, `loser was merged into ${loser}`, { field: 'loserId' });
      const caps = this.deps.config.identity.caps;
      const held = await identityRepository.cappedValues(tx, [winner, loser], [...caps.keys()]);
      for (const [type, cap] of caps) {
        const of = (id: string) => new Set(held.filter((h) => h.type === type && h.customerId === id).map((h) => h.value));
        const [w, l] = [of(winner), of(loser)];
        const size = new Set([...w, ...l]).size;
        if (breaksCap(w, l, cap)) throw new UserError(ErrorCode.MERGE_CONFLICT, `the merged customer would hold ${size} ${type} identities (at most ${cap})`, { type });
      }
      const m = await mergeRepository.apply(tx, { winnerId: winner, loserId: loser, reason, performedBy });
      await touchpointQueries.refreshStats(tx, [winner]);
      return { ...m, afterCommit: await this.deps.hooks.run(tx, { customerIds: [winner, loser, ...m.redirected], kind: 'merge' }) };
    }, TX);
    await record.afterCommit();
    this.log.info({ mergeId: record.id, winnerId: record.winnerId, loserId: record.loserId }, 'customers merged');
    return record;
  }

  /**
   * Undoes one merge as if it had never happened (merge-undo.ts says what that means), whatever else
   * was merged or undone around it since. The undo state is checked under the lock of the person's
   * tree, so of two concurrent undos of one merge the second answers ALREADY_UNDONE.
   */
  async unmerge(mergeId: string): Promise<MergeRecord> {
    if (!isUuid(mergeId)) throw new UserError(ErrorCode.BAD_USER_INPUT, 'mergeId is not a merge id', { field: 'mergeId' });
    const record = await this.db.prisma.$transaction(async (tx) => {
      const seen = await mergeRepository.find(tx, mergeId);
      if (!seen) throw new UserError(ErrorCode.NOT_FOUND, `no merge ${mergeId}`);
      if (seen.status !== 'MERGED') throw new UserError(ErrorCode.BAD_USER_INPUT, 'this merge was refused; there is nothing to undo');
      const root = await this.lockTree(tx, seen.winnerId, seen.loserId);
      const m = (await mergeRepository.find(tx, mergeId))!;
      if (m.undoneAt) throw new UserError(ErrorCode.ALREADY_UNDONE, `merge ${mergeId} was undone at ${m.undoneAt.toISOString()}`);
      const tree = await mergeRepository.tree(tx, root);
      const plan = planUndo(tree, mergeId);
      await mergeRepository.applyUndo(tx, mergeId, tree, plan);
      await touchpointQueries.refreshStats(tx, [root, m.loserId]);
      const afterCommit = await this.deps.hooks.run(tx, { customerIds: [root, ...plan.pointers.map((p) => p.id)], kind: 'unmerge' });
      return { ...m, undoneAt: new Date(), afterCommit };
    }, TX);
    await record.afterCommit();
    this.log.info({ mergeId, winnerId: record.winnerId, loserId: record.loserId }, 'merge undone');
    return record;
  }

  /**
   * Locks the live customer the winner belongs to (every merge or undo in its tree takes that lock)
   * and the loser, re-reading until the root did not move while we waited. Returns the root.
   */
  private async lockTree(tx: Db, winnerId: string, loserId: string): Promise<string> {
    const rootOf = async () => {
      const [w] = await customerQueries.findByIds(tx, [winnerId]);
      return w?.mergedIntoId ?? winnerId;
    };
    // Once its lock is held a root cannot be merged away (merges lock both roots), so this settles.
    for (let root = await rootOf(); ; ) {
      await customerQueries.lockKeys(tx, [`cust:${root}`, `cust:${loserId}`]);
      const now = await rootOf();
      if (now === root) return root;
      root = now;
    }
  }
}
