/**
 * Accounts (B2B): Segment `group` calls create or update an account and link the customer to it.
 * Traits merge key by key, the later event time winning (account.traits.ts). When an account's traits
 * change, the segments and rule tags that read accounts are re-checked for its members through the
 * derived-set graph (SegmentService.refreshFrom, seeded with ACCOUNTS_REF), in the same transaction.
 */
import type DataLoader from 'dataloader';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { afterIdOf, decodeCursor, encodeCursor, pageInfoOf, pageSize } from '../../graphql/pagination.ts';
import { noAfterCommit, type AfterCommit, type CustomerChange } from '../../lib/change-hooks.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import type { CustomerRecord } from '../customers/customer.model.ts';
import { ACCOUNTS_REF } from '../segments/rules/rule.graph.ts';
import type { SegmentService } from '../segments/segment.service.ts';
import { MAX_GROUP_ID_LENGTH, type AccountRecord, type GroupCall, type GroupCallSink } from './account.model.ts';
import { accountRepository as repo } from './account.repository.ts';
import { mergeTraits } from './account.traits.ts';

const MAX_SEARCH = 256;

export class AccountService implements GroupCallSink {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; clock: () => Date; segments: Pick<SegmentService, 'refreshFrom'> },
  ) {
    this.log = deps.logger.child({ module: 'account-service' });
  }

  async byId(id: string): Promise<AccountRecord | null> {
    if (!isUuid(id)) return null;
    return (await repo.findByIds(this.db.prisma, [id.toLowerCase()]))[0] ?? null;
  }

  async byGroupId(groupId: string): Promise<AccountRecord | null> {
    const g = groupId.trim();
    if (!g || g.length > MAX_GROUP_ID_LENGTH) return null;
    return repo.findByGroupId(this.db.prisma, g);
  }

  async list(args: { first?: number | null; after?: string | null; search?: string | null }) {
    const take = pageSize(args.first);
    const search = args.search?.trim() || null;
    if (search && search.length > MAX_SEARCH) throw new UserError(ErrorCode.BAD_USER_INPUT, `search is at most ${MAX_SEARCH} characters`, { field: 'search' });
    let afterGroupId: string | null = null;
    if (args.after) {
      const [g] = decodeCursor(args.after, 1);
      // Only a group id we could have stored: a forged one must not reach SQL as unstorable text.
      if (typeof g !== 'string' || g.length > MAX_GROUP_ID_LENGTH || /\u0000|\p{Cs}/u.test(g)) {
        throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor is not one this server issued');
      }
      afterGroupId = g;
    }
    const rows = await repo.list(this.db.prisma, { take: take + 1, afterGroupId, search });
    const edges = rows.slice(0, take).map((node) => ({ cursor: encodeCursor([node.groupId]), node }));
    return { edges, pageInfo: pageInfoOf(edges, rows.length, take, args.after), countTotal: () => repo.count(this.db.prisma, search) };
  }

  async members(accountId: string, first: number | null | undefined, after: string | null | undefined, customers: DataLoader<string, CustomerRecord | null>) {
    const take = pageSize(first);
    const afterId = afterIdOf(after);
    const rows = await repo.members(this.db.prisma, accountId, take + 1, afterId);
    const page = rows.slice(0, take);
    const nodes = await customers.loadMany(page.map((r) => r.customerId));
    const edges = page.flatMap((r, i) => {
      const node = nodes[i];
      return node && !(node instanceof Error) ? [{ cursor: encodeCursor([r.customerId]), since: r.since, node }] : [];
    });
    return { edges, pageInfo: pageInfoOf(edges, rows.length, take, after) };
  }

  async applyGroupCalls(tx: Db, calls: GroupCall[]): Promise<AfterCommit> {
    if (calls.length === 0) return noAfterCommit;
    const now = this.deps.clock();
    const accounts = await repo.lockOrCreate(tx, calls.map((c) => c.groupId), now);
    const byGroup = new Map(accounts.map((a) => [a.groupId, a]));
    const writes: { id: string; traits: Record<string, unknown>; traitTimes: Record<string, string> }[] = [];
    const changed: { id: string; groupId: string }[] = [];
    for (const a of accounts) {
      const merged = mergeTraits({ traits: a.traits, times: a.traitTimes }, calls.filter((c) => c.groupId === a.groupId));
      if (merged.dirty) writes.push({ id: a.id, traits: merged.traits, traitTimes: merged.times });
      if (merged.valuesChanged) changed.push({ id: a.id, groupId: a.groupId });
    }
    await repo.writeTraits(tx, writes, now);
    await repo.link(tx, calls.map((c) => ({ accountId: byGroup.get(c.groupId)!.id, customerId: c.customerId, since: c.occurredAt.toISOString() })));
    if (changed.length === 0) return noAfterCommit;
    // New members are re-evaluated by the ingestion's own hooks; existing ones need the re-check here.
    const members = await repo.liveMembersOf(tx, changed.map((a) => a.id));
    this.log.debug({ accounts: changed.length, members: members.length }, 'account traits changed');
    if (members.length === 0) return noAfterCommit;
    return this.deps.segments.refreshFrom(tx, { seeds: new Map([[ACCOUNTS_REF, members]]) }, { kind: 'account_traits', accounts: changed.map((a) => a.groupId) });
  }

  /** Change hook: an erased person belongs to no account any more. */
  async onCustomerChange(tx: Db, change: CustomerChange): Promise<void> {
    if (change.kind !== 'erase') return;
    await repo.deleteMembers(tx, [...new Set(change.customerIds)]);
  }
}
