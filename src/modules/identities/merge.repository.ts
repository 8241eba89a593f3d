/**
 * Merges are pointers, not moves: the loser gets merged_into_id = winner (and so does everything that
 * was merged into the loser), its identities and touchpoints stay where they are and are read through
 * the pointer. Undoing a merge therefore restores the loser exactly. Only the tags the winner gained
 * and the empty attributes it filled from the loser are copies, and the ledger records both.
 */
import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { ATTRIBUTE_FIELDS } from '../customers/customer.model.ts';
import { customerRepository } from '../customers/customer.repository.ts';

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

    const [winner, loser] = await Promise.all([
      customerRepository.findByIds(tx, [m.winnerId]).then((r) => r[0]!),
      customerRepository.findByIds(tx, [m.loserId]).then((r) => r[0]!),
    ]);
    // The unified profile shows what either side knew: fill the winner's blanks from the loser.
    const patch: Record<string, unknown> = {};
    for (const f of ATTRIBUTE_FIELDS) if (winner[f] == null && loser[f] != null) patch[f] = loser[f];
    const traitsAdded = Object.keys(loser.traits).filter((k) => !(k in winner.traits));
    if (Object.keys(patch).length || traitsAdded.length) {
      await customerRepository.writeStates(tx, [
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

  /** Restores the loser (and what had been merged into it) and takes back what the winner gained. */
  async undo(tx: Db, m: MergeRecord & { snapshot: LoserSnapshot; tagsMoved: string[] }): Promise<void> {
    await tx.$executeRaw`UPDATE customer SET merged_into_id = NULL, updated_at = now() WHERE id = ${m.loserId}::uuid`;
    if (m.snapshot.redirected.length)
      await tx.$executeRaw`UPDATE customer SET merged_into_id = ${m.loserId}::uuid
        WHERE id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(m.snapshot.redirected)}::jsonb))`;
    if (m.tagsMoved.length)
      await tx.$executeRaw`DELETE FROM customer_tag WHERE customer_id = ${m.winnerId}::uuid
        AND tag_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(m.tagsMoved)}::jsonb))`;
    const [winner] = await customerRepository.findByIds(tx, [m.winnerId]);
    if (winner) {
      const state = winnerState(winner) as Record<string, unknown> & { traits: Record<string, unknown> };
      let changed = false;
      // Take back filled attributes only where nobody has changed them since.
      for (const [f, v] of Object.entries(m.snapshot.winnerPatch)) if (state[f] === v) ((state[f] = null), (changed = true));
      for (const k of m.snapshot.traitsAdded) if (k in state.traits) (delete state.traits[k], (changed = true));
      if (changed) await customerRepository.writeStates(tx, [state as never]);
    }
    await tx.mergeEvent.update({ where: { id: m.id }, data: { undoneAt: new Date() } });
  },

  async forCustomer(db: Db, customerIds: readonly string[]): Promise<MergeRecord[]> {
    const rows = await db.mergeEvent.findMany({
      where: { OR: [{ winnerId: { in: [...customerIds] } }, { loserId: { in: [...customerIds] } }] },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(toRecord);
  },
};

function winnerState(c: Awaited<ReturnType<typeof customerRepository.findByIds>>[number]) {
  const { id, source, externalId, traits } = c;
  const attrs = Object.fromEntries(ATTRIBUTE_FIELDS.map((f) => [f, c[f]]));
  return { id, source, externalId, traits: { ...traits }, ...attrs };
}
