/**
 * Rule → one SQL statement returning the `id` (text) of every live customer that matches, for a full
 * recompute (or for a given list of customers). rule.evaluator.ts implements the same semantics in JS;
 * a property test keeps the two in agreement.
 *
 * Null semantics (both evaluators): every leaf is a definite true/false, so `not` is plain two-valued
 * negation. A comparison on a missing value is false, neq included: a customer with no country does not
 * match {country neq "CN"}; write {and: [{country exists}, {not: {country eq "CN"}}]} or
 * {not: {country eq "CN"}} to say otherwise. A trait or property holding JSON null counts as missing;
 * a value of another JSON type than the rule's value (a string where a number is wanted) compares as
 * missing too. lastSeen/firstSeen of a customer never seen is false, whatever the window.
 *
 * Per-customer facts are taken over the merged set (the live customer and those merged into it):
 * touchpoints and tags. Typed columns, traits and segment memberships are the live customer's own
 * (first_seen_at/last_seen_at are maintained over the merged set by touchpointRepository.refreshStats).
 *
 * `now` is a parameter, never SQL now(), so the clock is injectable and both evaluators see one instant.
 * Every rule value travels as a bind parameter; the only SQL text built from the rule is column names
 * from the fixed table below and generated CTE names.
 */
import { Prisma } from '../../../generated/prisma/client.ts';
import { isUuid } from '../../../lib/uuid.ts';
import {
  ATTR_TYPES,
  isEventRule,
  REVENUE_PROP,
  SENTIMENT_PROP,
  SENTIMENT_SCORE_PROP,
  type AggregateOp,
  type AttrName,
  type AttrRule,
  type Comparison,
  type EventRule,
  type PropFilter,
  type Rule,
  type Scalar,
  type SeenWindow,
} from './rule.schema.ts';
import { daysBefore, NUMERIC_STRING, parseIsoInstant } from './rule.values.ts';
import { ruleUsesRfm } from './rule.analysis.ts';
import { rfmQueries } from '../../analytics/rfm.queries.ts';
import { accountQueries } from '../../accounts/account.queries.ts';
import { sentimentQueries } from '../../sentiment/sentiment.queries.ts';
import { clusterQueries } from '../../clusters/cluster.queries.ts';
import { propensityQueries } from '../../propensity/propensity.queries.ts';

const { sql, join, raw, empty } = Prisma;
type Sql = Prisma.Sql;

/** SQL for each attribute; birthday (a date) is taken as midnight UTC so it compares as an instant. */
const ATTR_SQL: Record<AttrName, Sql> = {
  email: raw('c.email'),
  phone: raw('c.phone'),
  firstName: raw('c.first_name'),
  lastName: raw('c.last_name'),
  name: raw('c.name'),
  gender: raw('c.gender'),
  birthday: raw(`(c.birthday::timestamp AT TIME ZONE 'UTC')`),
  country: raw('c.country'),
  city: raw('c.city'),
  company: raw('c.company'),
  externalId: raw('c.external_id'),
  source: raw('c.source'),
  lifetimeValue: raw('c.lifetime_value'),
  orderCount: raw('c.order_count'),
  touchpointCount: raw('c.touchpoint_count'),
  createdAt: raw('c.created_at'),
  firstSeenAt: raw('c.first_seen_at'),
  lastSeenAt: raw('c.last_seen_at'),
  // Reads the rfm CTE that compileMembers adds when a rule uses the attribute.
  rfmTier: raw('(SELECT rfm.tier FROM rfm WHERE rfm.person = c.id)'),
  sentimentAverage: sentimentQueries.averageSql(raw('c.id')),
  conversionProbability: propensityQueries.probabilitySql('CONVERSION', raw('c.id')),
  churnProbability: propensityQueries.probabilitySql('CHURN', raw('c.id')),
};

const ORDER_SQL: Record<AggregateOp, Sql> = {
  eq: raw('='),
  neq: raw('<>'),
  gt: raw('>'),
  gte: raw('>='),
  lt: raw('<'),
  lte: raw('<='),
};

export interface CompileOptions {
  now: Date;
  /** Restrict the answer to these customers (ids that are not live customers are ignored). */
  customerIds?: readonly string[];
}

interface Context {
  now: Date;
  ctes: Sql[];
  joins: Sql[];
  /** With customerIds: the CTE `scope` (id, live) of the requested live customers and those merged into them. */
  scoped: boolean;
}

export function compileMembers(rule: Rule, opts: CompileOptions): Sql {
  if (Number.isNaN(opts.now.getTime())) throw new Error('compileMembers: invalid now');
  const ctx: Context = { now: opts.now, ctes: [], joins: [], scoped: opts.customerIds !== undefined };
  if (opts.customerIds) {
    // Only well-formed uuids can name a customer; anything else would make ::uuid throw.
    const ids = JSON.stringify([...new Set(opts.customerIds.filter(isUuid).map((id) => id.toLowerCase()))]);
    // Two index lookups rather than `id IN .. OR merged_into_id IN ..`, which defeats the indexes.
    ctx.ctes.push(sql`scope AS (
  SELECT c.id, c.id AS live FROM customer c
  WHERE c.id IN (SELECT value::uuid FROM jsonb_array_elements_text(${ids}::jsonb)) AND c.merged_into_id IS NULL
  UNION ALL
  SELECT m.id, m.merged_into_id FROM customer m WHERE m.merged_into_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${ids}::jsonb)))`);
  }
  // Materialised: computed once for the statement, not once per customer.
  if (ruleUsesRfm(rule)) ctx.ctes.push(sql`rfm AS MATERIALIZED (${rfmQueries.tiersSql(opts.now, ctx.scoped ? sql`SELECT live FROM scope` : null)})`);
  const where = expr(rule, ctx);
  const withClause = ctx.ctes.length ? sql`WITH ${join(ctx.ctes, ',\n')}\n` : empty;
  return sql`${withClause}SELECT c.id::text AS id
FROM customer c
${ctx.joins.length ? join(ctx.joins, '\n') : empty}
WHERE c.merged_into_id IS NULL AND c.erased_at IS NULL${ctx.scoped ? sql` AND c.id IN (SELECT id FROM scope WHERE id = live)` : empty}
  AND ${where}
ORDER BY c.id`;
}

/** A definite boolean: NULL (unknown) is false. */
const definite = (e: Sql) => sql`COALESCE((${e}), false)`;

function expr(rule: Rule, ctx: Context): Sql {
  if ('and' in rule) return sql`(${join(rule.and.map((r) => expr(r, ctx)), ' AND ')})`;
  if ('or' in rule) return sql`(${join(rule.or.map((r) => expr(r, ctx)), ' OR ')})`;
  if ('not' in rule) return sql`(NOT ${expr(rule.not, ctx)})`;
  if ('attr' in rule) return definite(attrExpr(rule));
  if ('trait' in rule) return definite(jsonExpr(sql`c.traits -> ${rule.trait}::text`, rule));
  if (isEventRule(rule)) return definite(eventExpr(rule, ctx));
  if ('lastSeen' in rule) return definite(seenExpr(raw('c.last_seen_at'), rule.lastSeen, ctx.now));
  if ('firstSeen' in rule) return definite(seenExpr(raw('c.first_seen_at'), rule.firstSeen, ctx.now));
  if ('hasTag' in rule) {
    // Uncorrelated, so computed once (hashed) for a full recompute; never NULL, so IN is definite.
    return sql`c.id IN (SELECT COALESCE(m.merged_into_id, m.id) FROM tag tg JOIN customer_tag ct ON ct.tag_id = tg.id
      JOIN customer m ON m.id = ct.customer_id WHERE tg.key = ${rule.hasTag}::text)`;
  }
  if ('inSegment' in rule) {
    // A reference that is not a uuid names no segment: it matches nothing rather than failing the ::uuid cast.
    if (!isUuid(rule.inSegment)) return sql`false`;
    return sql`c.id IN (SELECT sm.customer_id FROM segment_membership sm WHERE sm.segment_id = ${rule.inSegment.toLowerCase()}::uuid)`;
  }
  if ('inCluster' in rule) {
    // Uncorrelated like hasTag: assignments are stored by live customer id at the time of the run.
    const members = clusterQueries.membersSql(rule.inCluster.run, rule.inCluster.cluster);
    return members === null ? sql`false` : sql`c.id IN (${members})`;
  }
  if ('account' in rule) {
    // Uncorrelated like hasTag; `a` is the accounts row. Group ids compare exactly (as sent, trimmed).
    const { groupId, where } = rule.account;
    const conditions = [
      ...(groupId !== undefined ? [sql`a.group_id = ${groupId}::text`] : []),
      ...(where ?? []).map((f) => definite(jsonExpr(sql`a.traits -> ${f.trait}::text`, f))),
    ];
    return sql`c.id IN (${accountQueries.membersSql(conditions.length ? join(conditions, ' AND ') : null)})`;
  }
  const never: never = rule;
  throw new Error(`unknown rule node ${JSON.stringify(never)}`);
}

// ---- typed columns ----

function attrExpr(rule: AttrRule): Sql {
  const col = ATTR_SQL[rule.attr];
  const { op } = rule;
  if (op === 'exists') return sql`${col} IS NOT NULL`;
  switch (ATTR_TYPES[rule.attr]) {
    case 'text':
      return textExpr(col, op, rule.value!);
    case 'number':
      if (op === 'in') return sql`${col} IN (SELECT value::numeric FROM jsonb_array_elements_text(${JSON.stringify(rule.value)}::jsonb))`;
      return sql`${col} ${ORDER_SQL[op as AggregateOp]} ${numberParam(rule.value as number)}`;
    case 'date': {
      if (op === 'in') {
        const instants = (rule.value as string[]).map(instantText);
        return sql`${col} IN (SELECT value::timestamptz FROM jsonb_array_elements_text(${JSON.stringify(instants)}::jsonb))`;
      }
      return sql`${col} ${ORDER_SQL[op as AggregateOp]} ${instantText(rule.value as string)}::timestamptz`;
    }
  }
}

/** Text comparisons in code-point order (COLLATE "C") so the database locale does not matter. */
function textExpr(col: Sql, op: Comparison['op'], value: Scalar | Scalar[]): Sql {
  if (op === 'in') return sql`${col} IN (SELECT jsonb_array_elements_text(${JSON.stringify(value)}::jsonb))`;
  if (op === 'contains') return sql`strpos(lower(${col} COLLATE "C"), lower(${value as string}::text COLLATE "C")) > 0`;
  if (op === 'eq' || op === 'neq') return sql`${col} ${ORDER_SQL[op]} ${value as string}::text`;
  return sql`${col} COLLATE "C" ${ORDER_SQL[op as AggregateOp]} ${value as string}::text`;
}

const numberParam = (n: number) => sql`${String(n)}::numeric`;

function instantText(iso: string): string {
  const at = parseIsoInstant(iso);
  if (!at) throw new Error(`not an ISO date: ${iso}`); // parseRule refuses these
  return at.toISOString();
}

// ---- JSON values (traits, properties) ----

/** The numeric value of a jsonb value: a JSON number, or a string matching NUMERIC_STRING; else NULL. */
function jsonNumber(x: Sql): Sql {
  return sql`(CASE jsonb_typeof(${x}) WHEN 'number' THEN (${x})::numeric
    WHEN 'string' THEN (CASE WHEN (${x} #>> '{}') ~ ${NUMERIC_STRING}::text THEN (${x} #>> '{}')::numeric END) END)`;
}

/** A comparison of jsonb `x` with a rule value; the value's JSON type decides how. */
function jsonCompare(x: Sql, op: AggregateOp, value: Scalar): Sql {
  if (typeof value === 'number') return sql`${jsonNumber(x)} ${ORDER_SQL[op]} ${numberParam(value)}`;
  if (typeof value === 'boolean') {
    return sql`(jsonb_typeof(${x}) = 'boolean' AND ${x} ${ORDER_SQL[op]} ${JSON.stringify(value)}::jsonb)`;
  }
  const cmp = op === 'eq' || op === 'neq' ? ORDER_SQL[op] : sql`COLLATE "C" ${ORDER_SQL[op]}`;
  return sql`(jsonb_typeof(${x}) = 'string' AND (${x} #>> '{}') ${cmp} ${value}::text)`;
}

function jsonExpr(x: Sql, { op, value }: Comparison): Sql {
  if (op === 'exists') return sql`jsonb_typeof(${x}) <> 'null'`;
  if (op === 'in') {
    return sql`(${join((value as Scalar[]).map((v) => definite(jsonCompare(x, 'eq', v))), ' OR ')})`;
  }
  if (op === 'contains') {
    const element = sql`EXISTS (SELECT 1 FROM jsonb_array_elements(${x}) AS e(v) WHERE ${definite(jsonCompare(raw('e.v'), 'eq', value as Scalar))})`;
    const substring =
      typeof value === 'string'
        ? sql`WHEN 'string' THEN strpos(lower((${x} #>> '{}') COLLATE "C"), lower(${value}::text COLLATE "C")) > 0`
        : empty;
    // CASE keeps jsonb_array_elements away from non-arrays (it would raise an error on them).
    return sql`(CASE jsonb_typeof(${x}) WHEN 'array' THEN ${element} ${substring} ELSE false END)`;
  }
  return jsonCompare(x, op, value as Scalar);
}

// ---- events ----

/** A touchpoint filter; `t` is the touchpoint. */
function filterExpr(f: PropFilter): Sql {
  if (f.prop === SENTIMENT_PROP) return definite(f.op === 'exists' ? sql`t.sentiment_label IS NOT NULL` : textExpr(raw('t.sentiment_label::text'), f.op, f.value!));
  const col = f.prop === REVENUE_PROP ? raw('t.revenue') : f.prop === SENTIMENT_SCORE_PROP ? raw('t.sentiment_score') : null;
  if (col === null) return definite(jsonExpr(sql`t.properties -> ${f.prop}::text`, f));
  if (f.op === 'exists') return sql`${col} IS NOT NULL`;
  if (f.op === 'in') return definite(sql`${col} IN (SELECT value::numeric FROM jsonb_array_elements_text(${JSON.stringify(f.value)}::jsonb))`);
  return definite(sql`${col} ${ORDER_SQL[f.op as AggregateOp]} ${numberParam(f.value as number)}`);
}

/**
 * Each event condition is an aggregate over the touchpoints of merged sets, computed once for all
 * customers (a CTE grouped by live customer) and LEFT JOINed: a customer without such touchpoints has
 * count 0 and sum 0.
 */
function eventExpr(rule: EventRule, ctx: Context): Sql {
  const name = raw(`ev${ctx.ctes.length}`);
  const conditions: Sql[] = [];
  if (rule.event !== undefined) conditions.push(sql`t.event = ${rule.event}::text`);
  if (rule.type !== undefined) conditions.push(sql`t.type::text = ${rule.type}::text`);
  if (rule.channel) conditions.push(sql`t.channel::text = ${rule.channel}::text`);
  if (rule.withinDays !== undefined) conditions.push(sql`t.occurred_at >= ${daysBefore(ctx.now, rule.withinDays).toISOString()}::timestamptz`);
  for (const f of rule.where ?? []) conditions.push(filterExpr(f));
  const summed = rule.sum
    ? rule.sum.prop === REVENUE_PROP
      ? raw('t.revenue')
      : jsonNumber(sql`t.properties -> ${rule.sum.prop}::text`)
    : raw('NULL::numeric');
  ctx.ctes.push(sql`${name} AS (
  SELECT ${ctx.scoped ? raw('m.live') : raw('COALESCE(m.merged_into_id, m.id)')} AS live, count(*) AS n, COALESCE(sum(${summed}), 0) AS s
  FROM ${ctx.scoped ? raw('scope m JOIN touchpoint t ON t.customer_id = m.id') : raw('touchpoint t JOIN customer m ON m.id = t.customer_id')}
  WHERE ${join(conditions, ' AND ')}
  GROUP BY 1)`);
  ctx.joins.push(sql`LEFT JOIN ${name} ON ${name}.live = c.id`);
  const n = sql`COALESCE(${name}.n, 0)`;
  const s = sql`COALESCE(${name}.s, 0)`;
  const parts: Sql[] = [];
  if (rule.count) parts.push(sql`${n} ${ORDER_SQL[rule.count.op]} ${rule.count.value}::bigint`);
  if (rule.sum) parts.push(sql`${s} ${ORDER_SQL[rule.sum.op]} ${numberParam(rule.sum.value)}`);
  if (parts.length === 0) parts.push(sql`${n} >= 1`);
  return join(parts, ' AND ');
}

function seenExpr(col: Sql, window: SeenWindow, now: Date): Sql {
  const parts: Sql[] = [];
  if (window.olderThanDays !== undefined) parts.push(sql`${col} < ${daysBefore(now, window.olderThanDays).toISOString()}::timestamptz`);
  if (window.newerThanDays !== undefined) parts.push(sql`${col} >= ${daysBefore(now, window.newerThanDays).toISOString()}::timestamptz`);
  return join(parts, ' AND ');
}
