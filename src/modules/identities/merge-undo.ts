/**
 * What undoing one merge changes, worked out in memory over the merge tree it sits in. Pure, so the
 * rules are unit-tested without a database; the repository feeds it the tree read under lock.
 *
 * The standing merges of a person form a tree: each loser hangs under the winner it was merged into,
 * and every member's merged_into_id points straight at the root (the live customer). A member's row is
 * frozen while it is merged (writes land on the root), so it still holds what that side knew when it
 * was merged. A merge copied onto the winner only what the winner lacked (attributes, trait keys,
 * tags: the "fill"); the edge records which keys it filled.
 *
 * "The merge never happened" means:
 * - pointers: the loser and everything under it (through merges that still stand) become a tree of
 *   their own, rooted at the loser; nothing else moves;
 * - copied keys: on the winner, every key the merge filled that still holds the loser's value is
 *   filled again as if the merge had not been there: from the earliest other merge into it whose side
 *   has the key, else it goes. A key the winner has changed since
 *   is the winner's own and stays. Whatever changed on the winner is carried up the same way to each
 *   customer above it, up to the root;
 * - identities and touchpoints never moved (they are read through the pointers), so nothing to do.
 */

/** One customer's copyable knowledge: `attr:email`, `trait:plan`, `tag:<tagId>` → value (true for tags). */
import { stableStringify } from '../../lib/stable-json.ts';

export type Knowledge = Map<string, unknown>;

export interface TreeEdge {
  id: string;
  winnerId: string;
  loserId: string;
  createdAt: Date;
  /** Keys this merge filled on its winner. */
  filled: Set<string>;
}

export interface MergeTree {
  rootId: string;
  /** The standing merges of the tree, the one to undo included. */
  edges: TreeEdge[];
  knowledge: Map<string, Knowledge>;
}

export interface UndoPlan {
  /** Customers whose merged_into_id changes: the loser (to null) and its subtree (to the loser). */
  pointers: { id: string; mergedIntoId: string | null }[];
  /** New knowledge of each customer whose copied keys changed. */
  rewritten: Map<string, Knowledge>;
  /** New filled-key sets of the standing merges whose responsibility changed. */
  refilled: Map<string, Set<string>>;
}

export function planUndo(tree: MergeTree, mergeId: string): UndoPlan {
  const undone = tree.edges.find((e) => e.id === mergeId);
  if (!undone) throw new Error(`merge ${mergeId} is not in the tree`);
  const standing = tree.edges.filter((e) => e.id !== mergeId).sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || x.id.localeCompare(y.id));
  const children = (id: string) => standing.filter((e) => e.winnerId === id);
  const parentEdge = (id: string) => standing.find((e) => e.loserId === id);
  const knowledge = new Map([...tree.knowledge].map(([id, k]) => [id, new Map(k)]));
  const know = (id: string) => knowledge.get(id) ?? new Map<string, unknown>();

  const subtree: string[] = [];
  for (const queue = [undone.loserId]; queue.length; ) {
    const id = queue.shift()!;
    subtree.push(id);
    queue.push(...children(id).map((e) => e.loserId));
  }
  const pointers = subtree.map((id) => ({ id, mergedIntoId: id === undone.loserId ? null : undone.loserId }));

  const rewritten = new Map<string, Knowledge>();
  const refilled = new Map<string, Set<string>>();
  const filledOf = (e: TreeEdge) => refilled.get(e.id) ?? e.filled;
  const setFilled = (e: TreeEdge, keys: Set<string>) => refilled.set(e.id, keys);

  // Walk up from the winner: at each customer, the keys that came in through `via` and still hold
  // the value that side had are filled again from the other merges into it.
  let at = undone.winnerId;
  let via: TreeEdge = undone;
  let reconsider = [...undone.filled].filter((k) => same(know(at).get(k), know(undone.loserId).get(k)));
  while (reconsider.length) {
    const mine = know(at);
    const before = new Map(mine);
    for (const k of reconsider) {
      if (via !== undone) setFilled(via, new Set([...filledOf(via)].filter((x) => x !== k)));
      mine.delete(k);
      const donor = children(at).find((e) => know(e.loserId).has(k));
      if (donor) {
        mine.set(k, know(donor.loserId).get(k));
        setFilled(donor, new Set([...filledOf(donor), k]));
      }
    }
    const changed = reconsider.filter((k) => !same(before.get(k), mine.get(k)));
    if (changed.length === 0) break;
    knowledge.set(at, mine);
    rewritten.set(at, mine);
    const up = parentEdge(at);
    if (!up) break;
    reconsider = changed.filter((k) => filledOf(up).has(k) && same(know(up.winnerId).get(k), before.get(k)));
    via = up;
    at = up.winnerId;
  }
  return { pointers, rewritten, refilled };
}

/** Values as jsonb compares them (it does not keep key order); undefined is "absent". */
export function same(a: unknown, b: unknown): boolean {
  return a === undefined || b === undefined ? a === b : stableStringify(a) === stableStringify(b);
}
