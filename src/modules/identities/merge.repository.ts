/**
 * Merges are pointers, not moves: the loser gets merged_into_id = winner (and so does everything that
 * was merged into the loser), its identities and touchpoints stay where they are and are read through
 * the pointer. Only the tags the winner gained and the blanks (attributes, trait keys) it filled from
 * the loser are copies, and the ledger records which keys each merge filled, so an undo can work
 * them out again over the merges that still stand (merge-undo.ts).
 */
import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { ATTRIBUTE_FIELDS, type CustomerRecord } from '../customers/customer.model.ts';
import { customerQueries } from '../customers/customer.queries.ts';
import type { Knowledge, MergeTree, TreeEdge, UndoPlan } from './merge-undo.ts';

export interface MergeRecord {
  id: string;
  winnerId: string;
  loserId: string;
  reason: string;
  status: string;
  performedBy: string | null;
  identitiesMoved: { type: string; value: string }[];
  createdAt: Date;
  undoneAt: Date | null;
}

interface LoserSnapshot {
  redirected: string[];
  winnerPatch: Record<string, unknown>;
  traitsAdded: string[];
  touchpointCount: number;
}

const toRecord = (m: Prisma.MergeEventGetPayload<object>): MergeRecord => ({
  id: m.id,
  winnerId: m.winnerId,
  loserId: m.loserId,
  reason: m.reason,
  status: m.status,
  performedBy: m.performedBy,
  identitiesMoved: m.identitiesMoved as MergeRecord['identitiesMoved'],
  createdAt: m.createdAt,
  undoneAt: m.undoneAt,
});

export const mergeRepository = {
  async apply(tx: Db, m: { winnerId: string; loserId: string; reason: string; performedBy: string | null }): Promise<MergeRecord & { redirected: string[] }> {
    const redirected = await tx.$queryRaw<{ id: string }[]>`
      UPDATE customer SET merged_into_id = ${m.winnerId}::uuid WHERE merged_into_id = ${m.loserId}::uuid RETURNING id::text`;
    await tx.$executeRaw`UPDATE customer SET merged_into_id = ${m.winnerId}::uuid, updated_at = now() WHERE id = ${m.loserId}::uuid`;
    const tags = await tx.$queryRaw<{ tag_id: string }[]>`
      INSERT INTO customer_tag (customer_id, tag_id)
      SELECT ${m.winnerId}::uuid, tag_id FROM customer_tag WHERE customer_id = ${m.loserId}::uuid
      ON CONFLICT DO NOTHING RETURNING tag_id::text`;
    const identities = await tx.$queryRaw<{ type: string; value: string }[]>`
      SELECT i.type::text AS type, i.value FROM identity i JOIN customer c ON c.id = i.customer_id
      WHERE c.id = ${m.loserId}::uuid OR c.merged_into_id = ${m.loserId}::uuid ORDER BY 1, 2`;

    const pair = new Map((await customerQueries.findByIds(tx, [m.winnerId, m.loserId])).map((c) => [c.id, c]));
    const winner = pair.get(m.winnerId)!;
    const loser = pair.get(m.loserId)!;
    // The unified profile shows what either side knew: fill the winner's blanks from the loser.
    const patch: Record<string, unknown> = {};
    for (const f of ATTRIBUTE_FIELDS) if (winner[f] == null && loser[f] != null) patch[f] = loser[f];
    const traitsAdded = Object.keys(loser.traits).filter((k) => !(k in winner.traits));
    if (Object.keys(patch).length || traitsAdded.length) {
      await customerQueries.writeStates(tx, [
        { ...winnerState(winner), ...patch, traits: { ...Object.fromEntries(traitsAdded.map((k) => [k, loser.traits[k]])), ...winner.traits } } as never,
      ]);
    }
    const snapshot: LoserSnapshot = { redirected: redirected.map((r) => r.id), winnerPatch: patch, traitsAdded, touchpointCount: loser.touchpointCount };
    const row = await tx.mergeEvent.create({
      data: {
        winnerId: m.winnerId,
        loserId: m.loserId,
        reason: m.reason,
        performedBy: m.performedBy,
        identitiesMoved: identities,
        tagsMoved: tags.map((t) => t.tag_id),
        loserSnapshot: snapshot as never,
      },
    });
    return { ...toRecord(row), redirected: snapshot.redirected };
  },

  async recordConflict(tx: Db, m: { winnerId: string; loserId: string; reason: string; performedBy: string | null }): Promise<void> {
    await tx.mergeEvent.create({ data: { ...m, status: 'REFUSED' } });
  },

  async find(db: Db, id: string): Promise<(MergeRecord & { snapshot: LoserSnapshot; tagsMoved: string[] }) | null> {
    const m = await db.mergeEvent.findUnique({ where: { id } });
    return m ? { ...toRecord(m), snapshot: m.loserSnapshot as unknown as LoserSnapshot, tagsMoved: m.tagsMoved as string[] } : null;
  },

  /**
   * The merge tree of a live customer: its members' copyable knowledge (attributes, traits, tags) and
   * the standing merges between them, with the keys each one filled on its winner.
   */
  async tree(tx: Db, rootId: string): Promise<MergeTree> {
    const members = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM customer WHERE id = ${rootId}::uuid OR merged_into_id = ${rootId}::uuid`;
    const ids = members.map((r) => r.id);
    // Sequential for the reason resolveIdentities gives: concurrent queries in a transaction are
    // batched, and the batch plan cache keys on the raw statements' values.
    const rows = await customerQueries.findByIds(tx, ids);
    const tags = await tx.$queryRaw<{ customer_id: string; tag_id: string }[]>`
      SELECT customer_id::text, tag_id::text FROM customer_tag WHERE customer_id = ANY(${ids}::uuid[])`;
    const events = await tx.mergeEvent.findMany({ where: { status: 'MERGED', undoneAt: null, loserId: { in: ids } } });
    const knowledge = new Map(rows.map((c) => [c.id, knowledgeOf(c)]));
    for (const t of tags) knowledge.get(t.customer_id)?.set(`tag:${t.tag_id}`, true);
    const edges = events.map((e): TreeEdge => {
      const snap = e.loserSnapshot as unknown as Partial<LoserSnapshot>;
      return {
        id: e.id,
        winnerId: e.winnerId,
        loserId: e.loserId,
        createdAt: e.createdAt,
        filled: new Set([
          ...Object.keys(snap.winnerPatch ?? {}).map((f) => `attr:${f}`),
          ...(snap.traitsAdded ?? []).map((k) => `trait:${k}`),
          ...(e.tagsMoved as string[]).map((id) => `tag:${id}`),
        ]),
      };
    });
    return { rootId, edges, knowledge };
  },

  /** Writes what planUndo worked out, and marks the merge undone. */
  async applyUndo(tx: Db, mergeId: string, tree: MergeTree, plan: UndoPlan): Promise<void> {
    for (const p of plan.pointers)
      await tx.$executeRaw`UPDATE customer SET merged_into_id = ${p.mergedIntoId}::uuid, updated_at = now() WHERE id = ${p.id}::uuid`;
    if (plan.rewritten.size) {
      const rows = await customerQueries.findByIds(tx, [...plan.rewritten.keys()]);
      await customerQueries.writeStates(tx, rows.map((c) => stateFrom(c, plan.rewritten.get(c.id)!)));
      for (const [id, after] of plan.rewritten) {
        const before = tree.knowledge.get(id) ?? new Map();
        const gone = [...before.keys()].filter((k) => k.startsWith('tag:') && !after.has(k)).map((k) => k.slice(4));
        const added = [...after.keys()].filter((k) => k.startsWith('tag:') && !before.has(k)).map((k) => k.slice(4));
        if (gone.length) await tx.$executeRaw`DELETE FROM customer_tag WHERE customer_id = ${id}::uuid AND tag_id = ANY(${gone}::uuid[])`;
        if (added.length)
          await tx.$executeRaw`INSERT INTO customer_tag (customer_id, tag_id) SELECT ${id}::uuid, t FROM unnest(${added}::uuid[]) AS t ON CONFLICT DO NOTHING`;
      }
    }
    for (const [edgeId, filled] of plan.refilled) {
      const edge = tree.edges.find((e) => e.id === edgeId)!;
      const loser = tree.knowledge.get(edge.loserId) ?? new Map();
      const keys = (prefix: string) => [...filled].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
      const row = await tx.mergeEvent.findUniqueOrThrow({ where: { id: edgeId } });
      const snap = row.loserSnapshot as unknown as LoserSnapshot;
      await tx.mergeEvent.update({
        where: { id: edgeId },
        data: {
          tagsMoved: keys('tag:'),
          loserSnapshot: {
            ...snap,
            winnerPatch: Object.fromEntries(keys('attr:').map((f) => [f, loser.get(`attr:${f}`) ?? null])),
            traitsAdded: keys('trait:'),
          } as never,
        },
      });
    }
    await tx.mergeEvent.update({ where: { id: mergeId }, data: { undoneAt: new Date() } });
  },

  /**
   * Ledger entries of each customer's merged set (the customer and everyone merged into it), keyed by
   * the customer asked for: an inner merge of a chain must stay visible to be undone.
   */
  async forCustomer(db: Db, customerIds: readonly string[]): Promise<(MergeRecord & { customerId: string })[]> {
    const ids = [...customerIds];
    const members = await db.customer.findMany({ where: { OR: [{ id: { in: ids } }, { mergedIntoId: { in: ids } }] }, select: { id: true, mergedIntoId: true } });
    // A member belongs to the set it was asked for as, and to the set of its root if that was asked for.
    const setOf = new Map(members.map((m) => [m.id, [m.id, m.mergedIntoId].filter((k): k is string => k !== null && ids.includes(k))]));
    const all = [...setOf.keys()];
    const rows = await db.mergeEvent.findMany({
      where: { OR: [{ winnerId: { in: all } }, { loserId: { in: all } }] },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.flatMap((m) => [...new Set([...(setOf.get(m.winnerId) ?? []), ...(setOf.get(m.loserId) ?? [])])].map((customerId) => ({ ...toRecord(m), customerId })));
  },
};

function knowledgeOf(c: CustomerRecord): Knowledge {
  const k: Knowledge = new Map();
  for (const f of ATTRIBUTE_FIELDS) if (c[f] != null) k.set(`attr:${f}`, c[f]);
  for (const [key, v] of Object.entries(c.traits)) k.set(`trait:${key}`, v);
  return k;
}

function stateFrom(c: CustomerRecord, k: Knowledge) {
  const state = winnerState(c) as Record<string, unknown>;
  for (const f of ATTRIBUTE_FIELDS) state[f] = k.get(`attr:${f}`) ?? null;
  state.traits = Object.fromEntries([...k].filter(([key]) => key.startsWith('trait:')).map(([key, v]) => [key.slice(6), v]));
  return state as never;
}

function winnerState(c: CustomerRecord) {
  const { id, source, externalId, traits } = c;
  const attrs = Object.fromEntries(ATTRIBUTE_FIELDS.map((f) => [f, c[f]]));
  return { id, source, externalId, traits: { ...traits }, ...attrs };
}
