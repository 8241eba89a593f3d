/**
 * RFM in SQL. One pass over the order touchpoints grouped per live customer, three ntile(5) windows,
 * a join to the 25-cell grid (passed as arrays, so the tier table lives only in rfm.grid.ts). Only
 * the tier counts and one page of customers come back to Node.
 *
 * Ties: ntile splits rows in window order, so equal values can land in different quintiles. To make
 * that deterministic and meaningful, each score orders by its own value and then by the others, all
 * ascending (1 = worst), and last by customer id:
 *   R: last order time, frequency, monetary, id
 *   F: frequency, monetary, last order time, id
 *   M: monetary, frequency, last order time, id
 * ntile(5) gives the first n mod 5 quintiles one row more than the rest (PostgreSQL's definition).
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { scopedTouchpoints, type AnalyticsScope } from './analytics.scope.ts';
import { RFM_GRID, type RfmTierName } from './rfm.grid.ts';

export interface RfmQuery {
  asOf: Date;
  scope: AnalyticsScope | null;
  orderEvent: string;
  tier: RfmTierName | null;
  take: number;
  afterId: string | null;
}

export interface RfmRow {
  kind: 'tier' | 'customer';
  tier: RfmTierName;
  n: number | null;
  person: string | null;
  last_at: Date | null;
  recency_days: number | null;
  frequency: number | null;
  monetary: number | null;
  r: number | null;
  f: number | null;
  m: number | null;
}

function orders(q: RfmQuery): Prisma.Sql {
  const filter = Prisma.sql`AND t.event = ${q.orderEvent} AND t.revenue > 0 AND t.occurred_at <= ${q.asOf}::timestamptz`;
  if (q.scope) return scopedTouchpoints(q.scope, filter);
  return Prisma.sql`
    SELECT COALESCE(c.merged_into_id, c.id) AS person, t.revenue, t.occurred_at
    FROM touchpoint t JOIN customer c ON c.id = t.customer_id
    WHERE true ${filter}`;
}

/** The CTE chain per live customer: per (R, F, M inputs), scored (quintiles), tiered (+ tier). */
function tieredCtes(o: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`o AS (${o}),
      per AS (
        SELECT person, max(occurred_at) AS last_at, count(*) AS frequency, sum(revenue) AS monetary
        FROM o GROUP BY person
      ),
      scored AS (
        SELECT per.*,
          ntile(5) OVER (ORDER BY last_at, frequency, monetary, person) AS r,
          ntile(5) OVER (ORDER BY frequency, monetary, last_at, person) AS f,
          ntile(5) OVER (ORDER BY monetary, frequency, last_at, person) AS m
        FROM per
      ),
      tiered AS (
        SELECT s.*, g.tier
        FROM scored s
        JOIN unnest(${RFM_GRID.map((c) => c.r)}::int[], ${RFM_GRID.map((c) => c.f)}::int[], ${RFM_GRID.map((c) => c.tier)}::text[]) AS g(r, f, tier)
          ON g.r = s.r AND g.f = s.f
      )`;
}

/** The default order event of RFM, also what the `rfmTier` attribute of segment rules is scored on. */
export const RFM_ORDER_EVENT = 'Order Completed';

/**
 * (person, tier) of every live customer with an order up to asOf: a query on its own, for the profile
 * field and for the `rfmTier` attribute of segment rules (both evaluators read it from here).
 */
export function rfmTiersSql(asOf: Date, orderEvent = RFM_ORDER_EVENT): Prisma.Sql {
  const q = { asOf, scope: null, orderEvent, tier: null, take: 0, afterId: null } satisfies RfmQuery;
  return Prisma.sql`WITH ${tieredCtes(orders(q))} SELECT person, tier FROM tiered`;
}

export const rfmRepository = {
  async tiersOf(db: Db, customerIds: readonly string[], asOf: Date): Promise<Map<string, RfmTierName>> {
    const rows = await db.$queryRaw<{ person: string; tier: RfmTierName }[]>`
      SELECT x.person::text AS person, x.tier FROM (${rfmTiersSql(asOf)}) x WHERE x.person = ANY(${[...customerIds]}::uuid[])`;
    return new Map(rows.map((r) => [r.person, r.tier]));
  },

  async compute(db: Db, q: RfmQuery): Promise<RfmRow[]> {
    const tierFilter = q.tier ? Prisma.sql`AND tier = ${q.tier}` : Prisma.empty;
    const after = q.afterId ? Prisma.sql`AND person > ${q.afterId}::uuid` : Prisma.empty;
    return db.$queryRaw<RfmRow[]>`
      WITH ${tieredCtes(orders(q))}
      SELECT 'tier' AS kind, tier, count(*)::int AS n, NULL::uuid AS person, NULL::timestamptz AS last_at, NULL::float8 AS recency_days,
             NULL::int AS frequency, NULL::float8 AS monetary, NULL::int AS r, NULL::int AS f, NULL::int AS m
      FROM tiered GROUP BY tier
      UNION ALL
      (SELECT 'customer', tier, NULL, person, last_at, extract(epoch FROM ${q.asOf}::timestamptz - last_at)::float8 / 86400,
              frequency::int, monetary::float8, r::int, f::int, m::int
       FROM tiered WHERE true ${tierFilter} ${after}
       ORDER BY person LIMIT ${q.take + 1})`;
  },
};
