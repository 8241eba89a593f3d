import { describe, expect, it } from 'vitest';
import { planUndo, type Knowledge, type MergeTree, type TreeEdge } from '../../src/modules/identities/merge-undo.ts';

const k = (o: Record<string, unknown>): Knowledge => new Map(Object.entries(o));
const edge = (id: string, winnerId: string, loserId: string, minute: number, filled: string[]): TreeEdge => ({
  id,
  winnerId,
  loserId,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
  filled: new Set(filled),
});
const plain = (m: Map<string, Knowledge>) => Object.fromEntries([...m].map(([id, v]) => [id, Object.fromEntries(v)]));

describe('planUndo', () => {
  // B into A (m1), then A into C (m2): C's city came from A, its company from B through A.
  const chain = (): MergeTree => ({
    rootId: 'C',
    edges: [edge('m1', 'A', 'B', 1, ['attr:company', 'tag:t-b']), edge('m2', 'C', 'A', 2, ['attr:city', 'attr:company', 'tag:t-b'])],
    knowledge: new Map([
      ['A', k({ 'attr:city': 'Lyon', 'attr:company': 'Bco', 'tag:t-b': true })],
      ['B', k({ 'attr:company': 'Bco', 'tag:t-b': true })],
      ['C', k({ 'attr:name': 'Cee', 'attr:city': 'Lyon', 'attr:company': 'Bco', 'tag:t-b': true })],
    ]),
  });

  it('undoing the inner merge frees the loser and takes its keys back from every customer above', () => {
    const plan = planUndo(chain(), 'm1');
    expect(plan.pointers).toEqual([{ id: 'B', mergedIntoId: null }]);
    expect(plain(plan.rewritten)).toEqual({ A: { 'attr:city': 'Lyon' }, C: { 'attr:name': 'Cee', 'attr:city': 'Lyon' } });
    expect(Object.fromEntries([...plan.refilled].map(([id, s]) => [id, [...s].sort()]))).toEqual({ m2: ['attr:city'] });
  });

  it('undoing the outer merge moves the loser and its subtree under the loser', () => {
    const plan = planUndo(chain(), 'm2');
    expect(plan.pointers).toEqual([
      { id: 'A', mergedIntoId: null },
      { id: 'B', mergedIntoId: 'A' },
    ]);
    expect(plain(plan.rewritten)).toEqual({ C: { 'attr:name': 'Cee' } });
  });

  it('a key the winner changed after the merge is its own and stays', () => {
    const tree = chain();
    tree.knowledge.get('C')!.set('attr:company', 'Cco');
    const plan = planUndo(tree, 'm1');
    expect(plain(plan.rewritten).C).toEqual({ 'attr:name': 'Cee', 'attr:city': 'Lyon', 'attr:company': 'Cco' });
  });

  it('a key is filled again from the earliest other merge whose side has it, and that merge now answers for it', () => {
    const tree: MergeTree = {
      rootId: 'W',
      edges: [edge('m1', 'W', 'L1', 1, ['trait:plan']), edge('m2', 'W', 'L2', 2, []), edge('m3', 'W', 'L3', 3, [])],
      knowledge: new Map([
        ['W', k({ 'trait:plan': { tier: 'pro', seats: 3 } })],
        ['L1', k({ 'trait:plan': { seats: 3, tier: 'pro' } })],
        ['L2', k({})],
        ['L3', k({ 'trait:plan': 'free' })],
      ]),
    };
    const plan = planUndo(tree, 'm1');
    expect(plain(plan.rewritten)).toEqual({ W: { 'trait:plan': 'free' } });
    expect([...plan.refilled.get('m3')!]).toEqual(['trait:plan']);
  });

  it('a change below that a customer above did not take from it stops there', () => {
    // C had its own company before A came in, so m2 filled nothing: undoing m1 rewrites A only.
    const tree = chain();
    tree.edges[1]!.filled = new Set(['attr:city']);
    tree.knowledge.get('C')!.set('attr:company', 'Cco');
    tree.knowledge.get('C')!.delete('tag:t-b');
    const plan = planUndo(tree, 'm1');
    expect([...plan.rewritten.keys()]).toEqual(['A']);
  });
});
