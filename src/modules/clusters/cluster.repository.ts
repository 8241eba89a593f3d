/**
 * The clusters' data layer: the behaviour of the customers in a scope (the input of a run), stored
 * runs and their assignments.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { AnalyticsScope } from '../analytics/analytics.scope.ts';
import { scopedTouchpoints } from '../analytics/analytics.scope.queries.ts';
import { sentimentQueries } from '../sentiment/sentiment.queries.ts';
import type { CustomerBehaviour } from './cluster.features.ts';

export interface ClusterSummary {
  cluster: number;
  size: number;
  /** Centre coordinates in original units, in column order (an array: jsonb would reorder object keys). */
  centre: { name: string; value: number }[];
  description: string;
}

export interface ClusterRunRecord {
  id: string;
  features: string[];
  kRequested: number | null;
  k: number;
  seed: number;
  scope: { from: string; to: string; segmentId: string | null; orderEvent: string };
  customers: number;
  silhouette: number;
  silhouetteSample: number;
  kScores: { k: number; silhouette: number }[];
  clusters: ClusterSummary[];
  createdAt: Date;
}

const toRecord = (r: {
  id: string;
  features: string[];
  kRequested: number | null;
  k: number;
  seed: number;
  scope: unknown;
  customers: number;
  silhouette: number;
  silhouetteSample: number;
  kScores: unknown;
  clusters: unknown;
  createdAt: Date;
}): ClusterRunRecord => ({ ...r, scope: r.scope as ClusterRunRecord['scope'], kScores: r.kScores as ClusterRunRecord['kScores'], clusters: r.clusters as ClusterSummary[] });

/** SQL of the latest run's id (the one `Customer.cluster` and `inCluster: { run: "latest" }` read). */
export const latestRunSql = Prisma.sql`(SELECT r.id FROM cluster_run r ORDER BY r.created_at DESC, r.id DESC LIMIT 1)`;

/** SQL of a customer's cluster in the latest run (NULL when the run did not place them). */
export const latestClusterSql = (customer: Prisma.Sql) =>
  Prisma.sql`SELECT ca.cluster FROM cluster_assignment ca WHERE ca.run_id = ${latestRunSql} AND ca.customer_id = ${customer}`;

/** SQL of the live customers in cluster `cluster` of run `runId` (null: the latest run). */
export function clusterMembersSql(runId: string | null, cluster: number): Prisma.Sql {
  const run = runId === null ? latestRunSql : Prisma.sql`${runId}::uuid`;
  return Prisma.sql`SELECT ca.customer_id FROM cluster_assignment ca WHERE ca.run_id = ${run} AND ca.cluster = ${cluster}::int`;
}

export const clusterRepository = {
  /** Live customers with at least one touchpoint in scope, at most `limit` + 1 of them (so the caller can tell "too many"). */
  async behaviour(db: Db, scope: AnalyticsScope, orderEvent: string, limit: number): Promise<CustomerBehaviour[]> {
    const rows = await db.$queryRaw<
      { id: string; last_at: Date; first_at: Date; orders: number; monetary: string; channels: string; sentiment: string | null }[]
    >`
      WITH tp AS (${scopedTouchpoints(scope)}),
      people AS (
        SELECT person, max(occurred_at) AS last_at, min(occurred_at) AS first_at,
               (count(*) FILTER (WHERE event = ${orderEvent}::text))::int AS orders,
               COALESCE(sum(revenue) FILTER (WHERE event = ${orderEvent}::text), 0)::text AS monetary
        FROM tp WHERE person IN (SELECT id FROM customer WHERE erased_at IS NULL)
        GROUP BY person ORDER BY person LIMIT ${limit + 1}::int),
      mix AS (
        SELECT person, jsonb_object_agg(channel, n) AS channels
        FROM (SELECT person, channel::text AS channel, count(*)::int AS n FROM tp WHERE person IN (SELECT person FROM people) GROUP BY 1, 2) x
        GROUP BY person)
      SELECT p.person::text AS id, p.last_at, p.first_at, p.orders, p.monetary, m.channels::text AS channels,
             ${sentimentQueries.averageSql(Prisma.raw('p.person'))}::text AS sentiment
      FROM people p JOIN mix m ON m.person = p.person
      ORDER BY p.person`;
    return rows.map((r) => ({
      customerId: r.id,
      lastAt: new Date(r.last_at),
      firstAt: new Date(r.first_at),
      orders: r.orders,
      monetary: Number(r.monetary),
      channels: JSON.parse(r.channels) as CustomerBehaviour['channels'],
      sentiment: r.sentiment === null ? null : Number(r.sentiment),
    }));
  },

  /** Stores a run and its assignments (customer ids and cluster numbers in the same order). */
  async insertRun(tx: Db, run: ClusterRunRecord, customerIds: string[], clusters: number[]): Promise<void> {
    await tx.clusterRun.create({
      data: {
        id: run.id,
        features: run.features,
        kRequested: run.kRequested,
        k: run.k,
        seed: run.seed,
        scope: run.scope,
        customers: run.customers,
        silhouette: run.silhouette,
        silhouetteSample: run.silhouetteSample,
        kScores: run.kScores,
        clusters: run.clusters as unknown as Prisma.InputJsonValue,
        createdAt: run.createdAt,
      },
    });
    const CHUNK = 10_000;
    for (let i = 0; i < customerIds.length; i += CHUNK) {
      await tx.$executeRaw`
        INSERT INTO cluster_assignment (run_id, customer_id, cluster)
        SELECT ${run.id}::uuid, c, n FROM unnest(${customerIds.slice(i, i + CHUNK)}::uuid[], ${clusters.slice(i, i + CHUNK)}::int[]) AS x(c, n)`;
    }
  },

  /** Erasure: the person's assignments go (a profile built from their behaviour). */
  async forget(tx: Db, customerIds: string[]): Promise<void> {
    await tx.$executeRaw`DELETE FROM cluster_assignment WHERE customer_id = ANY(${customerIds}::uuid[])`;
  },

  /** Customers of the latest run before this one (they may leave an `inCluster: latest` set). */
  async latestRunCustomers(db: Db): Promise<string[]> {
    const rows = await db.$queryRaw<{ id: string }[]>`SELECT customer_id::text AS id FROM cluster_assignment WHERE run_id = ${latestRunSql}`;
    return rows.map((r) => r.id);
  },

  async run(db: Db, id: string): Promise<ClusterRunRecord | null> {
    const r = await db.clusterRun.findUnique({ where: { id } });
    return r && toRecord(r);
  },

  /** Runs, newest first. */
  async runs(db: Db, first: number): Promise<ClusterRunRecord[]> {
    return (await db.clusterRun.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: first })).map(toRecord);
  },

  /** The cluster of each customer in run `runId` (null: the latest run); absent when the run did not place them. */
  async clustersOf(db: Db, runId: string | null, customerIds: readonly string[]): Promise<{ customerId: string; runId: string; cluster: number; description: string }[]> {
    const run = runId === null ? latestRunSql : Prisma.sql`${runId}::uuid`;
    return db.$queryRaw`
      SELECT ca.customer_id::text AS "customerId", ca.run_id::text AS "runId", ca.cluster,
             (r.clusters -> ca.cluster ->> 'description') AS description
      FROM cluster_assignment ca JOIN cluster_run r ON r.id = ca.run_id
      WHERE ca.run_id = ${run} AND ca.customer_id = ANY(${[...customerIds]}::uuid[])`;
  },
};
