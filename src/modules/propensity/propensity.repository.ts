/**
 * The propensity module's data layer: behaviour snapshots of every live customer up to a cut (the
 * model's input), who was active in a window (churn labels), stored models and scores.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { PropensityKind } from '../../generated/prisma/enums.ts';

/** One person's behaviour before the cut (before and at their first `stopAt` event when given; that event itself never counts). */
export interface Snapshot {
  customerId: string;
  firstSeen: Date;
  /** They had a `stopAt` event before the cut. */
  converted: boolean;
  touchpoints: number;
  activeDays: number;
  firstAt: Date | null;
  lastAt: Date | null;
  revenue: number;
  /** Touchpoints per event key: the event name, or "Page Viewed: <page name>" for named pages and screens. */
  keys: Record<string, number>;
  /** Mean of each requested numeric property over the touchpoints where it is a JSON number. */
  props: Record<string, number>;
}

/** SQL of live customer `customer`'s probability under the latest model of `kind` (NULL when not scored). */
export const probabilitySql = (kind: PropensityKind, customer: Prisma.Sql): Prisma.Sql =>
  Prisma.sql`(SELECT cp.probability FROM customer_propensity cp WHERE cp.customer_id = ${customer} AND cp.kind = ${kind}::"PropensityKind")`;

export interface StoredModel {
  id: string;
  kind: PropensityKind;
  params: Record<string, unknown>;
  model: Record<string, unknown>;
  trainCount: number;
  evalCount: number;
  trainPositives: number;
  evalPositives: number;
  auc: number | null;
  scored: number;
  createdAt: Date;
}

export const propensityRepository = {
  async snapshot(db: Db, opts: { cut: Date; stopAt: string | null; props: string[]; limit: number }): Promise<Snapshot[]> {
    const stop = opts.stopAt;
    const rows = await db.$queryRaw<
      { id: string; first_seen: Date; converted: boolean; n: number | null; days: number | null; first_at: Date | null; last_at: Date | null; revenue: string | null; keys: string | null; props: string | null }[]
    >`
      WITH tp AS (
        SELECT l.id AS person, t.event, t.type, t.properties, t.revenue, t.occurred_at
        FROM touchpoint t JOIN customer c ON c.id = t.customer_id
        JOIN customer l ON l.id = COALESCE(c.merged_into_id, c.id) AND l.erased_at IS NULL
        WHERE t.occurred_at < ${opts.cut}::timestamptz),
      persons AS (
        SELECT person, min(occurred_at) AS first_seen, min(occurred_at) FILTER (WHERE event = ${stop}::text) AS stop_at
        FROM tp GROUP BY person ORDER BY person LIMIT ${opts.limit + 1}::int),
      kept AS (
        SELECT tp.* FROM tp JOIN persons p ON p.person = tp.person
        WHERE (p.stop_at IS NULL OR tp.occurred_at <= p.stop_at) AND (${stop}::text IS NULL OR tp.event IS DISTINCT FROM ${stop}::text)),
      agg AS (
        SELECT person, count(*)::int AS n, count(DISTINCT (occurred_at AT TIME ZONE 'UTC')::date)::int AS days,
               min(occurred_at) AS first_at, max(occurred_at) AS last_at, COALESCE(sum(revenue), 0)::text AS revenue
        FROM kept GROUP BY person),
      keyed AS (
        SELECT person, jsonb_object_agg(k, n)::text AS keys
        FROM (SELECT person,
                     CASE WHEN type IN ('PAGE', 'SCREEN') AND jsonb_typeof(properties -> 'name') = 'string'
                          THEN COALESCE(event, type::text) || ': ' || (properties ->> 'name') ELSE COALESCE(event, type::text) END AS k,
                     count(*)::int AS n
              FROM kept GROUP BY 1, 2) x
        GROUP BY person),
      propped AS (
        SELECT person, jsonb_object_agg(name, v)::text AS props
        FROM (SELECT k.person, p.name, avg((k.properties ->> p.name)::float8) AS v
              FROM kept k CROSS JOIN unnest(${opts.props}::text[]) AS p(name)
              WHERE jsonb_typeof(k.properties -> p.name) = 'number' GROUP BY 1, 2) x
        GROUP BY person)
      SELECT p.person::text AS id, p.first_seen, p.stop_at IS NOT NULL AS converted, a.n, a.days, a.first_at, a.last_at, a.revenue, k.keys, pr.props
      FROM persons p LEFT JOIN agg a ON a.person = p.person LEFT JOIN keyed k ON k.person = p.person LEFT JOIN propped pr ON pr.person = p.person
      ORDER BY p.person`;
    return rows.map((r) => ({
      customerId: r.id,
      firstSeen: new Date(r.first_seen),
      converted: r.converted,
      touchpoints: r.n ?? 0,
      activeDays: r.days ?? 0,
      firstAt: r.first_at === null ? null : new Date(r.first_at),
      lastAt: r.last_at === null ? null : new Date(r.last_at),
      revenue: Number(r.revenue ?? 0),
      keys: r.keys === null ? {} : (JSON.parse(r.keys) as Record<string, number>),
      props: r.props === null ? {} : (JSON.parse(r.props) as Record<string, number>),
    }));
  },

  /** Live customers with a touchpoint in [from, to). */
  async activeBetween(db: Db, from: Date, to: Date): Promise<Set<string>> {
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT DISTINCT COALESCE(c.merged_into_id, c.id)::text AS id
      FROM touchpoint t JOIN customer c ON c.id = t.customer_id
      WHERE t.occurred_at >= ${from}::timestamptz AND t.occurred_at < ${to}::timestamptz`;
    return new Set(rows.map((r) => r.id));
  },

  /** Stores the model and replaces the scores of its kind with these. */
  async store(tx: Db, m: StoredModel, scores: { customerId: string; probability: number; heldOut: boolean; label: boolean | null }[]): Promise<void> {
    await tx.propensityModel.create({
      data: { ...m, params: m.params as Prisma.InputJsonValue, model: m.model as Prisma.InputJsonValue },
    });
    await tx.$executeRaw`DELETE FROM customer_propensity WHERE kind = ${m.kind}::"PropensityKind"`;
    const CHUNK = 10_000;
    for (let i = 0; i < scores.length; i += CHUNK) {
      const part = scores.slice(i, i + CHUNK);
      await tx.$executeRaw`
        INSERT INTO customer_propensity (customer_id, kind, model_id, probability, held_out, label)
        SELECT c, ${m.kind}::"PropensityKind", ${m.id}::uuid, p, h, l
        FROM unnest(${part.map((s) => s.customerId)}::uuid[], ${part.map((s) => s.probability.toFixed(6))}::numeric[],
                    ${part.map((s) => s.heldOut)}::boolean[], ${part.map((s) => s.label)}::boolean[]) AS x(c, p, h, l)`;
    }
  },

  /** Erasure: the person's scores go (a profile built from their behaviour). */
  async forget(tx: Db, customerIds: string[]): Promise<void> {
    await tx.$executeRaw`DELETE FROM customer_propensity WHERE customer_id = ANY(${customerIds}::uuid[])`;
  },

  /** Customers scored by the current model of `kind` (they may leave a set that reads the score). */
  async scoredCustomers(db: Db, kind: PropensityKind): Promise<string[]> {
    const rows = await db.$queryRaw<{ id: string }[]>`SELECT customer_id::text AS id FROM customer_propensity WHERE kind = ${kind}::"PropensityKind"`;
    return rows.map((r) => r.id);
  },

  async models(db: Db, kind: PropensityKind | null, first: number): Promise<StoredModel[]> {
    const rows = await db.propensityModel.findMany({ where: kind ? { kind } : {}, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: first });
    return rows.map((r) => ({ ...r, params: r.params as Record<string, unknown>, model: r.model as Record<string, unknown> }));
  },

  /** Probabilities (exact decimal text) of these customers under the current models. */
  async ofCustomers(db: Db, customerIds: readonly string[]): Promise<Map<string, { conversion: string | null; churn: string | null }>> {
    const out = new Map<string, { conversion: string | null; churn: string | null }>();
    if (customerIds.length === 0) return out;
    const rows = await db.$queryRaw<{ id: string; kind: PropensityKind; p: string }[]>`
      SELECT customer_id::text AS id, kind::text AS kind, probability::text AS p
      FROM customer_propensity WHERE customer_id = ANY(${[...customerIds]}::uuid[])`;
    for (const r of rows) {
      const e = out.get(r.id) ?? { conversion: null, churn: null };
      if (r.kind === 'CONVERSION') e.conversion = r.p;
      else e.churn = r.p;
      out.set(r.id, e);
    }
    return out;
  },
};
