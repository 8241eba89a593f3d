/** The clusters module's public data API for the segment rules (both evaluators read the same rows). */
import type { Db } from '../../db/client.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { clusterMembersSql, clusterRepository, latestClusterSql } from './cluster.repository.ts';

export const LATEST_RUN = 'latest';

export const clusterQueries = {
  /** SQL of live customer `customer`'s cluster in the latest run (NULL when not placed): the trend breakdown's "cluster". */
  latestClusterSql: (customer: Prisma.Sql) => latestClusterSql(customer),
  /** SQL of the members of `cluster` in `run` ("latest" or a run id); null when `run` names no run (matches nothing). */
  membersSql(run: string, cluster: number) {
    if (run === LATEST_RUN) return clusterMembersSql(null, cluster);
    return isUuid(run) ? clusterMembersSql(run.toLowerCase(), cluster) : null;
  },

  /** customer id → (run reference as the rules write it, lower-cased → cluster), for the runs named. */
  async clustersOf(db: Db, customerIds: readonly string[], runs: readonly string[]): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    for (const run of new Set(runs.map((r) => (r === LATEST_RUN ? r : r.toLowerCase())))) {
      if (run !== LATEST_RUN && !isUuid(run)) continue;
      for (const row of await clusterRepository.clustersOf(db, run === LATEST_RUN ? null : run, customerIds)) {
        const m = out.get(row.customerId) ?? new Map<string, number>();
        m.set(run, row.cluster);
        out.set(row.customerId, m);
      }
    }
    return out;
  },
};
