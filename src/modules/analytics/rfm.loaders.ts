import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import type { RfmTierName } from './rfm.grid.ts';
import { rfmRepository } from './rfm.repository.ts';

/** A page of profiles asks for its tiers in one statement (quintiles are over everyone, as of now). */
export function createRfmTierByCustomerIdLoader(db: Db, now: () => Date) {
  return new DataLoader<string, RfmTierName | null>(async (ids) => {
    const tiers = await rfmRepository.tiersOf(db, ids, now());
    return ids.map((id) => tiers.get(id) ?? null);
  });
}
