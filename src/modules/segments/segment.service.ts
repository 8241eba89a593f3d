/**
 * Segments: rules validated on the way in, a new version on every change, membership kept current
 * by a full recompute (the rule compiled to one SQL query) when a segment is created, changed or
 * its time windows move, and by the incremental evaluator for the customers each write touches.
 * Membership changes go to the outbox in the same transaction and are published after commit.
 */
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { AfterCommit, CustomerChange } from '../../lib/change-hooks.ts';
import type { Logger } from '../../logger.ts';
import type { AppPubSub } from '../../pubsub/pubsub.ts';
import { Topic } from '../../pubsub/topics.ts';
import { customerRepository } from '../customers/customer.repository.ts';
import { membershipRepository, type ApplySummary, type MembershipChangeRecord } from './membership.repository.ts';
import { compileMembers } from './rules/rule.compiler.ts';
import { loadFacts } from './rules/rule.facts.ts';
import { evaluateRule } from './rules/rule.evaluator.ts';
import { parseRule, ruleJsonSchema, type Rule } from './rules/rule.schema.ts';
import { sinceExpired, type MembershipFeed } from './membership.feed.ts';
import type DataLoader from 'dataloader';
import type { CustomerRecord } from '../customers/customer.model.ts';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize } from '../../graphql/pagination.ts';
import { ruleDependsOnTime, ruleSegmentRefs } from './rules/rule.analysis.ts';
import { segmentStore, type SegmentFull } from './segment.repository.ts';

export const PREVIEW_SAMPLE = 20;
/** Most changes in one published message; a recompute of any size is published in pages of this. */
export const PUBLISH_CHUNK = 500;
/** Rows one pruning statement deletes. */
const PRUNE_BATCH = 5_000;
const DAY_MS = 86_400_000;
const MAX_NAME = 200;

export interface SegmentDeps {
  logger: Logger;
  pubsub: AppPubSub;
  clock: () => Date;
  feed: MembershipFeed;
  outboxRetentionDays: number;
}

export function validRule(json: unknown, field = 'rule'): Rule {
  const parsed = parseRule(json);
  if (!parsed.ok) throw new UserError(ErrorCode.BAD_RULE, `${field} is not a valid rule at ${parsed.path}: ${parsed.message}`, { field, path: parsed.path });
  return parsed.rule;
}

function validName(name: string): string {
  const n = name.trim();
  if (!n || n.length > MAX_NAME) throw new UserError(ErrorCode.BAD_USER_INPUT, `name must be 1-${MAX_NAME} characters`, { field: 'name' });
  return n;
}

/** Segments referenced by inSegment must be evaluated before the segments that reference them. */
export function dependencyOrder<T extends { id: string; rule: Rule }>(segments: T[]): T[] {
  const byId = new Map(segments.map((s) => [s.id, s]));
  const out: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: T) => {
    if (state.get(s.id) === 'done') return;
    if (state.get(s.id) === 'visiting') return; // a cycle: evaluated with the memberships as they stand
    state.set(s.id, 'visiting');
    for (const ref of ruleSegmentRefs(s.rule)) {
      const dep = byId.get(ref);
      if (dep) visit(dep);
    }
    state.set(s.id, 'done');
    out.push(s);
  };
  segments.forEach(visit);
  return out;
}

export class SegmentService {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: SegmentDeps,
  ) {
    this.log = deps.logger.child({ module: 'segment-service' });
  }

  private publish(changes: MembershipChangeRecord[]): AfterCommit {
    return async () => {
      for (let i = 0; i < changes.length; i += PUBLISH_CHUNK) await this.publishPage(changes.slice(i, i + PUBLISH_CHUNK));
    };
  }

  private publishPage(changes: MembershipChangeRecord[]) {
    return this.deps.pubsub.publish(Topic.MEMBERSHIP_CHANGED, { changes: changes.map((c) => ({ ...c, at: c.at.toISOString() })) });
  }

  /** After a recompute commits: its changes, read back from the outbox and published a page at a time. */
  private async publishRecompute(segmentId: string, summary: ApplySummary): Promise<void> {
    if (!summary.range) return;
    let first = summary.range.first;
    for (;;) {
      const page = await membershipRepository.changesInRange(this.db.prisma, segmentId, { first, last: summary.range.last }, PUBLISH_CHUNK);
      if (page.length > 0) await this.publishPage(page);
      if (page.length < PUBLISH_CHUNK) return;
      first = BigInt(page.at(-1)!.seq) + 1n;
    }
  }

  async get(id: string): Promise<SegmentFull | null> {
    return isUuid(id) ? segmentStore.find(this.db.prisma, id) : null;
  }

  async require(id: string): Promise<SegmentFull> {
    const s = await this.get(id);
    if (!s) throw new UserError(ErrorCode.NOT_FOUND, `no segment ${id}`, { field: 'id' });
    return s;
  }

  list(includeArchived = false) {
    return segmentStore.list(this.db.prisma, includeArchived);
  }

  async create(input: { name: string; description?: string | null; rule: unknown }, createdBy: string | null = null) {
    const rule = validRule(input.rule);
    const name = validName(input.name);
    const { segment, summary } = await this.db.prisma.$transaction(
      async (tx) => {
        const segment = await segmentStore.create(tx, { name, description: input.description ?? null, rule, createdBy });
        const summary = await this.recomputeIn(tx, segment, rule, { kind: 'created' });
        return { segment, summary };
      },
      { maxWait: 15_000, timeout: 300_000 },
    );
    await this.publishRecompute(segment.id, summary);
    this.log.info({ segmentId: segment.id, members: summary.entered }, 'segment created');
    return segment;
  }

  async update(id: string, patch: { name?: string | null; description?: string | null; rule?: unknown }, createdBy: string | null = null) {
    const current = await this.require(id);
    if (current.archivedAt) throw new UserError(ErrorCode.BAD_USER_INPUT, 'an archived segment cannot change', { field: 'id' });
    const rule = patch.rule !== undefined && patch.rule !== null ? validRule(patch.rule) : undefined;
    const name = patch.name != null ? validName(patch.name) : undefined;
    const { segment, summary } = await this.db.prisma.$transaction(
      async (tx) => {
        const segment = await segmentStore.update(tx, id, { name, description: patch.description, rule }, createdBy);
        const summary = rule ? await this.recomputeIn(tx, segment, rule, { kind: 'rule_changed' }) : null;
        return { segment, summary };
      },
      { maxWait: 15_000, timeout: 300_000 },
    );
    if (summary) await this.publishRecompute(segment.id, summary);
    return segment;
  }

  async archive(id: string) {
    await this.require(id);
    return this.db.prisma.$transaction((tx) => segmentStore.archive(tx, id));
  }

  /** Full recompute from the compiled rule; returns how many entered and left (counts, never the changes). */
  async recompute(id: string, kind = 'recompute') {
    const segment = await this.require(id);
    if (segment.archivedAt) throw new UserError(ErrorCode.BAD_USER_INPUT, 'an archived segment is not recomputed', { field: 'id' });
    const summary = await this.db.prisma.$transaction((tx) => this.recomputeIn(tx, segment, validRule(segment.rule), { kind }), {
      maxWait: 15_000,
      timeout: 300_000,
    });
    await this.publishRecompute(segment.id, summary);
    return { entered: summary.entered, left: summary.left };
  }

  private recomputeIn(tx: Db, segment: SegmentFull, rule: Rule, reason: Record<string, unknown>) {
    const now = this.deps.clock();
    return membershipRepository.apply(tx, segment.id, compileMembers(rule, { now }), { ...reason, ruleVersion: segment.version }, now);
  }

  /** What a rule would select now, and how that compares with an existing segment; writes nothing. */
  async preview(ruleJson: unknown, compareTo: string | null | undefined) {
    const rule = validRule(ruleJson);
    const now = this.deps.clock();
    const other = compareTo ? await this.require(compareTo) : null;
    return membershipRepository.preview(this.db.prisma, compileMembers(rule, { now }), other?.id ?? null, PREVIEW_SAMPLE);
  }

  /** Deletes outbox rows older than the retention; a `since` before them then answers SINCE_EXPIRED. */
  async pruneOutbox(): Promise<{ horizon: bigint; deleted: number }> {
    const now = this.deps.clock();
    return membershipRepository.prune(this.db.prisma, new Date(now.getTime() - this.deps.outboxRetentionDays * DAY_MS), PRUNE_BATCH, now);
  }

  /**
   * The incremental evaluator: re-evaluates every live segment for the customers a write touched,
   * inside the writer's transaction. Merged-away customers leave their segments (the winner carries on);
   * erased ones leave every segment (the compiler never selects them either).
   */
  async evaluateCustomers(tx: Db, change: CustomerChange): Promise<AfterCommit | void> {
    const ids = [...new Set(change.customerIds)];
    if (ids.length === 0) return;
    const now = this.deps.clock();
    const rows = await customerRepository.findByIds(tx, ids);
    const merged = rows.filter((c) => c.mergedIntoId).map((c) => c.id);
    const erased = rows.filter((c) => !c.mergedIntoId && c.erasedAt).map((c) => c.id);
    const live = rows.filter((c) => !c.mergedIntoId && !c.erasedAt).map((c) => c.id);
    const changes = await membershipRepository.removeCustomers(tx, merged, { kind: 'merged' }, now);
    changes.push(...(await membershipRepository.removeCustomers(tx, erased, { kind: 'erased' }, now)));
    const segments = dependencyOrder(
      (await segmentStore.list(tx, false)).map((s) => ({ ...s, rule: parseRule(s.rule) })).flatMap((s) => (s.rule.ok ? [{ ...s, rule: s.rule.rule }] : [])),
    );
    if (segments.length && live.length) {
      const facts = await loadFacts(tx, live, segments.map((s) => s.rule), now);
      const desired: { segmentId: string; customerId: string }[] = [];
      for (const s of segments) {
        for (const id of live) {
          const f = facts.get(id);
          const member = f ? evaluateRule(s.rule, f, now) : false;
          if (member) desired.push({ segmentId: s.id, customerId: id });
          // Later segments that say inSegment(s) see this decision, not the stored one.
          if (f) setMembership(f, s.id, member);
        }
      }
      changes.push(
        ...(await membershipRepository.applyMany(tx, {
          segmentIds: segments.map((s) => s.id),
          candidates: live,
          desired,
          kind: change.kind,
          versions: Object.fromEntries(segments.map((s) => [s.id, s.version])),
          triggers: change.triggers ?? {},
          at: now,
        })),
      );
    }
    return this.publish(changes);
  }

  /** Re-checks the segments whose rules depend on time; returns the number of changes. */
  async recheckTimeDependent(): Promise<number> {
    let count = 0;
    for (const s of await this.list(false)) {
      const parsed = parseRule(s.rule);
      if (!parsed.ok || !ruleDependsOnTime(parsed.rule)) continue;
      const r = await this.recompute(s.id, 'schedule');
      count += r.entered + r.left;
    }
    return count;
  }

  ruleSchema() {
    return ruleJsonSchema();
  }

  size(id: string) {
    return membershipRepository.size(this.db.prisma, id);
  }

  versions(id: string) {
    return segmentStore.versions(this.db.prisma, id);
  }

  async members(id: string, first: number | undefined, after: string | undefined, customers: DataLoader<string, CustomerRecord | null>) {
    const take = pageSize(first);
    let afterId: string | null = null;
    if (after) {
      const [v] = decodeCursor(after, 1);
      if (!isUuid(v)) throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor is not one this server issued');
      afterId = v;
    }
    const ids = await membershipRepository.members(this.db.prisma, id, take + 1, afterId);
    const page = ids.slice(0, take);
    const nodes = await customers.loadMany(page);
    const edges = page.flatMap((cid, i) => {
      const node = nodes[i];
      return node && !(node instanceof Error) ? [{ cursor: encodeCursor([cid]), node }] : [];
    });
    return {
      edges,
      pageInfo: pageInfoOf(edges, ids.length, take, after),
    };
  }

  async changes(segmentIds: string[] | null, since: string | null | undefined, first: number | null | undefined) {
    const limit = first ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UserError(ErrorCode.PAGE_SIZE_TOO_LARGE, '`first` must be 1..1000', { max: 1000 });
    const after = parseSeq(since);
    const { changes: rows, horizon } = await membershipRepository.changesAfterWithHorizon(this.db.prisma, { segmentIds, afterSeq: after ?? -1n, limit: limit + 1 });
    // Without since the log starts at the oldest change kept; with one, a pruned stretch is an error, not a gap.
    if (after !== null && after < horizon) throw sinceExpired(horizon);
    const nodes = rows.slice(0, limit);
    return { nodes, lastSeq: nodes.at(-1)?.seq ?? since ?? null, hasMore: rows.length > limit };
  }

  async subscribe(segmentIds: string[] | null, since: string | null, onFellBehind?: () => void) {
    if (segmentIds) for (const id of segmentIds) if (!isUuid(id)) throw new UserError(ErrorCode.BAD_USER_INPUT, `segmentIds: ${id} is not a segment id`, { field: 'segmentIds' });
    const after = parseSeq(since);
    // Checked here so an expired since fails at once; the feed checks again with each replay page.
    if (after !== null) {
      const horizon = await membershipRepository.horizon(this.db.prisma);
      if (after < horizon) throw sinceExpired(horizon);
    }
    return this.deps.feed.listen(segmentIds, after, onFellBehind);
  }
}


export function parseSeq(since: string | null | undefined): bigint | null {
  if (since == null || since === '') return null;
  if (!/^\d{1,19}$/.test(since)) throw new UserError(ErrorCode.BAD_USER_INPUT, '`since` must be a seq received earlier (a decimal number)', { field: 'since' });
  return BigInt(since);
}

function setMembership(facts: { segmentIds: Set<string> }, segmentId: string, member: boolean) {
  if (member) facts.segmentIds.add(segmentId);
  else facts.segmentIds.delete(segmentId);
}
