/**
 * The tag catalogue and tagging. Manual tags are set by hand (idempotently); rule tags are kept current
 * exactly like segments, by the same engine (SegmentService: one graph of segments and rule tags, so
 * hasTag and inSegment follow what they read). Every change of a tag is a new version; an archived tag
 * is held by no one, is no longer evaluated, and cannot be set.
 */
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { ChangeHooks } from '../../lib/change-hooks.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import { customerQueries } from '../customers/customer.queries.ts';
import { validRule, type RuleTagAccess, type SegmentService } from '../segments/segment.service.ts';
import { tagStore, type TagFull } from './tag.repository.ts';

const KEY = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;
export const MAX_TAG_BATCH = 1000;
const TX = { maxWait: 15_000, timeout: 300_000 };
const refOfKey = (key: string) => `tag:${key}`;

export class TagService implements RuleTagAccess {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; clock: () => Date; hooks: ChangeHooks; segments: SegmentService },
  ) {
    this.log = deps.logger.child({ module: 'tag-service' });
  }

  list(includeArchived = false) {
    return tagStore.list(this.db.prisma, includeArchived);
  }

  async get(key: string) {
    return (await tagStore.list(this.db.prisma, true)).find((t) => t.key === key) ?? null;
  }

  async require(key: string): Promise<TagFull> {
    const tag = await tagStore.findByKey(this.db.prisma, key);
    if (!tag) throw new UserError(ErrorCode.NOT_FOUND, `no tag "${key}"`, { field: 'tagKey' });
    return tag;
  }

  private async requireLive(key: string): Promise<TagFull> {
    const tag = await this.require(key);
    if (tag.archivedAt) throw new UserError(ErrorCode.ARCHIVED, `tag "${key}" is archived`, { field: 'tagKey' });
    return tag;
  }

  /** Idempotent: creating a tag that exists with the same definition returns it. */
  async create(input: { key: string; name: string; category?: string | null; description?: string | null; rule?: unknown }, createdBy: string | null = null) {
    if (!KEY.test(input.key)) throw new UserError(ErrorCode.BAD_USER_INPUT, 'key must be 1-64 lower-case letters, digits or _ . : -, starting with a letter or digit', { field: 'key' });
    const name = validName(input.name);
    const rule = input.rule != null ? validRule(input.rule) : null;
    const existing = await tagStore.findByKey(this.db.prisma, input.key);
    if (existing) {
      if (existing.archivedAt) throw new UserError(ErrorCode.ARCHIVED, `tag "${input.key}" is archived; its key is not reused`, { field: 'key' });
      const same = existing.name === name && JSON.stringify(existing.rule ?? null) === JSON.stringify(rule);
      if (same) return existing;
      throw new UserError(ErrorCode.ALREADY_EXISTS, `tag "${input.key}" exists with another definition; use updateTag`, { field: 'key' });
    }
    const { tag, afterCommit } = await this.db.prisma.$transaction(async (tx) => {
      if (rule) await this.deps.segments.refuseCycle(tx, refOfKey(input.key), rule);
      const tag = await tagStore.create(tx, { key: input.key, name, category: input.category ?? null, description: input.description ?? null, rule }, createdBy);
      // A new key can be read by hasTag rules written before it existed: they follow it now.
      const afterCommit = rule ? await this.deps.segments.refreshFrom(tx, { roots: [refOfKey(tag.key)] }, { kind: 'tag_created', tag: tag.key }) : null;
      return { tag, afterCommit };
    }, TX);
    await afterCommit?.();
    return tag;
  }

  /** A new version per change. A rule tag may get a new rule; a manual tag cannot get one, nor a rule tag lose it. */
  async update(key: string, patch: { name?: string | null; category?: string | null; description?: string | null; rule?: unknown }, createdBy: string | null = null) {
    const current = await this.requireLive(key);
    const rule = patch.rule != null ? validRule(patch.rule) : undefined;
    if (rule && current.kind !== 'RULE') throw new UserError(ErrorCode.TAG_KIND_FIXED, `tag "${key}" is a MANUAL tag and cannot get a rule; create a RULE tag`, { field: 'rule' });
    const { tag, afterCommit } = await this.db.prisma.$transaction(async (tx) => {
      if (rule) await this.deps.segments.refuseCycle(tx, refOfKey(key), rule);
      const tag = await tagStore.update(
        tx,
        key,
        {
          ...(patch.name != null ? { name: validName(patch.name) } : {}),
          ...(patch.category !== undefined ? { category: patch.category } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(rule ? { rule } : {}),
        },
        createdBy,
      );
      const afterCommit = rule ? await this.deps.segments.refreshFrom(tx, { roots: [refOfKey(key)] }, { kind: 'tag_rule_changed', tag: key }) : null;
      return { tag, afterCommit };
    }, TX);
    await afterCommit?.();
    return tag;
  }

  /**
   * Archives a tag: no one holds it any more (and a rule tag is no longer evaluated), so the segments and
   * rule tags that say hasTag on it are re-evaluated for its former holders in the same transaction.
   */
  async archive(key: string, createdBy: string | null = null) {
    await this.requireLive(key);
    const { tag, afterCommit } = await this.db.prisma.$transaction(async (tx) => {
      const tag = await tagStore.update(tx, key, { archived: true }, createdBy);
      const holders = await tagStore.removeAll(tx, tag.id);
      const afterCommit = await this.deps.segments.refreshFrom(tx, { seeds: new Map([[refOfKey(key), holders]]) }, { kind: 'tag_archived', tag: key });
      return { tag, afterCommit };
    }, TX);
    await afterCommit();
    this.log.info({ tag: key }, 'tag archived');
    return { ...tag, memberCount: 0 };
  }

  versions(tagId: string) {
    return tagStore.versions(this.db.prisma, tagId);
  }

  /** Adds (or removes) a manual tag; sending the same call twice changes nothing the second time. */
  async setTag(tagKey: string, customerIds: string[], on: boolean): Promise<{ changed: number; unchanged: number; notFound: string[] }> {
    if (customerIds.length > MAX_TAG_BATCH) throw new UserError(ErrorCode.BATCH_TOO_LARGE, `at most ${MAX_TAG_BATCH} customers a call`, { max: MAX_TAG_BATCH });
    const tag = await this.requireLive(tagKey);
    if (tag.kind === 'RULE') throw new UserError(ErrorCode.BAD_USER_INPUT, `tag "${tagKey}" is kept by its rule and cannot be set by hand`, { field: 'tagKey' });
    const unique = [...new Set(customerIds)];
    const { changed, notFound, afterCommit } = await this.db.prisma.$transaction(async (tx) => {
      // Erased people are not taggable (a tag is data about them): they count as not found.
      const found = (await customerQueries.findByIds(tx, unique.filter(isUuid))).filter((c) => !c.erasedAt);
      // A merged-away id means its winner.
      const live = [...new Set(found.map((c) => c.mergedIntoId ?? c.id))];
      const known = new Set(found.map((c) => c.id));
      const changed = on ? await tagStore.add(tx, tag.id, live) : await tagStore.remove(tx, tag.id, live);
      const afterCommit = await this.deps.hooks.run(tx, { customerIds: changed, kind: on ? 'tagged' : 'untagged', triggers: Object.fromEntries(changed.map((id) => [id, { tag: tagKey }])) });
      return { changed, notFound: unique.filter((id) => !known.has(id)), afterCommit };
    });
    await afterCommit();
    return { changed: changed.length, unchanged: unique.length - notFound.length - changed.length, notFound };
  }

  // ---- RuleTagAccess: the derived-state engine keeps rule tags through these ----

  liveRuleTags(db: Db) {
    return tagStore.liveRuleTags(db);
  }

  syncRuleTag(tx: Db, tagId: string, candidates: string[] | null, members: Prisma.Sql | string[]) {
    return tagStore.sync(tx, tagId, candidates, members);
  }

  dropRuleTagsOf(tx: Db, customerIds: string[]) {
    return tagStore.removeRuleTagsOf(tx, customerIds);
  }

  ruleTagDiff(db: Db, tagId: string, members: Prisma.Sql) {
    return tagStore.diff(db, tagId, members);
  }
}

function validName(raw: string): string {
  const name = raw.trim();
  if (!name || name.length > 200) throw new UserError(ErrorCode.BAD_USER_INPUT, 'name must be 1-200 characters', { field: 'name' });
  return name;
}
