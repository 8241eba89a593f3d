/**
 * Funnel in one SQL statement (definition in docs/analytics.md): a person (live customer; touchpoints of
 * customers merged into it count for it) reaches step k if some occurrence of step 1 is followed, in
 * order, by steps 2..k, all within `windowHours` of that step-1 occurrence (inclusive).
 *
 * Order: touchpoints are totally ordered by (occurred_at, id). Step i+1 must come strictly after step i
 * in that order: a later-or-equal time and a different touchpoint, ties on time broken by touchpoint id.
 * One touchpoint never serves two steps of the same attempt.
 *
 * How: number each person's candidate touchpoints (rn, latest first) and, with a running window over
 * the same sort, compute for every row the rn of the next row matching step i (for every i). From each step-1
 * occurrence, follow the chain "next step-2 row after it, next step-3 row after that, ..." by array
 * subscripts into the person's rows (one array_agg per person: no self-joins, so no plan can turn the
 * chain quadratic on a misestimate), stopping when a row falls outside the window. Taking the earliest match at
 * every step is optimal (any valid chain can be shifted onto the earliest matches without getting later),
 * so the chain from a given step-1 occurrence reaches exactly the deepest step any chain from it could.
 * A person's best attempt is the deepest one, the earliest step-1 on ties; it gives the person's depth,
 * the times between steps (for the medians) and the step-1 touchpoint (whose row the touchpoint
 * breakdown dimensions read; person dimensions read the person, as in trends: breakdown.sql.ts).
 * Groups are tuples of the dimensions' values; a SEGMENT dimension puts a person in one group per
 * current segment, so the overall counts are taken from the best attempts, not from the groups.
 *
 * Scaling: the touchpoints read are only those whose event is a step's event in [from, to): an index
 * range scan of touchpoint (event, occurred_at) per event name, joined to customer by primary key.
 * Then one sort by (person, time, id) for both windows, a grouping into per-person arrays, O(k) subscripts per step-1 occurrence (NULL-free int/timestamptz
 * arrays: O(1) each), one DISTINCT ON sort, one aggregation: O(m log m) in the m touchpoints of the
 * step events, sorts spilling to disk past work_mem. Nothing but the per-step counts leaves the database.
 * (A single person with millions of candidate touchpoints builds arrays that large in memory.)
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { Channel, TouchpointType } from '../../generated/prisma/enums.ts';
import { NUMERIC_STRING } from '../segments/rules/rule.values.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';
import { breakdownJoins, dimensionSql } from './breakdown.sql.ts';
import type { Dimension } from './breakdown.service.ts';
import { PropertyOp } from './funnel.types.ts';

const { sql, join, raw } = Prisma;
type Sql = Prisma.Sql;

/** Prisma's join refuses an empty list; a one-step funnel has no later steps, so its lists of later-step columns are empty. */
const joinAny = (parts: Sql[], separator: string): Sql => (parts.length === 0 ? Prisma.empty : join(parts, separator));

export type Scalar = string | number | boolean;
export interface StepFilter {
  prop: string;
  op: PropertyOp;
  value: Scalar | Scalar[] | null;
}
export interface FunnelStepSpec {
  /** At least one of event and type is set. */
  event: string | null;
  type: TouchpointType | null;
  channel: Channel | null;
  where: StepFilter[];
}
export interface FunnelQuery {
  scope: AnalyticsScope;
  steps: FunnelStepSpec[];
  windowHours: number;
  /** Breakdown dimensions (none: no groups). */
  dims: Dimension[];
  /** Person dimensions (RFM tier) are read as of this instant. */
  now: Date;
}
/** gi: null for the whole funnel, else the group's rank by step-1 count (1 = largest); grp: its tuple of values. */
export interface FunnelRow {
  gi: number | null;
  grp: (string | null)[] | null;
  k: number;
  reached: number;
  median: number | null;
}

/** Groups returned at most; one more is fetched to tell that some were left out. */
export const MAX_GROUPS = 100;

const ORDER_SQL: Record<string, Sql> = { EQ: raw('='), NEQ: raw('<>'), GT: raw('>'), GTE: raw('>='), LT: raw('<'), LTE: raw('<=') };

/** The numeric value of jsonb x: a JSON number, or a string holding a plain decimal; else NULL. */
function jsonNumber(x: Sql): Sql {
  return sql`(CASE jsonb_typeof(${x}) WHEN 'number' THEN (${x})::numeric
    WHEN 'string' THEN (CASE WHEN (${x} #>> '{}') ~ ${NUMERIC_STRING}::text THEN (${x} #>> '{}')::numeric END) END)`;
}

/** Always true or false (a comparison with a missing value is false). */
const definite = (x: Sql): Sql => sql`COALESCE(${x}, false)`;

function jsonCompare(x: Sql, op: string, value: Scalar): Sql {
  if (typeof value === 'number') return definite(sql`${jsonNumber(x)} ${ORDER_SQL[op]!} ${String(value)}::numeric`);
  if (typeof value === 'boolean') return definite(sql`(jsonb_typeof(${x}) = 'boolean' AND ${x} ${ORDER_SQL[op]!} ${JSON.stringify(value)}::jsonb)`);
  const cmp = op === 'EQ' || op === 'NEQ' ? ORDER_SQL[op]! : sql`COLLATE "C" ${ORDER_SQL[op]!}`;
  return definite(sql`(jsonb_typeof(${x}) = 'string' AND (${x} #>> '{}') ${cmp} ${value}::text)`);
}

/** A property condition on touchpoint `e` (validated by the service). */
export function filterSql(f: StepFilter): Sql {
  if (f.prop === 'revenue') {
    if (f.op === PropertyOp.EXISTS) return sql`(e.revenue IS NOT NULL)`;
    if (f.op === PropertyOp.IN) return definite(sql`e.revenue = ANY(${(f.value as number[]).map(String)}::numeric[])`);
    return definite(sql`e.revenue ${ORDER_SQL[f.op]!} ${String(f.value)}::numeric`);
  }
  const x = sql`(e.properties -> ${f.prop}::text)`;
  switch (f.op) {
    case PropertyOp.EXISTS:
      return sql`COALESCE(jsonb_typeof(${x}) <> 'null', false)`;
    case PropertyOp.IN:
      return sql`(${join((f.value as Scalar[]).map((v) => jsonCompare(x, 'EQ', v)), ' OR ')})`;
    case PropertyOp.CONTAINS: {
      const v = f.value as Scalar;
      const element = sql`EXISTS (SELECT 1 FROM jsonb_array_elements(${x}) AS a(v) WHERE ${jsonCompare(raw('a.v'), 'EQ', v)})`;
      const substring = typeof v === 'string' ? sql`WHEN 'string' THEN strpos(lower((${x} #>> '{}') COLLATE "C"), lower(${v}::text COLLATE "C")) > 0` : Prisma.empty;
      // CASE keeps jsonb_array_elements away from non-arrays (it raises on them).
      return definite(sql`(CASE jsonb_typeof(${x}) WHEN 'array' THEN ${element} ${substring} ELSE false END)`);
    }
    default:
      return jsonCompare(x, f.op, f.value as Scalar);
  }
}

function stepSql(s: FunnelStepSpec): Sql {
  const parts: Sql[] = [];
  if (s.event !== null) parts.push(sql`e.event = ${s.event}::text`);
  if (s.type !== null) parts.push(sql`e.type::text = ${s.type}::text`);
  if (s.channel) parts.push(sql`e.channel::text = ${s.channel}::text`);
  for (const f of s.where) parts.push(filterSql(f));
  return sql`(${join(parts, ' AND ')})`;
}

export const funnelRepository = {
  /** The names among `events` that no touchpoint has ever carried (index-only probes of (event, occurred_at)). */
  async unknownEvents(db: Db, events: string[]): Promise<string[]> {
    const rows = await db.$queryRaw<{ event: string }[]>`
      SELECT e AS event FROM unnest(${events}::text[]) AS e
      WHERE NOT EXISTS (SELECT 1 FROM touchpoint t WHERE t.event = e)`;
    return rows.map((r) => r.event);
  },

  async run(db: Db, q: FunnelQuery): Promise<FunnelRow[]> {
    const n = q.steps.length;
    const ks = Array.from({ length: n }, (_, i) => i + 1);
    const later = ks.slice(1);
    // A step by event name reads that name's touchpoints; a step by type alone reads every touchpoint of the type in scope.
    const events = [...new Set(q.steps.flatMap((s) => (s.event === null ? [] : [s.event])))];
    const types = [...new Set(q.steps.flatMap((s) => (s.event === null && s.type !== null ? [s.type] : [])))];
    // Without type-only steps the filter stays a plain event list, an index range scan per name.
    const candidates =
      types.length === 0
        ? sql`AND t.event = ANY(${events}::text[])`
        : events.length === 0
          ? sql`AND t.type::text = ANY(${types}::text[])`
          : sql`AND (t.event = ANY(${events}::text[]) OR t.type::text = ANY(${types}::text[]))`;
    const win = sql`(${q.windowHours}::float8 * interval '1 hour')`;
    const R = (i: number) => raw(String(i));
    // 0 stands for "no such row": ts[0] is NULL, and arrays without NULLs are subscripted in O(1).
    // Rows are numbered latest first (rn = 1 is the person's last candidate): then "the nearest later row
    // matching step i" is the largest rn among the rows before this one in that order, a running max, and
    // the numbering and the running max share one sort.
    const nextCols = later.map((i) => sql`, COALESCE(max(rn) FILTER (WHERE m${R(i)}) OVER w, 0) AS n${R(i)}`);
    const windowClause = n > 1 ? raw(`WINDOW w AS (PARTITION BY person ORDER BY occurred_at DESC, id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)`) : Prisma.empty;
    // One ordered aggregate for every int column a row carries (is it step 1, then its next row of each
    // later step), as a 2-D array: p.nx[r][1] is row r's step-1 flag, p.nx[r][i] its next step-i row. In
    // PostgreSQL 15 each ordered aggregate sorts each person's rows once more; one array instead of one
    // per step took about 15% off the statement (4 steps).
    const rowInts = join([sql`COALESCE(m1, false)::int`, ...later.map((i) => sql`n${R(i)}::int`)], ', ');
    // r_i: the row of step i on the attempt, or NULL once a step is missing or falls outside the window.
    const chain = later.map(
      (i) => sql`CROSS JOIN LATERAL (SELECT CASE WHEN p.ts[p.nx[x${R(i - 1)}.r${R(i - 1)}][${R(i)}]] <= p.ts[x1.r1] + ${win} THEN p.nx[x${R(i - 1)}.r${R(i - 1)}][${R(i)}] END AS r${R(i)}) x${R(i)}`,
    );
    const times = ks.map((i) => sql`, p.ts[x${R(i)}.r${R(i)}] AS t${R(i)}`);
    const depth = raw(`1${later.map((i) => ` + (x${i}.r${i} IS NOT NULL)::int`).join('')}`);
    const values = (from: string) => raw(`(VALUES ${ks.map((i) => `(${i}, ${from}.t${i}, ${i === 1 ? 'NULL::timestamptz' : `${from}.t${i - 1}`})`).join(', ')}) AS v(k, at, prev_at)`);
    const aggregate = (from: string, groupCols: Sql, groupBy: Sql, where: Sql) => sql`
      SELECT ${groupCols}, v.k::int AS k, count(*)::int AS reached,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.at - v.prev_at)::float8) AS median
      FROM ${raw(from)} CROSS JOIN LATERAL ${values(from)}
      WHERE v.at IS NOT NULL ${where}
      GROUP BY ${groupBy}`;
    // The groups: each best attempt with its step-1 touchpoint row (t1s, for the touchpoint dimensions)
    // and its person's rows (breakdownJoins), its tuple of values, ranked by step-1 count, then values.
    // The step-1 touchpoint's id, only for the breakdown dimensions that read its row: each array_agg
    // with ORDER BY sorts every person's rows once more (PostgreSQL 15 does not share the sort).
    const ids = q.dims.length === 0 ? Prisma.empty : sql`, array_agg(id ORDER BY rn) AS ids`;
    const id1 = q.dims.length === 0 ? Prisma.empty : sql`, p.ids[x1.r1] AS id1`;
    const grouped =
      q.dims.length === 0
        ? Prisma.empty
        : sql`,
      b1 AS (
        SELECT b.*, ARRAY[${join(
          q.dims.map((d) => dimensionSql(d, { row: 't1s', timezone: 'UTC' })),
          ', ',
        )}]::text[] AS grp
        FROM best b JOIN touchpoint t1s ON t1s.id = b.id1 AND t1s.occurred_at = b.t1
        ${breakdownJoins(q.dims, { person: sql`b.person`, persons: sql`SELECT person FROM best`, now: q.now })}
      ),
      g AS (
        SELECT b1.*, dense_rank() OVER (ORDER BY b1.gn DESC, b1.grp COLLATE "C" ASC) AS gi
        FROM (SELECT b1.*, count(*) OVER (PARTITION BY b1.grp) AS gn FROM b1) b1
      )`;
    const groups = q.dims.length === 0 ? Prisma.empty : sql`UNION ALL ${aggregate('g', sql`g.gi::int AS gi, g.grp`, raw('g.gi, g.grp, v.k'), sql`AND g.gi <= ${MAX_GROUPS + 1}`)}`;

    return db.$queryRaw<FunnelRow[]>`
      WITH tp AS (${scopedTouchpoints(q.scope, candidates, sql`, t.type`)}),
      ev AS (
        SELECT e.person, e.occurred_at, e.id,
               row_number() OVER (PARTITION BY e.person ORDER BY e.occurred_at DESC, e.id DESC) AS rn,
               ${join(ks.map((i) => sql`${stepSql(q.steps[i - 1]!)} AS m${raw(String(i))}`), ', ')}
        FROM tp e
      ),
      nx AS (
        SELECT person, rn, occurred_at, id, m1 ${joinAny(nextCols, ' ')}
        FROM ev ${windowClause}
      ),
      per AS (
        SELECT person, array_agg(occurred_at ORDER BY rn) AS ts ${ids}, array_agg(ARRAY[${rowInts}] ORDER BY rn) AS nx
        FROM nx GROUP BY person HAVING bool_or(m1)
      ),
      att AS (
        SELECT p.person, x1.r1 ${id1} ${joinAny(times, ' ')}, ${depth} AS depth
        FROM per p CROSS JOIN LATERAL generate_subscripts(p.nx, 1) AS x1(r1) ${joinAny(chain, ' ')}
        WHERE p.nx[x1.r1][1] = 1
      ),
      best AS (SELECT DISTINCT ON (person) * FROM att ORDER BY person, depth DESC, r1 DESC)
      ${grouped}
      ${aggregate('best', sql`NULL::int AS gi, NULL::text[] AS grp`, raw('v.k'), Prisma.empty)}
      ${groups}`;
  },
};
