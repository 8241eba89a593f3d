/**
 * The check both doors run inside their write transaction, after locking the identity keys of the
 * batch (the eraser takes the same locks): one statement for the whole batch finds which items carry a
 * suppressed identifier and counts them on it.
 */
import type { Db } from '../../db/client.ts';
import { privacyRepository } from './privacy.repository.ts';
import { countByHash, type SuppressionKey } from './suppression.ts';

/** Per item, the first suppressed key it carries, or null when it may pass. */
export async function findSuppressed(tx: Db, items: readonly (readonly SuppressionKey[])[]): Promise<(SuppressionKey | null)[]> {
  const suppressed = await privacyRepository.consumeSuppressed(tx, countByHash(items));
  return items.map((keys) => keys.find((k) => suppressed.has(k.hash)) ?? null);
}
