/**
 * Segments: rules validated on the way in, a new version on every change. Segments and rule tags are
 * one graph of derived sets (rule.graph.ts), kept current together: a full recompute (the rule compiled
 * to one SQL query) when a set is created or re-ruled, followed in the same transaction by every set
 * that reads it, for the customers whose input changed; the incremental evaluator for the customers
 * each write touches; and the time re-check for sets that move with time. Membership changes go to the
 * outbox in the same transaction and are published after commit.
 */
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { isBigintId } from '../../lib/bigint-id.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { AfterCommit, CustomerChange } from '../../lib/change-hooks.ts';
import type { Logger } from '../../logger.ts';
import type { AppPubSub } from '../../pubsub/pubsub.ts';
import { Topic } from '../../pubsub/topics.ts';
import { customerQueries } from '../customers/customer.queries.ts';
import { membershipRepository, type ApplySummary, type MembershipChangeRecord } from './membership.repository.ts';
import { compileMembers } from './rules/rule.compiler.sql.ts';
import { loadFacts } from './rules/rule.facts.ts';
import { evaluateRule } from './rules/rule.evaluator.ts';
import { parseRule, ruleJsonSchema, type ParseRuleResult, type Rule } from './rules/rule.schema.ts';
import { sinceExpired, type MembershipFeed } from './membership.feed.ts';
import type DataLoader from 'dataloader';
import type { CustomerRecord } from '../customers/customer.model.ts';
import type { SizePoint } from './segment.loaders.ts';
import { afterIdOf, encodeCursor, pageInfoOf, pageSize } from '../../graphql/pagination.ts';
import { DerivedGraph, refOf, ruleRefs, type DerivedNode } from './rules/rule.graph.ts';
import { repairStore, segmentStore, type SegmentFull } from './segment.repository.ts';
import { ruleReadsEvents } from './rules/rule.analysis.ts';
import type { Prisma } from '../../generated/prisma/client.ts';

export const PREVIEW_SAMPLE = 20;
/** Most changes in one published message; a recompute of any size is published in pages of this. */
export const PUBLISH_CHUNK = 500;
/** Rows one pruning statement deletes. */
const PRUNE_BATCH = 5_000;
const DAY_MS = 86_400_000;
const MAX_NAME = 200;
/** sizeTrend covers 1 to this many days (a year, leap day included). */
export const MAX_TREND_DAYS = 366;
/** Customers re-evaluated per write transaction of the time re-check (each holds the outbox lock briefly). */
export const RECHECK_CHUNK = 500;

/** What the derived-state engine needs from the tags module (implemented by TagService). */
export interface RuleTagAccess {
  liveRuleTags(db: Db): Promise<{ id: string; key: string; rule: unknown; version: number }[]>;
  /** Holders among candidates (all when null) := members; returns the customers whose holding changed. */
  syncRuleTag(tx: Db, tagId: string, candidates: string[] | null, members: Prisma.Sql | string[]): Promise<string[]>;
  dropRuleTagsOf(tx: Db, customerIds: string[]): Promise<void>;
  ruleTagDiff(db: Db, tagId: string, members: Prisma.Sql): Promise<string[]>;
}

export interface SegmentDeps {
  logger: Logger;
  pubsub: AppPubSub;
  clock: () => Date;
  feed: MembershipFeed;
  /** Late-bound: the tag service is built after this one and needs it. */
  ruleTags: () => RuleTagAccess;
  outboxRetentionDays: number;
}

/** Where a set's refresh starts: sets recomputed in full, and sets whose holders changed for some customers. */
export interface RefreshStart {
  roots?: string[];
  seeds?: Map<string, Iterable<string>>;
}

/** What a refresh wrote to one segment. */
export interface SegmentWrite {
  segmentId: string;
  summary: ApplySummary;
}

const countsOf = (written: SegmentWrite[], segmentId: string) => {
  const mine = written.filter((w) => w.segmentId === segmentId);
  return { entered: mine.reduce((n, w) => n + w.summary.entered, 0), left: mine.reduce((n, w) => n + w.summary.left, 0) };
};

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

/** The derived_repair request of migration 0012 (page and screen touchpoints renamed). */
const EVENTS_REWRITTEN = 'segments-reading-events';

export class SegmentService {
  private readonly log: Logger;
  private readonly outboxHolds: (() => Promise<bigint | null>)[] = [];
  private readonly parsedRules = new Map<string, ParseRuleResult>();
  constructor(
    private readonly db: Database,
    private readonly deps: SegmentDeps,
  ) {
    this.log = deps.logger.child({ module: 'segment-service' });
  }

  /** How long the outbox keeps changes; sizeTrend marks the days before it incomplete. */
  get outboxRetentionDays(): number {
    return this.deps.outboxRetentionDays;
  }

  private publish(changes: MembershipChangeRecord[]): AfterCommit {
    return async () => {
      for (let i = 0; i < changes.length; i += PUBLISH_CHUNK) await this.publishPage(changes.slice(i, i + PUBLISH_CHUNK));
    };
  }

  private publishPage(changes: MembershipChangeRecord[]) {
    return this.deps.pubsub.publish(Topic.MEMBERSHIP_CHANGED, { changes: changes.map((c) => ({ ...c, at: c.at.toISOString() })) });
  }

  /** After a refresh commits: its changes, read back from the outbox and published a page at a time. */
  private async publishWritten(written: SegmentWrite[]): Promise<void> {
    for (const w of written) await this.publishRange(w.segmentId, w.summary);
  }

  private async publishRange(segmentId: string, summary: ApplySummary): Promise<void> {
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
    const { segment, written } = await this.db.prisma.$transaction(
      async (tx) => {
        const segment = await segmentStore.create(tx, { name, description: input.description ?? null, rule, createdBy });
        const written = await this.refreshIn(tx, { roots: [refOf({ kind: 'segment', id: segment.id, key: null })] }, { kind: 'created' });
        return { segment, written };
      },
      { maxWait: 15_000, timeout: 300_000 },
    );
    await this.publishWritten(written);
    this.log.info({ segmentId: segment.id, members: countsOf(written, segment.id).entered }, 'segment created');
    return segment;
  }

  async update(id: string, patch: { name?: string | null; description?: string | null; rule?: unknown }, createdBy: string | null = null) {
    const current = await this.require(id);
    if (current.archivedAt) throw new UserError(ErrorCode.ARCHIVED, 'an archived segment cannot change', { field: 'id' });
    const rule = patch.rule !== undefined && patch.rule !== null ? validRule(patch.rule) : undefined;
    const name = patch.name != null ? validName(patch.name) : undefined;
    const ref = refOf({ kind: 'segment', id: current.id, key: null });
    const { segment, written } = await this.db.prisma.$transaction(
      async (tx) => {
        if (rule) await this.refuseCycle(tx, ref, rule);
        const segment = await segmentStore.update(tx, id, { name, description: patch.description, rule }, createdBy);
        const written = rule ? await this.refreshIn(tx, { roots: [ref] }, { kind: 'rule_changed' }) : [];
        return { segment, written };
      },
      { maxWait: 15_000, timeout: 300_000 },
    );
    await this.publishWritten(written);
    return segment;
  }

  async archive(id: string) {
    await this.require(id);
    return this.db.prisma.$transaction((tx) => segmentStore.archive(tx, id));
  }

  /** Full recompute from the compiled rule (and of what reads the segment); returns how many entered and left it (counts, never the changes). */
  async recompute(id: string, kind = 'recompute') {
    const segment = await this.require(id);
    if (segment.archivedAt) throw new UserError(ErrorCode.ARCHIVED, 'an archived segment is not recomputed', { field: 'id' });
    const written = await this.db.prisma.$transaction((tx) => this.refreshIn(tx, { roots: [refOf({ kind: 'segment', id: segment.id, key: null })] }, { kind }), {
      maxWait: 15_000,
      timeout: 300_000,
    });
    await this.publishWritten(written);
    return countsOf(written, segment.id);
  }

  /** refreshIn for another module's transaction: returns the publishing to run after commit. */
  async refreshFrom(tx: Db, start: RefreshStart, reason: Record<string, unknown>): Promise<AfterCommit> {
    const written = await this.refreshIn(tx, start, reason);
    return () => this.publishWritten(written);
  }

  /** Live segments and rule tags as one graph. */
  private async graph(db: Db): Promise<DerivedGraph> {
    const nodes: DerivedNode[] = [];
    for (const s of await segmentStore.liveRules(db)) {
      const r = this.parsed('segment', s.id, s.version, s.rule);
      if (r.ok) nodes.push({ kind: 'segment', id: s.id, key: null, rule: r.rule, version: s.version });
    }
    for (const t of await this.deps.ruleTags().liveRuleTags(db)) {
      const r = this.parsed('tag', t.id, t.version, t.rule);
      if (r.ok) nodes.push({ kind: 'tag', id: t.id, key: t.key, rule: r.rule, version: t.version });
    }
    return new DerivedGraph(nodes);
  }

  /**
   * A set's rule, parsed once per version: a version's rule never changes (every edit is a new
   * version), and parsing every set's rule on every refresh cost more than the refresh's own reads.
   */
  private parsed(kind: 'segment' | 'tag', id: string, version: number, rule: unknown): ParseRuleResult {
    const key = `${kind}:${id}:${version}`;
    let r = this.parsedRules.get(key);
    if (!r) {
      // Old versions are never asked for again; a full cache is simply started over.
      if (this.parsedRules.size >= 10_000) this.parsedRules.clear();
      r = parseRule(rule);
      this.parsedRules.set(key, r);
    }
    return r;
  }

  /** A set may not read itself, directly or through others: there would be no one answer. */
  async refuseCycle(tx: Db, ref: string, rule: Rule): Promise<void> {
    const cycle = (await this.graph(tx)).cycleThrough(ref, rule);
    if (cycle) throw new UserError(ErrorCode.BAD_RULE, `rule would make a reference cycle: ${cycle.join(' -> ')}`, { field: 'rule', cycle });
  }

  /**
   * Brings derived state up to date in the caller's transaction after the sets in `roots` were (re)defined
   * (recomputed in full) or the holders of the sets in `seeds` changed for some customers: every set that
   * reads them, transitively and in dependency order, is re-evaluated for the customers whose input changed.
   * Returns what was written to each segment (counts and outbox seq range, to publish after commit).
   */
  async refreshIn(tx: Db, start: RefreshStart, reason: Record<string, unknown>): Promise<SegmentWrite[]> {
    const now = this.deps.clock();
    const graph = await this.graph(tx);
    const roots = new Set(start.roots ?? []);
    const changed = new Map([...(start.seeds ?? [])].map(([ref, ids]) => [ref, new Set(ids)]));
    const out: SegmentWrite[] = [];
    for (const n of graph.order) {
      let candidates: string[] | null = null;
      if (!roots.has(refOf(n))) {
        const inputs = new Set(ruleRefs(n.rule).flatMap((r) => [...(changed.get(r) ?? [])]));
        if (inputs.size === 0) continue;
        candidates = [...inputs];
      }
      const members = compileMembers(n.rule, { now, ...(candidates ? { customerIds: candidates } : {}) });
      if (n.kind === 'segment') {
        const why = { ...reason, ruleVersion: n.version };
        const summary = await membershipRepository.apply(tx, n.id, candidates ? { candidates, members } : { members }, why, now);
        out.push({ segmentId: n.id, summary });
        // Only sets that read this one need to know who changed (for a full recompute that list can be long).
        if (summary.range && graph.hasReaders(refOf(n))) changed.set(refOf(n), new Set(await membershipRepository.customersInRange(tx, n.id, summary.range)));
      } else {
        changed.set(refOf(n), new Set(await this.deps.ruleTags().syncRuleTag(tx, n.id, candidates, members)));
      }
    }
    return out;
  }

  /** What a rule would select now, and how that compares with an existing segment; writes nothing. */
  async preview(ruleJson: unknown, compareTo: string | null | undefined) {
    const rule = validRule(ruleJson);
    const now = this.deps.clock();
    const other = compareTo ? await this.require(compareTo) : null;
    return membershipRepository.preview(this.db.prisma, compileMembers(rule, { now }), other?.id ?? null, PREVIEW_SAMPLE);
  }

  /**
   * A reader that must not lose changes (a webhook destination's cursor) holds the pruner back: the
   * outbox is never pruned past the lowest seq a hold answers (null: no hold).
   */
  holdOutboxPruning(hold: () => Promise<bigint | null>): void {
    this.outboxHolds.push(hold);
  }

  /** Deletes outbox rows older than the retention (and below every hold); a `since` before them then answers SINCE_EXPIRED. */
  async pruneOutbox(): Promise<{ horizon: bigint; deleted: number }> {
    const now = this.deps.clock();
    // Holds are read first: cursors only move forward, so pruning up to what they answered stays safe.
    let cap: bigint | null = null;
    for (const hold of this.outboxHolds) {
      const seq = await hold();
      if (seq !== null && (cap === null || seq < cap)) cap = seq;
    }
    return membershipRepository.prune(this.db.prisma, new Date(now.getTime() - this.deps.outboxRetentionDays * DAY_MS), PRUNE_BATCH, now, cap);
  }

  /**
   * The incremental evaluator: re-evaluates every live segment and rule tag for the customers a write
   * touched, inside the writer's transaction, in dependency order (a set that says inSegment or hasTag
   * sees the decision just made for the set it reads). Merged-away customers leave their segments and
   * rule tags (the winner carries on); erased ones leave every segment (the compiler never selects them).
   */
  async evaluateCustomers(tx: Db, change: CustomerChange): Promise<AfterCommit | void> {
    const ids = [...new Set(change.customerIds)];
    if (ids.length === 0) return;
    const changes = await this.evaluateIn(tx, ids, change.kind, change.triggers ?? {}, this.deps.clock());
    return this.publish(changes);
  }

  private async evaluateIn(tx: Db, ids: string[], kind: string, triggers: Record<string, unknown>, now: Date): Promise<MembershipChangeRecord[]> {
    // The outbox lock before anything is read, held to commit. Every write that decides memberships,
    // and every segment or rule-tag recompute, takes it; so the sets, rules and facts read here include
    // whatever such a write committed before, and one that commits after reads what this one writes.
    // Taken only where the membership rows are written, a batch could decide from a rule version, a set
    // list or a tag that another transaction was changing meanwhile, and leave a person wrong until
    // their next write (a stale ENTERED after a recompute removed them; no ENTERED for a segment made
    // meanwhile; a tag and an event written at once each deciding without the other).
    await membershipRepository.lockOutbox(tx);
    const rows = await customerQueries.liveStatusByIds(tx, ids);
    const merged = rows.filter((c) => c.mergedIntoId).map((c) => c.id);
    const erased = rows.filter((c) => !c.mergedIntoId && c.erasedAt).map((c) => c.id);
    const live = rows.filter((c) => !c.mergedIntoId && !c.erasedAt).map((c) => c.id);
    const changes = await membershipRepository.removeCustomers(tx, merged, { kind: 'merged' }, now);
    changes.push(...(await membershipRepository.removeCustomers(tx, erased, { kind: 'erased' }, now)));
    await this.deps.ruleTags().dropRuleTagsOf(tx, merged);
    const graph = await this.graph(tx);
    if (graph.nodes.length === 0 || live.length === 0) return changes;
    const facts = await loadFacts(tx, live, graph.nodes.map((n) => n.rule), now);
    const desired: { segmentId: string; customerId: string }[] = [];
    const tagMembers = new Map<string, string[]>();
    for (const n of graph.order) {
      const holders: string[] = [];
      for (const id of live) {
        const f = facts.get(id);
        const member = f ? evaluateRule(n.rule, f, now) : false;
        if (member) holders.push(id);
        // Later sets that read this one see this decision, not the stored one.
        if (f && n.kind === 'segment') setIn(f.segmentIds, n.id, member);
        if (f && n.kind === 'tag') setIn(f.tagKeys, n.key!, member);
      }
      if (n.kind === 'segment') desired.push(...holders.map((customerId) => ({ segmentId: n.id, customerId })));
      else tagMembers.set(n.id, holders);
    }
    for (const [tagId, holders] of tagMembers) await this.deps.ruleTags().syncRuleTag(tx, tagId, live, holders);
    const segments = graph.nodes.filter((n) => n.kind === 'segment');
    changes.push(
      ...(await membershipRepository.applyMany(tx, {
        segmentIds: segments.map((s) => s.id),
        candidates: live,
        desired,
        kind,
        versions: Object.fromEntries(segments.map((s) => [s.id, s.version])),
        triggers,
        at: now,
      })),
    );
    return changes;
  }

  /**
   * Re-checks the sets that move with time (their rule, or a set they read, depends on time); returns
   * the number of membership changes. The expensive part, comparing each set's compiled rule with what
   * is stored, runs outside any lock and transaction; it only finds the customers who may be out of
   * date. Those are then re-evaluated from the current state, a chunk per short transaction that holds
   * the outbox lock from before it reads (the time included) until it commits, so a write that committed meanwhile is seen
   * (and one that commits later re-evaluates its customers itself): nothing is written from stale reads.
   */
  async recheckTimeDependent(): Promise<number> {
    return this.recheck((graph, n) => graph.dependsOnTime(n), 'schedule');
  }

  /**
   * Repairs a data migration asked for (derived_repair), once: after migration 0012 rewrote the event
   * names of page and screen touchpoints, every set that reads events is compared with its members
   * like the time re-check does, and the people found out of date are re-evaluated (reason `repair`).
   * Returns the number of membership changes.
   */
  async repairPending(): Promise<number> {
    if (!(await repairStore.pending(this.db.prisma)).includes(EVENTS_REWRITTEN)) return 0;
    const changes = await this.recheck((_graph, n) => ruleReadsEvents(n.rule), 'repair');
    await repairStore.done(this.db.prisma, EVENTS_REWRITTEN);
    this.log.info({ changes }, 'segments and rule tags that read events were repaired after the page-view migration');
    return changes;
  }

  private async recheck(select: (graph: DerivedGraph, n: DerivedNode) => boolean, kind: string): Promise<number> {
    // Only picks who may be out of date; each chunk below evaluates at its own time.
    const now = this.deps.clock();
    const graph = await this.graph(this.db.prisma);
    const stale = new Set<string>();
    for (const n of graph.order) {
      if (!select(graph, n)) continue;
      const members = compileMembers(n.rule, { now });
      const differing = n.kind === 'segment' ? await segmentStore.diff(this.db.prisma, n.id, members) : await this.deps.ruleTags().ruleTagDiff(this.db.prisma, n.id, members);
      for (const id of differing) stale.add(id);
    }
    const ids = [...stale];
    let count = 0;
    for (let i = 0; i < ids.length; i += RECHECK_CHUNK) {
      const chunk = ids.slice(i, i + RECHECK_CHUNK);
      const changes = await this.db.prisma.$transaction(
        async (tx) => {
          await membershipRepository.lockOutbox(tx);
          // The time is read under the lock, not once for the whole re-check: a write that committed
          // since (at a later time) has evaluated these customers already, and evaluating them again
          // at an earlier time could undo it (an ENTERED dated before the LEFT it reverses).
          return this.evaluateIn(tx, chunk, kind, {}, this.deps.clock());
        },
        { maxWait: 15_000, timeout: 120_000 },
      );
      await this.publish(changes)();
      count += changes.length;
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

  /** Size at the end of each of the last `days` UTC days, through the request's loader (one statement for a page of segments). */
  sizeTrend(id: string, days: number, trends: DataLoader<string, SizePoint[]>): Promise<SizePoint[]> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_TREND_DAYS)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `\`days\` must be a whole number from 1 to ${MAX_TREND_DAYS}`, { field: 'days', min: 1, max: MAX_TREND_DAYS });
    return trends.load(`${days}|${id}`);
  }

  async members(id: string, first: number | undefined, after: string | undefined, customers: DataLoader<string, CustomerRecord | null>) {
    const take = pageSize(first);
    const afterId = afterIdOf(after);
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
    // isUuid takes any case, but the feed and the replay compare ids as the database writes them.
    const ids = segmentIds?.map((id) => id.toLowerCase()) ?? null;
    const after = parseSeq(since);
    // Checked here so an expired since fails at once; the feed checks again with each replay page.
    if (after !== null) {
      const horizon = await membershipRepository.horizon(this.db.prisma);
      if (after < horizon) throw sinceExpired(horizon);
    }
    return this.deps.feed.listen(ids, after, onFellBehind);
  }
}


export function parseSeq(since: string | null | undefined): bigint | null {
  if (since == null || since === '') return null;
  if (!isBigintId(since))
    throw new UserError(ErrorCode.BAD_USER_INPUT, '`since` must be a seq received earlier (a whole number up to 9223372036854775807)', { field: 'since' });
  return BigInt(since);
}

function setIn(set: Set<string>, value: string, member: boolean) {
  if (member) set.add(value);
  else set.delete(value);
}
