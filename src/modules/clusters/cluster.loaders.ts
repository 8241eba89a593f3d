import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { clusterRepository } from './cluster.repository.ts';
import type { CustomerCluster } from './cluster.types.ts';

/** Keys are `<run id or "latest">|<customer id>`; one statement per run named on the page. */
export function createClusterByCustomerIdLoader(db: Db) {
  return new DataLoader<string, CustomerCluster | null>(async (keys) => {
    const byRun = new Map<string, string[]>();
    for (const k of keys) {
      const [run, id] = k.split('|') as [string, string];
      byRun.set(run, [...(byRun.get(run) ?? []), id]);
    }
    const found = new Map<string, CustomerCluster>();
    for (const [run, ids] of byRun) {
      for (const r of await clusterRepository.clustersOf(db, run === 'latest' ? null : run, ids)) found.set(`${run}|${r.customerId}`, r);
    }
    return keys.map((k) => found.get(k) ?? null);
  });
}
