/**
 * The check both doors run inside their write transaction, after locking the identity keys of the
 * batch (the eraser takes the same locks): one statement for the whole batch finds which items carry a
 * suppressed identifier and counts them on it.
 */
import type { Db } from '../../db/client.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';
import { customerQueries } from '../customers/customer.queries.ts';
import { identityKey } from '../identities/identity.normalize.ts';
import { privacyRepository } from './privacy.repository.ts';
import { countByHash, suppressionKeys, type SuppressionKey } from './suppression.ts';

/** Per item, the first suppressed key it carries, or null when it may pass. */
export async function findSuppressed(tx: Db, items: readonly (readonly SuppressionKey[])[]): Promise<(SuppressionKey | null)[]> {
  const suppressed = await privacyRepository.consumeSuppressed(tx, countByHash(items));
  return items.map((keys) => keys.find((k) => suppressed.has(k.hash)) ?? null);
}

/**
 * For events (well-formed or quarantined): their normalised identities' keys are locked first, as
 * the eraser locks them, so an event and an erase of the same person never interleave. Items that
 * name nobody suppressible (most anonymous traffic) cost no statement at all.
 */
export async function lockAndFindSuppressed(tx: Db, items: readonly (readonly { type: IdentityType; value: string }[])[]): Promise<(SuppressionKey | null)[]> {
  const keys = items.map((ids) => suppressionKeys(ids));
  if (keys.every((k) => k.length === 0)) return items.map(() => null);
  await customerQueries.lockKeys(tx, [...new Set(items.flat().map((i) => `id:${identityKey(i.type, i.value)}`))]);
  return findSuppressed(tx, keys);
}
