/**
 * clusterCustomers: reads the behaviour of the customers in scope, scales the chosen features, runs
 * seeded k-means (k given, or chosen by silhouette), and stores the run with its assignments. Segments
 * and rule tags that read `inCluster` are brought up to date in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Db } from '../../db/client.ts';
import type { CustomerChange } from '../../lib/change-hooks.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import { validScope, type AnalyticsScopeInput } from '../analytics/analytics.scope.ts';
import type { SegmentService } from '../segments/segment.service.ts';
import { CLUSTERS_REF } from '../segments/rules/rule.graph.ts';
import { CLUSTER_FEATURES, columnsOf, describe, type ClusterFeature } from './cluster.features.ts';
import { chooseClustering, fitScaler, sampleIndices, scale, unscale } from './cluster.math.ts';
import { clusterRepository, type ClusterRunRecord } from './cluster.repository.ts';

/** Most customers one run clusters: k-means is linear, but a run is one request held in memory. */
export const MAX_CLUSTER_CUSTOMERS = 50_000;
/** The silhouette (O(n²)) is computed on a seeded sample of at most this many customers. */
export const SILHOUETTE_SAMPLE = 2_000;
export const MIN_K = 2;
export const MAX_K = 10;
export const MAX_RUNS_PAGE = 100;

export interface ClusterInput {
  features: ClusterFeature[];
  k?: number | null;
  scope: AnalyticsScopeInput;
  seed?: number | null;
  orderEvent?: string | null;
}

export class ClusterService {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; clock: () => Date; segments: Pick<SegmentService, 'refreshFrom'> },
  ) {
    this.log = deps.logger.child({ module: 'cluster-service' });
  }

  async run(input: ClusterInput): Promise<ClusterRunRecord> {
    const features = [...new Set(input.features)];
    if (features.length === 0) throw new UserError(ErrorCode.BAD_USER_INPUT, `features needs at least one of ${CLUSTER_FEATURES.join(', ')}`, { field: 'features' });
    const k = input.k ?? null;
    if (k !== null && (!Number.isInteger(k) || k < MIN_K || k > MAX_K))
      throw new UserError(ErrorCode.BAD_USER_INPUT, `k must be a whole number from ${MIN_K} to ${MAX_K} (or omitted, to choose it by silhouette)`, { field: 'k' });
    const seed = input.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0) throw new UserError(ErrorCode.BAD_USER_INPUT, 'seed must be a whole number ≥ 0', { field: 'seed' });
    const scope = validScope(input.scope);
    const orderEvent = input.orderEvent?.trim() || 'Order Completed';
    if (orderEvent.length > 256) throw new UserError(ErrorCode.VALUE_TOO_LONG, 'orderEvent has at most 256 characters', { field: 'orderEvent', max: 256 });

    const rows = await clusterRepository.behaviour(this.db.prisma, scope, orderEvent, MAX_CLUSTER_CUSTOMERS);
    if (rows.length > MAX_CLUSTER_CUSTOMERS)
      throw new UserError(ErrorCode.TOO_MANY_CUSTOMERS, `more than ${MAX_CLUSTER_CUSTOMERS} customers in scope; narrow the range or name a segment`, { max: MAX_CLUSTER_CUSTOMERS });
    const needed = (k ?? MIN_K) + 1;
    if (rows.length < needed) throw new UserError(ErrorCode.NOT_ENOUGH_DATA, `${rows.length} customers in scope; at least ${needed} are needed`, { customers: rows.length });

    const asOf = scope.to;
    const columns = columnsOf(features, rows, asOf);
    const raw = rows.map((b) => columns.map((c) => c.value(b)));
    const scaler = fitScaler(raw, columns.map((c) => c.transform));
    const points = raw.map((r) => scale(scaler, r));
    const sample = sampleIndices(points.length, SILHOUETTE_SAMPLE, seed);
    const chosen = chooseClustering(points, k, seed, sample, { minK: MIN_K, maxK: MAX_K });
    const { clustering } = chosen;

    const run: ClusterRunRecord = {
      id: randomUUID(),
      features,
      kRequested: k,
      k: clustering.centres.length,
      seed,
      scope: { from: scope.from.toISOString(), to: scope.to.toISOString(), segmentId: scope.segmentId, orderEvent },
      customers: rows.length,
      silhouette: chosen.silhouette,
      silhouetteSample: sample.length,
      kScores: chosen.scores,
      clusters: clustering.centres.map((z, i) => {
        const original = unscale(scaler, z);
        return {
          cluster: i,
          size: clustering.sizes[i]!,
          centre: columns.map((c, j) => ({ name: c.name, value: original[j]! })),
          description: describe(columns, z, original),
        };
      }),
      createdAt: this.deps.clock(),
    };
    const ids = rows.map((r) => r.customerId);
    const afterCommit = await this.db.prisma.$transaction(
      async (tx) => {
        // Sets reading `inCluster: latest` may change for everyone in the previous latest run or this one.
        const previous = await clusterRepository.latestRunCustomers(tx);
        await clusterRepository.insertRun(tx, run, ids, clustering.labels);
        return this.deps.segments.refreshFrom(tx, { seeds: new Map([[CLUSTERS_REF, new Set([...previous, ...ids])]]) }, { kind: 'cluster_run', run: run.id });
      },
      { maxWait: 15_000, timeout: 300_000 },
    );
    await afterCommit();
    this.log.info({ run: run.id, customers: run.customers, k: run.k, silhouette: run.silhouette }, 'customers clustered');
    return run;
  }

  /** Change hook: an erased person keeps no cluster. */
  async onCustomerChange(tx: Db, change: CustomerChange): Promise<void> {
    if (change.kind !== 'erase') return;
    await clusterRepository.forget(tx, [...new Set(change.customerIds)]);
  }

  async get(id: string): Promise<ClusterRunRecord | null> {
    if (!isUuid(id)) return null;
    return clusterRepository.run(this.db.prisma, id.toLowerCase());
  }

  list(first: number | null | undefined): Promise<ClusterRunRecord[]> {
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > MAX_RUNS_PAGE)
      throw new UserError(ErrorCode.PAGE_SIZE_TOO_LARGE, `first must be from 1 to ${MAX_RUNS_PAGE}`, { max: MAX_RUNS_PAGE });
    return clusterRepository.runs(this.db.prisma, n);
  }
}
