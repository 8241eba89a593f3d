/** Merging and unmerging customers by hand, with the same ledger and caps as automatic merges. */
import type { Config } from '../../config/env.ts';
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import type { ChangeHooks } from '../../lib/change-hooks.ts';
import { customerRepository } from '../customers/customer.repository.ts';
import { touchpointRepository } from '../touchpoints/touchpoint.repository.ts';
import { identityRepository } from './identity.repository.ts';
import { mergeRepository, type MergeRecord } from './merge.repository.ts';

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
      await customerRepository.lockKeys(tx, [`cust:${winnerId}`, `cust:${loserId}`]);
      const found = new Map((await customerRepository.findByIds(tx, [winnerId, loserId])).map((c) => [c.id, c]));
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
        const values = new Set(held.filter((h) => h.type === type).map((h) => h.value));
        if (values.size > cap) throw new UserError(ErrorCode.MERGE_CONFLICT, `the merged customer would hold ${values.size} ${type} identities (at most ${cap})`, { type });
      }
      const m = await mergeRepository.apply(tx, { winnerId: winner, loserId: loser, reason, performedBy });
      await touchpointRepository.refreshStats(tx, [winner]);
      return { ...m, afterCommit: await this.deps.hooks.run(tx, { customerIds: [winner, loser, ...m.redirected], kind: 'merge' }) };
    });
    await record.afterCommit();
    this.log.info({ mergeId: record.id, winnerId: record.winnerId, loserId: record.loserId }, 'customers merged');
    return record;
  }

  async unmerge(mergeId: string): Promise<MergeRecord> {
    if (!isUuid(mergeId)) throw new UserError(ErrorCode.BAD_USER_INPUT, 'mergeId is not a merge id', { field: 'mergeId' });
    const record = await this.db.prisma.$transaction(async (tx) => {
      const m = await mergeRepository.find(tx, mergeId);
      if (!m) throw new UserError(ErrorCode.NOT_FOUND, `no merge ${mergeId}`);
      if (m.status !== 'MERGED') throw new UserError(ErrorCode.BAD_USER_INPUT, 'this merge was refused; there is nothing to undo');
      if (m.undoneAt) throw new UserError(ErrorCode.ALREADY_UNDONE, `merge ${mergeId} was undone at ${m.undoneAt.toISOString()}`);
      await customerRepository.lockKeys(tx, [`cust:${m.winnerId}`, `cust:${m.loserId}`]);
      await mergeRepository.undo(tx, m);
      const [winner] = await customerRepository.findByIds(tx, [m.winnerId]);
      const live = winner?.mergedIntoId ?? m.winnerId;
      await touchpointRepository.refreshStats(tx, [live, m.loserId]);
      const afterCommit = await this.deps.hooks.run(tx, { customerIds: [live, m.loserId, ...m.snapshot.redirected], kind: 'unmerge' });
      return { ...m, undoneAt: new Date(), afterCommit };
    });
    await record.afterCommit();
    this.log.info({ mergeId, winnerId: record.winnerId, loserId: record.loserId }, 'merge undone');
    return record;
  }
}
