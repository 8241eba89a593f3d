/**
 * Set-based step, inside the store transaction: events that name an erased person (by email, phone,
 * user id, ...) are dropped with reason `suppressed` instead of bringing the person back. The identity
 * keys are locked first, the same locks the eraser takes, so an erase and an event for the same person
 * never interleave: the event is either stored before the erase (and scrubbed by it) or dropped after.
 */
import type { Db } from '../../../db/client.ts';
import { customerRepository } from '../../customers/customer.repository.ts';
import { identityKey } from '../../identities/identity.normalize.ts';
import { findSuppressed } from '../../privacy/suppression.gate.ts';
import { suppressionKeys } from '../../privacy/suppression.ts';
import type { NormalizedEvent } from '../event.model.ts';
import { drop, ok, type StepResult } from '../pipeline.ts';

export async function dropSuppressed<T extends { event: NormalizedEvent }>(tx: Db, items: T[]): Promise<StepResult<T>[]> {
  const keys = items.map((c) => suppressionKeys(c.event.identities));
  // Anonymous-only batches (most web traffic) cannot name anyone erased: no statement at all.
  if (keys.every((k) => k.length === 0)) return items.map((c) => ok(c));
  await customerRepository.lockKeys(tx, [...new Set(items.flatMap((c) => c.event.identities.map((i) => `id:${identityKey(i.type, i.value)}`)))]);
  const hits = await findSuppressed(tx, keys);
  return items.map((c, i) => (hits[i] ? drop('suppressed') : ok(c)));
}
