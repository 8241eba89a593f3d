/**
 * Undoing merges in a chain. B merged into A (M1), then A into C (M2). Whichever order the two are
 * undone in, each undo must leave the state in which that merge never happened: the loser's side comes
 * back separate with exactly its own data, and the winner's side keeps its own data and whatever the
 * merges that still stand gave it, nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustomerByIdentityDocument,
  CreateTagDocument,
  MergeCustomersDocument,
  MergeStateDocument,
  RecordTouchpointsDocument,
  TagCustomersDocument,
  UnmergeCustomersDocument,
  UpsertCustomersDocument,
} from '../generated/graphql.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(dbKinds)('unmerge in merge chains on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    for (const key of ['tag-a', 'tag-b', 'tag-c']) await t.ok(CreateTagDocument, { input: { key, name: key } });
  });
  afterAll(() => t?.stop());

  /** Three customers, each with its own cookie, attributes, traits, tag and touchpoints. */
  async function abc(prefix: string) {
    const cookie = (n: string) => ({ type: 'COOKIE' as const, value: `${prefix}-${n}` });
    const made = (
      await t.ok(UpsertCustomersDocument, {
        input: [
          { identities: [cookie('a')], city: 'Lyon', traits: { a: 1, shared: 'from-a' } },
          { identities: [cookie('b')], company: 'Bco', country: 'BE', city: 'Gent', traits: { b: 2, shared: 'from-b' } },
          { identities: [cookie('c')], name: 'Cee', traits: { c: 3 } },
        ],
      })
    ).upsertCustomers.results.map((r) => r.customerId!);
    const [a, b, c] = made as [string, string, string];
    for (const [id, key] of [[a, 'tag-a'], [b, 'tag-b'], [c, 'tag-c']] as const) await t.ok(TagCustomersDocument, { tagKey: key, customerIds: [id] });
    await t.ok(RecordTouchpointsDocument, {
      input: ['a', 'b', 'b', 'c'].map((n, i) => ({ messageId: `${prefix}-tp-${i}`, event: 'Visit', identities: [cookie(n)], revenue: i + 1 })),
    });
    return { a, b, c, cookie };
  }

  const state = async (id: string) => {
    const c = (await t.ok(MergeStateDocument, { id })).customer!;
    // The ledger is compared separately; the profile is everything else.
    const { merges: _ledger, ...profile } = c;
    return { ...profile, identities: [...profile.identities].sort((x, y) => x.value.localeCompare(y.value)) };
  };

  it('undoing the inner merge while the outer stands separates B from A and C, and C drops what only B gave it', async () => {
    const { a, b, c, cookie } = await abc('in');
    const before = { a: await state(a), b: await state(b), c: await state(c) };
    const m1 = (await t.ok(MergeCustomersDocument, { winnerId: a, loserId: b })).mergeCustomers.id;
    const m2 = (await t.ok(MergeCustomersDocument, { winnerId: c, loserId: a })).mergeCustomers.id;
    const all = await state(c);
    expect(all).toMatchObject({ name: 'Cee', city: 'Lyon', company: 'Bco', country: 'BE', traits: { a: 1, b: 2, c: 3, shared: 'from-a' } });
    expect(all.tags.map((x) => x.key)).toEqual(['tag-a', 'tag-b', 'tag-c']);

    await t.ok(UnmergeCustomersDocument, { mergeId: m1 });
    expect(await state(b)).toEqual(before.b);
    expect((await t.ok(CustomerByIdentityDocument, cookie('b'))).customerByIdentity!.id).toBe(b);
    // C is now exactly "C with A merged in": A's data stays, B's is gone.
    const cWithA = await state(c);
    expect(cWithA).toMatchObject({ name: 'Cee', city: 'Lyon', company: null, country: null, traits: { a: 1, c: 3, shared: 'from-a' } });
    expect(cWithA.traits).not.toHaveProperty('b');
    expect(cWithA.tags.map((x) => x.key)).toEqual(['tag-a', 'tag-c']);
    expect(cWithA.identities.map((i) => i.value)).toEqual([`in-a`, `in-c`]);
    expect(cWithA.stats).toEqual({ touchpointCount: 2, lifetimeValue: 1 + 4 });
    expect((await t.ok(CustomerByIdentityDocument, cookie('a'))).customerByIdentity!.id).toBe(c);

    await t.ok(UnmergeCustomersDocument, { mergeId: m2 });
    // Nothing merged any more: all three are back as they were, and B was not folded into A again.
    expect(await state(a)).toEqual(before.a);
    expect(await state(b)).toEqual(before.b);
    expect(await state(c)).toEqual(before.c);
    for (const n of ['a', 'b', 'c'] as const) expect((await t.ok(CustomerByIdentityDocument, cookie(n))).customerByIdentity!.id).toBe({ a, b, c }[n]);
    const ledger = (await t.ok(MergeStateDocument, { id: a })).customer!.merges;
    expect(ledger.map((m) => [m.id, m.undoneAt !== null])).toEqual([
      [m1, true],
      [m2, true],
    ]);
    expect(await t.db.prisma.mergeEvent.count({ where: { OR: [{ winnerId: { in: [a, b, c] } }, { loserId: { in: [a, b, c] } }] } })).toBe(2);
  });

  it('undoing the outer merge first keeps B inside A, then undoing the inner one separates them', async () => {
    const { a, b, c } = await abc('out');
    const before = { a: await state(a), b: await state(b), c: await state(c) };
    const m1 = (await t.ok(MergeCustomersDocument, { winnerId: a, loserId: b })).mergeCustomers.id;
    const aWithB = await state(a);
    const m2 = (await t.ok(MergeCustomersDocument, { winnerId: c, loserId: a })).mergeCustomers.id;

    await t.ok(UnmergeCustomersDocument, { mergeId: m2 });
    expect(await state(c)).toEqual(before.c);
    expect(await state(b)).toEqual(aWithB); // B still reads as A with B merged in
    expect(await state(a)).toEqual(aWithB);

    await t.ok(UnmergeCustomersDocument, { mergeId: m1 });
    expect(await state(a)).toEqual(before.a);
    expect(await state(b)).toEqual(before.b);
    expect(await state(c)).toEqual(before.c);
  });

  it('two concurrent undos of one merge apply once: the other answers ALREADY_UNDONE', async () => {
    const { a, b, c } = await abc('cc');
    const before = { a: await state(a), b: await state(b), c: await state(c) };
    const m1 = (await t.ok(MergeCustomersDocument, { winnerId: a, loserId: b })).mergeCustomers.id;
    await t.ok(MergeCustomersDocument, { winnerId: c, loserId: a });
    const answers = await Promise.all([0, 1, 2].map(() => t.gql(UnmergeCustomersDocument, { mergeId: m1 })));
    const codes = answers.map((r) => (r.errors ? r.errors[0]!.extensions!.code : 'OK')).sort();
    expect(codes).toEqual(['ALREADY_UNDONE', 'ALREADY_UNDONE', 'OK']);
    expect(await state(b)).toEqual(before.b);
  });
});
