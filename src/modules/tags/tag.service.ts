/**
 * The tag catalogue and tagging. Manual tags are set by hand (idempotently); rule tags are kept
 * current exactly like segments: full recompute when the rule is set, incremental for every write
 * that touches a customer (this runs before segments, so hasTag rules see the new tags).
 */
import { Prisma } from '../../generated/prisma/client.ts';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { ChangeHooks, CustomerChange } from '../../lib/change-hooks.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import { customerRepository } from '../customers/customer.repository.ts';
import { compileMembers } from '../segments/rules/rule.compiler.ts';
import { evaluateRule } from '../segments/rules/rule.evaluator.ts';
import { loadFacts } from '../segments/rules/rule.facts.ts';
import { parseRule } from '../segments/rules/rule.schema.ts';
import { validRule } from '../segments/segment.service.ts';
import { tagStore, type TagFull } from './tag.repository.ts';

const KEY = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;
export const MAX_TAG_BATCH = 1000;

export class TagService {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; clock: () => Date; hooks: ChangeHooks },
  ) {
    this.log = deps.logger.child({ module: 'tag-service' });
  }

  list() {
    return tagStore.list(this.db.prisma);
  }

  async require(key: string): Promise<TagFull> {
    const tag = await tagStore.findByKey(this.db.prisma, key);
    if (!tag) throw new UserError(ErrorCode.NOT_FOUND, `no tag "${key}"`, { field: 'tagKey' });
    return tag;
  }

  /** Idempotent: creating a tag that exists with the same definition returns it. */
  async create(input: { key: string; name: string; category?: string | null; description?: string | null; rule?: unknown }) {
    if (!KEY.test(input.key)) throw new UserError(ErrorCode.BAD_USER_INPUT, 'key must be 1-64 lower-case letters, digits or _ . : -, starting with a letter or digit', { field: 'key' });
    const name = input.name.trim();
    if (!name || name.length > 200) throw new UserError(ErrorCode.BAD_USER_INPUT, 'name must be 1-200 characters', { field: 'name' });
    const rule = input.rule != null ? validRule(input.rule) : null;
    const existing = await tagStore.findByKey(this.db.prisma, input.key);
    if (existing) {
      const same = existing.name === name && JSON.stringify(existing.rule ?? null) === JSON.stringify(rule);
      if (same) return existing;
      throw new UserError(ErrorCode.ALREADY_EXISTS, `tag "${input.key}" exists with another definition; use updateTag`, { field: 'key' });
    }
    return this.db.prisma.$transaction(
      async (tx) => {
        const tag = await tagStore.create(tx, { key: input.key, name, category: input.category ?? null, description: input.description ?? null, rule });
        if (rule) await tagStore.sync(tx, tag.id, null, compileMembers(rule, { now: this.deps.clock() }));
        return tag;
      },
      { timeout: 300_000 },
    );
  }

  async update(key: string, patch: { name?: string | null; category?: string | null; description?: string | null }) {
    await this.require(key);
    return tagStore.update(this.db.prisma, key, {
      ...(patch.name != null ? { name: patch.name.trim() } : {}),
      ...(patch.category !== undefined ? { category: patch.category } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
    });
  }

  /** Adds (or removes) a manual tag; sending the same call twice changes nothing the second time. */
  async setTag(tagKey: string, customerIds: string[], on: boolean): Promise<{ changed: number; unchanged: number; notFound: string[] }> {
    if (customerIds.length > MAX_TAG_BATCH) throw new UserError(ErrorCode.BATCH_TOO_LARGE, `at most ${MAX_TAG_BATCH} customers a call`, { max: MAX_TAG_BATCH });
    const tag = await this.require(tagKey);
    if (tag.kind === 'RULE') throw new UserError(ErrorCode.BAD_USER_INPUT, `tag "${tagKey}" is kept by its rule and cannot be set by hand`, { field: 'tagKey' });
    const unique = [...new Set(customerIds)];
    const { changed, notFound, afterCommit } = await this.db.prisma.$transaction(async (tx) => {
      // Erased people are not taggable (a tag is data about them): they count as not found.
      const found = (await customerRepository.findByIds(tx, unique.filter(isUuid))).filter((c) => !c.erasedAt);
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

  /** Keeps rule tags current for the customers a write touched. */
  async evaluateCustomers(tx: Db, change: CustomerChange): Promise<void> {
    const ids = [...new Set(change.customerIds)];
    const tags = (await tagStore.ruleTags(tx)).flatMap((t) => {
      const r = parseRule(t.rule);
      return r.ok ? [{ ...t, parsed: r.rule }] : [];
    });
    if (tags.length === 0 || ids.length === 0) return;
    const now = this.deps.clock();
    // Erased customers are never evaluated: the eraser removed their tags and they must not come back.
    const live = (await customerRepository.findByIds(tx, ids)).filter((c) => !c.mergedIntoId && !c.erasedAt).map((c) => c.id);
    const facts = await loadFacts(tx, live, tags.map((t) => t.parsed), now);
    for (const t of tags) {
      const members = live.filter((id) => {
        const f = facts.get(id);
        return f ? evaluateRule(t.parsed, f, now) : false;
      });
      await tagStore.sync(tx, t.id, live, Prisma.sql`SELECT value AS id FROM jsonb_array_elements_text(${JSON.stringify(members)}::jsonb)`);
    }
  }
}
