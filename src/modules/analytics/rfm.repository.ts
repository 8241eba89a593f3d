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
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';
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
 * The tier of customers now, for the profile field and the `rfmTier` attribute of segment rules (both
 * evaluators read it from here, so they read the same cut points).
 *
 * Each person's own R/F/M (over their merged set's orders up to asOf) is scored against the stored
 * cut points of rfm_cutpoints: R = 1 + the number of R cut tuples at or below theirs, likewise F. That
 * reads only their orders (index touchpoint(customer_id, occurred_at)), not everyone's. For the
 * people of the population the cut points were taken from, unchanged since, it is exactly the ntile
 * of rfm(asOf) (quintiles are contiguous runs of the same ordering, and each cut is the first tuple of
 * its run). Otherwise it can differ from rfm(now) by a quintile until the next refresh: see
 * rfm.refresher.ts for when that happens. With no cut points stored yet (a new database), the exact
 * ntile pass runs instead.
 *
 * `persons`: a subquery of live customer ids to restrict to; null for everyone (a full recompute).
 */
export function rfmTiersSql(asOf: Date, persons: Prisma.Sql | null = null, orderEvent = RFM_ORDER_EVENT): Prisma.Sql {
  const q = { asOf, scope: null, orderEvent, tier: null, take: 0, afterId: null } satisfies RfmQuery;
  const members = persons
    ? Prisma.sql`SELECT c.id, c.id AS person FROM customer c WHERE c.id IN (${persons}) AND c.merged_into_id IS NULL
        UNION ALL SELECT m.id, m.merged_into_id FROM customer m WHERE m.merged_into_id IN (${persons})`
    : Prisma.sql`SELECT c.id, COALESCE(c.merged_into_id, c.id) AS person FROM customer c`;
  const onlyPersons = persons ? Prisma.sql`AND x.person IN (${persons})` : Prisma.empty;
  const grid = Prisma.sql`unnest(${RFM_GRID.map((c) => c.r)}::int[], ${RFM_GRID.map((c) => c.f)}::int[], ${RFM_GRID.map((c) => c.tier)}::text[]) AS g(r, f, tier)`;
  return Prisma.sql`
    WITH cuts AS (SELECT * FROM rfm_cutpoints WHERE order_event = ${orderEvent}),
    own AS (
      SELECT mb.person, max(t.occurred_at) AS last_at, count(*) AS frequency, sum(t.revenue) AS monetary
      FROM (${members}) mb JOIN touchpoint t ON t.customer_id = mb.id
      WHERE t.event = ${orderEvent} AND t.revenue > 0 AND t.occurred_at <= ${asOf}::timestamptz
        AND EXISTS (SELECT 1 FROM cuts)
      GROUP BY mb.person
    ),
    cut_scored AS (
      SELECT own.person,
        1 + (SELECT count(*) FROM cuts, unnest(cuts.r_last, cuts.r_freq, cuts.r_mon, cuts.r_person) AS k(l, fq, mo, p)
             WHERE (own.last_at, own.frequency, own.monetary, own.person) >= (k.l, k.fq, k.mo, k.p))::int AS r,
        1 + (SELECT count(*) FROM cuts, unnest(cuts.f_last, cuts.f_freq, cuts.f_mon, cuts.f_person) AS k(l, fq, mo, p)
             WHERE (own.frequency, own.monetary, own.last_at, own.person) >= (k.fq, k.mo, k.l, k.p))::int AS f
      FROM own
    ),
    exact AS (
      SELECT x.person, x.tier FROM (WITH ${tieredCtes(orders(q))} SELECT person, tier FROM tiered) x
      WHERE NOT EXISTS (SELECT 1 FROM cuts) ${onlyPersons}
    )
    SELECT s.person, g.tier FROM cut_scored s JOIN ${grid} ON g.r = s.r AND g.f = s.f
    UNION ALL
    SELECT person, tier FROM exact`;
}

export const rfmRepository = {
  async tiersOf(db: Db, customerIds: readonly string[], asOf: Date): Promise<Map<string, RfmTierName>> {
    const ids = Prisma.sql`SELECT unnest(${[...customerIds]}::uuid[])`;
    const rows = await db.$queryRaw<{ person: string; tier: RfmTierName }[]>`SELECT x.person::text AS person, x.tier FROM (${rfmTiersSql(asOf, ids)}) x`;
    return new Map(rows.map((r) => [r.person, r.tier]));
  },

  /**
   * One full ntile(5) pass over every order up to asOf (the same CTEs as rfm()), keeping only the first
   * tuple of each quintile 2..5 of R and of F. Upserted, so processes refreshing at once are harmless.
   */
  async refreshCuts(db: Db, asOf: Date, computedAt: Date, orderEvent = RFM_ORDER_EVENT): Promise<number> {
    const q = { asOf, scope: null, orderEvent, tier: null, take: 0, afterId: null } satisfies RfmQuery;
    const rows = await db.$queryRaw<{ scored: number }[]>`
      WITH ${tieredCtes(orders(q))},
      rc AS (SELECT DISTINCT ON (r) r, last_at, frequency, monetary, person FROM scored WHERE r > 1 ORDER BY r, last_at, frequency, monetary, person),
      fc AS (SELECT DISTINCT ON (f) f, last_at, frequency, monetary, person FROM scored WHERE f > 1 ORDER BY f, frequency, monetary, last_at, person)
      INSERT INTO rfm_cutpoints (order_event, computed_at, as_of, scored, r_last, r_freq, r_mon, r_person, f_last, f_freq, f_mon, f_person)
      SELECT ${orderEvent}, ${computedAt}::timestamptz, ${asOf}::timestamptz, (SELECT count(*) FROM scored)::int,
        ARRAY(SELECT last_at FROM rc ORDER BY r), ARRAY(SELECT frequency FROM rc ORDER BY r), ARRAY(SELECT monetary FROM rc ORDER BY r), ARRAY(SELECT person FROM rc ORDER BY r),
        ARRAY(SELECT last_at FROM fc ORDER BY f), ARRAY(SELECT frequency FROM fc ORDER BY f), ARRAY(SELECT monetary FROM fc ORDER BY f), ARRAY(SELECT person FROM fc ORDER BY f)
      -- No orders yet: store nothing, so reads keep the exact pass instead of empty cuts (everyone R1 F1).
      WHERE EXISTS (SELECT 1 FROM scored)
      ON CONFLICT (order_event) DO UPDATE SET computed_at = EXCLUDED.computed_at, as_of = EXCLUDED.as_of, scored = EXCLUDED.scored,
        r_last = EXCLUDED.r_last, r_freq = EXCLUDED.r_freq, r_mon = EXCLUDED.r_mon, r_person = EXCLUDED.r_person,
        f_last = EXCLUDED.f_last, f_freq = EXCLUDED.f_freq, f_mon = EXCLUDED.f_mon, f_person = EXCLUDED.f_person
      RETURNING scored`;
    return rows[0]?.scored ?? 0;
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
