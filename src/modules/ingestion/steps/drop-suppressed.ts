/**
 * Set-based step, inside the store transaction: events that name an erased person (by email, phone,
 * user id, ...) are dropped with reason `suppressed` instead of bringing the person back. The identity
 * keys are locked first, the same locks the eraser takes, so an erase and an event for the same person
 * never interleave: the event is either stored before the erase (and scrubbed by it) or dropped after.
 */
import type { Db } from '../../../db/client.ts';
import { lockAndFindSuppressed } from '../../privacy/suppression.gate.ts';
import type { NormalizedEvent } from '../event.model.ts';
import { drop, ok, type StepResult } from '../pipeline.ts';

export async function dropSuppressed<T extends { event: NormalizedEvent }>(tx: Db, items: T[]): Promise<StepResult<T>[]> {
  const hits = await lockAndFindSuppressed(tx, items.map((c) => c.event.identities));
  return items.map((c, i) => (hits[i] ? drop('suppressed') : ok(c)));
}
