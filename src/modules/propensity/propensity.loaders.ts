import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { propensityRepository } from './propensity.repository.ts';
import type { CustomerPropensity } from './propensity.types.ts';

/** A page of profiles reads its scores in one statement. */
export function createPropensityByCustomerIdLoader(db: Db) {
  return new DataLoader<string, CustomerPropensity>(async (ids) => {
    const rows = await propensityRepository.ofCustomers(db, ids);
    return ids.map((id) => {
      const r = rows.get(id);
      return { conversion: r?.conversion == null ? null : Number(r.conversion), churn: r?.churn == null ? null : Number(r.churn) };
    });
  });
}
