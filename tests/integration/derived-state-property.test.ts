/**
 * Derived state never goes stale: after any sequence of writes (touchpoints, profile upserts, manual
 * tagging, segments and rule tags created or re-ruled, rule tags archived) and clock moves followed by
 * the time-dependent re-check, every segment's and every rule tag's membership equals a from-scratch
 * evaluation. The reference here evaluates each rule on the customers' base facts in dependency
 * order, feeding each result to the rules that reference it (inSegment, hasTag), and never reads a
 * stored membership.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/lib/random.ts';
import { evaluateRule } from '../../src/modules/segments/rules/rule.evaluator.ts';
import { loadFacts } from '../../src/modules/segments/rules/rule.facts.ts';
import type { Rule } from '../../src/modules/segments/rules/rule.schema.ts';
import {
  ArchiveTagDocument,
  CreateSegmentDocument,
  CreateTagDocument,
  RecordTouchpointsDocument,
  TagCustomersDocument,
  UntagCustomersDocument,
  UpdateSegmentDocument,
  UpdateTagDocument,
  UpsertCustomersDocument,
} from '../generated/graphql.ts';
import { DAY_MS, testClock } from '../helpers/clock.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const STEPS = 90;
const CUSTOMERS = 8;
const MANUAL_TAGS = ['m1', 'm2'];

type Node = { kind: 'segment' | 'tag'; id: string; key: string | null; rule: Rule };

/** A reference evaluation: base facts from the database, derived sets computed here in dependency order. */
async function fromScratch(t: TestServer, nodes: Node[], now: Date): Promise<Map<string, string[]>> {
  const live = (await t.db.prisma.$queryRaw<{ id: string }[]>`SELECT id::text FROM customer WHERE merged_into_id IS NULL AND erased_at IS NULL`).map((r) => r.id);
  const facts = await loadFacts(t.db.prisma, live, nodes.map((n) => n.rule), now);
  const ruleKeys = new Set(nodes.filter((n) => n.kind === 'tag').map((n) => n.key!));
  for (const f of facts.values()) {
    for (const k of [...f.tagKeys]) if (!MANUAL_TAGS.includes(k)) f.tagKeys.delete(k);
    f.segmentIds.clear();
  }
  const refOf = (n: Node) => (n.kind === 'segment' ? `segment:${n.id}` : `tag:${n.key}`);
  const byRef = new Map(nodes.map((n) => [refOf(n), n]));
  const refs = (r: Rule): string[] =>
    'and' in r ? r.and.flatMap(refs) : 'or' in r ? r.or.flatMap(refs) : 'not' in r ? refs(r.not)
      : 'inSegment' in r ? [`segment:${r.inSegment}`] : 'hasTag' in r && ruleKeys.has(r.hasTag) ? [`tag:${r.hasTag}`] : [];
  const order: Node[] = [];
  const done = new Set<string>();
  const visit = (n: Node, path: Set<string>) => {
    const k = refOf(n);
    if (done.has(k)) return;
    if (path.has(k)) throw new Error('the walk made a reference cycle, which the API must refuse');
    path.add(k);
    for (const ref of refs(n.rule)) if (byRef.has(ref)) visit(byRef.get(ref)!, path);
    path.delete(k);
    done.add(k);
    order.push(n);
  };
  nodes.forEach((n) => visit(n, new Set()));
  const result = new Map<string, string[]>();
  for (const n of order) {
    const members: string[] = [];
    for (const f of facts.values()) {
      const member = evaluateRule(n.rule, f, now);
      if (member) members.push(f.id);
      if (n.kind === 'segment' && member) f.segmentIds.add(n.id);
      if (n.kind === 'tag' && member) f.tagKeys.add(n.key!);
    }
    result.set(refOf(n), members.sort());
  }
  return result;
}

async function stored(t: TestServer, nodes: Node[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  for (const n of nodes) {
    const rows =
      n.kind === 'segment'
        ? await t.db.prisma.$queryRaw<{ id: string }[]>`SELECT customer_id::text AS id FROM segment_membership WHERE segment_id = ${n.id}::uuid ORDER BY 1`
        : await t.db.prisma.$queryRaw<{ id: string }[]>`SELECT ct.customer_id::text AS id FROM customer_tag ct JOIN tag tg ON tg.id = ct.tag_id WHERE tg.key = ${n.key} ORDER BY 1`;
    result.set(n.kind === 'segment' ? `segment:${n.id}` : `tag:${n.key}`, rows.map((r) => r.id).sort());
  }
  return result;
}

describe.each(dbKinds)('derived state equals a from-scratch evaluation on %s', (kind) => {
  const clock = testClock('2026-02-01T12:00:00Z');
  let t: TestServer;
  beforeAll(async () => {
    // The timer is off: the walk runs the re-check itself after each clock move.
    t = await startTestServer(kind, { segmentRecheckMs: 3_600_000 }, { clock: clock.now });
  });
  afterAll(() => t?.stop());

  it(`holds after ${STEPS} random writes and clock moves`, { timeout: 300_000 }, async () => {
    const rnd = seededRandom(7_2026);
    const users = Array.from({ length: CUSTOMERS }, (_, i) => `walk-${i}`);
    const ids: string[] = [];
    const up = await t.ok(UpsertCustomersDocument, { input: users.map((u) => ({ source: 'walk', externalId: u, country: 'CN' })) });
    ids.push(...up.upsertCustomers.results.map((r) => r.customerId!));
    for (const key of MANUAL_TAGS) await t.ok(CreateTagDocument, { input: { key, name: key } });
    const nodes: Node[] = [];
    let tagSeq = 0;
    let msg = 0;

    // Only references to nodes made earlier (or manual tags), so the walk never builds a cycle.
    const leaf = (older: Node[]): Rule => {
      const choices: (() => Rule)[] = [
        () => ({ event: rnd.pick(['Login', 'Order Completed']), withinDays: rnd.pick([1, 2, 3, 5]) }),
        () => ({ event: 'Order Completed', count: { op: 'gte', value: 2 }, withinDays: rnd.pick([2, 4]) }),
        () => ({ attr: 'country', op: 'eq', value: rnd.pick(['CN', 'DE']) }),
        () => ({ lastSeen: { newerThanDays: rnd.pick([1, 3]) } }),
        () => ({ hasTag: rnd.pick(MANUAL_TAGS) }),
      ];
      // References weigh as much as all the base conditions together.
      for (let i = 0; older.length && i < 2; i++) {
        choices.push(() => {
          const n = rnd.pick(older);
          return n.kind === 'segment' ? { inSegment: n.id } : { hasTag: n.key! };
        });
        choices.push(() => {
          const n = rnd.pick(older);
          return { not: n.kind === 'segment' ? { inSegment: n.id } : { hasTag: n.key! } };
        });
      }
      return rnd.pick(choices)();
    };
    let referencing = 0;
    const rule = (older: Node[]): Rule => {
      const r = rnd.next();
      const made: Rule = r < 0.4 ? leaf(older) : r < 0.7 ? { and: [leaf(older), leaf(older)] } : { or: [leaf(older), leaf(older)] };
      if (/inSegment|"hasTag":"r/.test(JSON.stringify(made))) referencing++;
      return made;
    };
    const liveNodes = () => nodes;

    const check = async (step: number, what: string) => {
      const expected = await fromScratch(t, liveNodes(), clock.now());
      const actual = await stored(t, liveNodes());
      expect(Object.fromEntries(actual), `after step ${step} (${what})`).toEqual(Object.fromEntries(expected));
    };

    for (let step = 0; step < STEPS; step++) {
      const r = rnd.next();
      let what: string;
      if (r < 0.22) {
        const n = rnd.int(1, 3);
        const input = Array.from({ length: n }, () => ({
          messageId: `walk-${msg++}`,
          type: 'TRACK' as const,
          userId: rnd.pick(users),
          event: rnd.pick(['Login', 'Order Completed', 'Page Viewed']),
          occurredAt: clock.now().toISOString(),
        }));
        await t.ok(RecordTouchpointsDocument, { input });
        what = 'touchpoints';
      } else if (r < 0.28) {
        await t.ok(UpsertCustomersDocument, { input: [{ source: 'walk', externalId: rnd.pick(users), country: rnd.pick(['CN', 'DE']) }] });
        what = 'upsert';
      } else if (r < 0.36) {
        const args = { tagKey: rnd.pick(MANUAL_TAGS), customerIds: [rnd.pick(ids), rnd.pick(ids)] };
        if (rnd.chance(0.6)) await t.ok(TagCustomersDocument, args);
        else await t.ok(UntagCustomersDocument, args);
        what = 'manual tag';
      } else if (r < 0.48) {
        const ruleJson = rule(liveNodes());
        const s = (await t.ok(CreateSegmentDocument, { input: { name: `walk segment ${step}`, rule: ruleJson } })).createSegment;
        nodes.push({ kind: 'segment', id: s.id, key: null, rule: ruleJson });
        what = `create segment ${JSON.stringify(ruleJson)}`;
      } else if (r < 0.64) {
        const key = `r${tagSeq++}`;
        const ruleJson = rule(liveNodes());
        await t.ok(CreateTagDocument, { input: { key, name: key, rule: ruleJson } });
        nodes.push({ kind: 'tag', id: key, key, rule: ruleJson });
        what = `create rule tag ${JSON.stringify(ruleJson)}`;
      } else if (r < 0.76 && nodes.length) {
        // A new rule may reference only nodes made before this one, so no cycle appears.
        const i = rnd.int(0, nodes.length - 1);
        const n = nodes[i]!;
        const ruleJson = rule(nodes.slice(0, i));
        if (n.kind === 'segment') await t.ok(UpdateSegmentDocument, { id: n.id, input: { rule: ruleJson } });
        else await t.ok(UpdateTagDocument, { key: n.key!, input: { rule: ruleJson } });
        n.rule = ruleJson;
        what = `re-rule ${n.kind} ${JSON.stringify(ruleJson)}`;
      } else if (r < 0.78 && nodes.some((n) => n.kind === 'tag')) {
        // Archive a rule tag nothing references any more (or its referrers see it as a plain absent tag).
        const n = rnd.pick(nodes.filter((x) => x.kind === 'tag'));
        await t.ok(ArchiveTagDocument, { key: n.key! });
        nodes.splice(nodes.indexOf(n), 1);
        what = `archive tag ${n.key}`;
      } else {
        clock.advance(rnd.pick([0.5, 1, 1, 2]) * DAY_MS + rnd.int(0, 3_600_000));
        await t.server.services.segments.recheckTimeDependent();
        what = 'clock move + re-check';
      }
      await check(step, what);
    }
    // The walk is worth something only if it wrote rules that read other derived sets.
    expect(referencing).toBeGreaterThanOrEqual(5);
  });
});
