/**
 * Breakdown dimensions as SQL (validated in breakdown.service.ts): each dimension is a text expression
 * over a touchpoint row and its person's rows, NULL when the value is missing. Pure builders; the
 * caller puts `breakdownJoins` after its touchpoint source and selects `dimensionSql` for each dimension.
 *
 * Person dimensions read the live customer (the merge winner) as it is now: its traits and columns,
 * its RFM tier (rfmTiersSql, the tier `customer.rfmTier` shows), its current segment memberships. A
 * SEGMENT dimension joins one row per membership, so a touchpoint of a person in two segments is read
 * twice, once per segment name (and once, with NULL, for a person in none). ACCOUNT_TRAIT reads the
 * accounts module's rule (accountQueries.traitSql: the account the person joined first that has the
 * trait), once per person that can occur, as one JSON object of every account trait asked for.
 */
import { Prisma } from '../../generated/prisma/client.ts';
import { accountQueries } from '../accounts/account.queries.ts';
import type { Dimension } from './breakdown.service.ts';
import { rfmTiersSql } from './rfm.repository.ts';
import { clusterQueries } from '../clusters/cluster.queries.ts';
import { propensityQueries } from '../propensity/propensity.queries.ts';

const { sql, raw } = Prisma;
type Sql = Prisma.Sql;

/** Aliases the joins introduce; callers must not reuse them. */
const CUSTOMER = raw('bd_c');
const RFM = raw('bd_rfm');
const SEGMENT = raw('bd_seg');
const ACCOUNT = raw('bd_acc');
const LEARNED = raw('bd_learn');

const ATTRIBUTE_SQL: Record<Extract<Dimension, { by: 'ATTRIBUTE' }>['attribute'], Sql> = {
  country: sql`${CUSTOMER}.country`,
  city: sql`${CUSTOMER}.city`,
  gender: sql`${CUSTOMER}.gender`,
  company: sql`${CUSTOMER}.company`,
  // "" is the default source (no CRM source): missing, like a NULL.
  source: sql`NULLIF(${CUSTOMER}.source, '')`,
  rfmTier: sql`${RFM}.tier`,
  cluster: sql`${LEARNED}.cluster`,
  conversionProbability: tenths(sql`${LEARNED}.conversion`),
  churnProbability: tenths(sql`${LEARNED}.churn`),
};

/** A probability as its tenth, "0.7–0.8" (1.0 falls in "0.9–1.0"); NULL stays NULL. */
function tenths(p: Sql): Sql {
  const low = sql`least(floor(${p} * 10), 9)`;
  return sql`(to_char(${low} / 10, 'FM0.0') || '–' || to_char((${low} + 1) / 10, 'FM0.0'))`;
}

const LEARNED_ATTRIBUTES = new Set(['cluster', 'conversionProbability', 'churnProbability']);
const needsLearned = (d: Dimension) => d.by === 'ATTRIBUTE' && LEARNED_ATTRIBUTES.has(d.attribute);
const needsCustomer = (d: Dimension) => d.by === 'TRAIT' || (d.by === 'ATTRIBUTE' && d.attribute !== 'rfmTier' && !needsLearned(d));
const needsRfm = (d: Dimension) => d.by === 'ATTRIBUTE' && d.attribute === 'rfmTier';

/**
 * The joins the dimensions need, to put after the touchpoint source. `person`: the column holding the
 * live customer id. `persons`: a subquery of the live customer ids that can occur (the RFM tiers are
 * scored for those only). `now`: the RFM tiers are as of this instant.
 */
export function breakdownJoins(dims: readonly Dimension[], o: { person: Sql; persons: Sql; now: Date }): Sql {
  const parts: Sql[] = [];
  if (dims.some(needsCustomer)) parts.push(sql`LEFT JOIN customer ${CUSTOMER} ON ${CUSTOMER}.id = ${o.person}`);
  if (dims.some(needsRfm)) parts.push(sql`LEFT JOIN (${rfmTiersSql(o.now, o.persons)}) ${RFM} ON ${RFM}.person = ${o.person}`);
  if (dims.some(needsLearned)) {
    // Once per person that can occur: the latest run's cluster and the current models' scores.
    parts.push(sql`LEFT JOIN (SELECT p.person, (${clusterQueries.latestClusterSql(sql`p.person`)})::text AS cluster,
        ${propensityQueries.probabilitySql('CONVERSION', sql`p.person`)} AS conversion, ${propensityQueries.probabilitySql('CHURN', sql`p.person`)} AS churn
      FROM (${o.persons}) p(person)) ${LEARNED} ON ${LEARNED}.person = ${o.person}`);
  }
  if (dims.some((d) => d.by === 'SEGMENT'))
    parts.push(sql`LEFT JOIN (SELECT m.customer_id, s.name FROM segment_membership m JOIN segment s ON s.id = m.segment_id WHERE s.archived_at IS NULL) ${SEGMENT}
      ON ${SEGMENT}.customer_id = ${o.person}`);
  const accountKeys = [...new Set(dims.flatMap((d) => (d.by === 'ACCOUNT_TRAIT' ? [d.key] : [])))];
  if (accountKeys.length > 0) {
    const values = Prisma.join(accountKeys.map((k) => sql`${k}::text, ${accountQueries.traitSql(sql`p.person`, k)}`), ', ');
    parts.push(sql`LEFT JOIN (SELECT p.person, jsonb_build_object(${values}) AS v FROM (${o.persons}) p(person)) ${ACCOUNT} ON ${ACCOUNT}.person = ${o.person}`);
  }
  return parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
}

/**
 * The text value of one dimension for touchpoint row `row` (an alias with the columns channel,
 * source_name, properties, context, revenue, occurred_at); NULL when missing (JSON null included).
 * Hours and weekdays are read in `timezone`.
 */
export function dimensionSql(d: Dimension, o: { row: string; timezone: string }): Sql {
  const e = raw(o.row);
  const local = sql`(${e}.occurred_at AT TIME ZONE ${o.timezone}::text)`;
  switch (d.by) {
    case 'CHANNEL':
      return sql`${e}.channel::text`;
    case 'SOURCE_NAME':
      return sql`${e}.source_name`;
    case 'SENTIMENT':
      return sql`${e}.sentiment_label::text`;
    case 'EVENT_PROPERTY':
      // As in property filters, "revenue" is the touchpoint's own column.
      return d.key === 'revenue' ? sql`${e}.revenue::text` : sql`(${e}.properties ->> ${d.key}::text)`;
    case 'CONTEXT':
      return sql`(${e}.context #>> ${d.path}::text[])`;
    case 'TRAIT':
      return sql`(${CUSTOMER}.traits ->> ${d.key}::text)`;
    case 'ATTRIBUTE':
      return ATTRIBUTE_SQL[d.attribute];
    case 'SEGMENT':
      return sql`${SEGMENT}.name`;
    case 'ACCOUNT_TRAIT':
      return sql`(${ACCOUNT}.v ->> ${d.key}::text)`;
    case 'HOUR_OF_DAY':
      return sql`extract(hour FROM ${local})::int::text`;
    case 'DAY_OF_WEEK':
      return sql`extract(isodow FROM ${local})::int::text`;
  }
}
