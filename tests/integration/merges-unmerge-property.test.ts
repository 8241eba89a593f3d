/**
 * Property: whatever merges are made and undone, in whatever order, once or repeatedly, one at a time
 * or concurrently, what the API shows is the state in which only the merges still standing ever
 * happened. The reference is a model in this file that replays the standing merges, in the order they
 * were made, over the customers as they were created: a merge fills the winner's blank attributes
 * and missing trait keys from the loser and adds the loser's tags; identities and touchpoints are the
 * union of the members. Every customer id must read as its model root with that profile; the ledger
 * holds exactly the merges made, undone exactly where the model says.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTagDocument,
  MergeCustomersDocument,
  MergeStateDocument,
  RecordTouchpointsDocument,
  TagCustomersDocument,
  UnmergeCustomersDocument,
  UpsertCustomersDocument,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { fuzzParams } from '../helpers/fuzz.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const RUNS = 20;
const ATTRS = ['city', 'company', 'country'] as const;
const TAGS = ['pt-1', 'pt-2', 'pt-3'];

interface Person {
  attrs: Partial<Record<(typeof ATTRS)[number], string>>;
  traits: Record<string, number | string>;
  tags: string[];
  revenues: number[];
}

type Op =
  | { kind: 'merge'; winner: number; loser: number }
  | { kind: 'unmerge'; merge: number }
  | { kind: 'unmergeTogether'; merges: number[] };

const person: fc.Arbitrary<Person> = fc.record({
  attrs: fc.record({ city: fc.constantFrom('Lyon', 'Gent'), company: fc.constantFrom('Aco', 'Bco'), country: fc.constantFrom('FR', 'BE') }, { requiredKeys: [] }),
  traits: fc.record({ k1: fc.integer({ min: 1, max: 3 }), k2: fc.constantFrom('x', 'y'), k3: fc.integer({ min: 1, max: 3 }) }, { requiredKeys: [] }),
  tags: fc.subarray(TAGS),
  revenues: fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 2 }),
});

const op = (n: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('merge' as const), winner: fc.nat(n - 1), loser: fc.nat(n - 1) }) },
    // Indexes into the merges made so far (modulo their count), small so that the older merges of a
    // chain (the inner ones) are undone often, some already undone.
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('unmerge' as const), merge: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unmergeTogether' as const), merges: fc.array(fc.nat(3), { minLength: 2, maxLength: 3 }) }) },
  );

const scenario = fc.integer({ min: 3, max: 4 }).chain((n) => fc.record({ people: fc.array(person, { minLength: n, maxLength: n }), ops: fc.array(op(n), { minLength: 4, maxLength: 9 }) }));

interface ModelMerge {
  id: string;
  winner: number;
  loser: number;
  undone: boolean;
}

/** Root of every person, and each root's profile, when only the standing merges ever happened. */
function replay(people: Person[], merges: ModelMerge[]) {
  const root = people.map((_, i) => i);
  const profile = people.map((p) => ({ attrs: { ...p.attrs }, traits: { ...p.traits }, tags: new Set(p.tags) }));
  for (const m of merges.filter((x) => !x.undone)) {
    if (root[m.winner] !== m.winner || root[m.loser] !== m.loser) throw new Error('model: a merge between customers that were not live');
    const w = profile[m.winner]!;
    const l = profile[m.loser]!;
    for (const f of ATTRS) if (w.attrs[f] === undefined && l.attrs[f] !== undefined) w.attrs[f] = l.attrs[f];
    for (const [k, v] of Object.entries(l.traits)) if (!(k in w.traits)) w.traits[k] = v;
    for (const tag of l.tags) w.tags.add(tag);
    for (const [i, r] of root.entries()) if (r === m.loser) root[i] = m.winner;
  }
  return { root, profile };
}

describe.each(dbKinds)('merges and unmerges in any order on %s', (kind) => {
  let t: TestServer;
  let run = 0;
  beforeAll(async () => {
    t = await startTestServer(kind);
    for (const key of TAGS) await t.ok(CreateTagDocument, { input: { key, name: key } });
  });
  afterAll(() => t?.stop());

  it('leave exactly the state of the merges that still stand', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ people, ops }) => {
        const prefix = `p${run++}`;
        const cookie = (i: number) => ({ type: 'COOKIE' as const, value: `${prefix}-${i}` });
        const ids = (
          await t.ok(UpsertCustomersDocument, { input: people.map((p, i) => ({ identities: [cookie(i)], ...p.attrs, traits: p.traits })) })
        ).upsertCustomers.results.map((r) => r.customerId!);
        for (const tag of TAGS) {
          const holders = ids.filter((_, i) => people[i]!.tags.includes(tag));
          if (holders.length) await t.ok(TagCustomersDocument, { tagKey: tag, customerIds: holders });
        }
        const touchpoints = people.flatMap((p, i) => p.revenues.map((revenue, k) => ({ messageId: `${prefix}-${i}-${k}`, event: 'Buy', identities: [cookie(i)], revenue })));
        if (touchpoints.length) await t.ok(RecordTouchpointsDocument, { input: touchpoints });

        const merges: ModelMerge[] = [];
        const code = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => (r.errors ? String(r.errors[0]!.extensions?.code) : 'OK');
        for (const o of ops) {
          if (o.kind === 'merge') {
            const { root } = replay(people, merges);
            const [w, l] = [root[o.winner]!, root[o.loser]!];
            const r = await t.gql(MergeCustomersDocument, { winnerId: ids[w]!, loserId: ids[l]! });
            if (w === l) expect(code(r), 'merging a customer with itself').toBe('ALREADY_MERGED');
            else {
              expect(code(r), JSON.stringify(r.errors)).toBe('OK');
              merges.push({ id: r.data!.mergeCustomers.id, winner: w, loser: l, undone: false });
            }
          } else {
            if (merges.length === 0) continue;
            const picked = (o.kind === 'unmerge' ? [o.merge] : o.merges).map((k) => merges[k % merges.length]!);
            const answers = await Promise.all(picked.map((m) => t.gql(UnmergeCustomersDocument, { mergeId: m.id })));
            // Per merge: one OK if it stood, every other answer ALREADY_UNDONE.
            for (const m of new Set(picked)) {
              const got = answers.filter((_, i) => picked[i] === m).map(code).sort();
              const expected = got.map((_, k) => (k === 0 && !m.undone ? 'OK' : 'ALREADY_UNDONE')).sort();
              expect(got, `undo of ${m.id}`).toEqual(expected);
              m.undone = true;
            }
          }
        }

        const { root, profile } = replay(people, merges);
        const seenMerges = new Map<string, boolean>();
        for (const [i, id] of ids.entries()) {
          const got = (await t.ok(MergeStateDocument, { id })).customer!;
          const r = root[i]!;
          const members = people.map((_, j) => j).filter((j) => root[j] === r);
          const p = profile[r]!;
          expect({
            id: got.id,
            attrs: Object.fromEntries(ATTRS.map((f) => [f, got[f]])),
            traits: got.traits,
            tags: got.tags.map((x) => x.key).sort(),
            identities: got.identities.map((x) => x.value).sort(),
            stats: got.stats,
          }, `customer ${i}`).toEqual({
            id: ids[r],
            attrs: Object.fromEntries(ATTRS.map((f) => [f, p.attrs[f] ?? null])),
            traits: p.traits,
            tags: [...p.tags].sort(),
            identities: members.map((j) => cookie(j).value).sort(),
            stats: { touchpointCount: members.reduce((s, j) => s + people[j]!.revenues.length, 0), lifetimeValue: members.reduce((s, j) => s + people[j]!.revenues.reduce((a, b) => a + b, 0), 0) },
          });
          for (const m of got.merges) seenMerges.set(m.id, m.undoneAt !== null);
        }
        // The ledger: every merge made, once, undone exactly where the model says; no entry beyond them.
        expect(Object.fromEntries(seenMerges)).toEqual(Object.fromEntries(merges.map((m) => [m.id, m.undone])));
      }),
      fuzzParams(RUNS),
    );
  }, 240_000);
});
