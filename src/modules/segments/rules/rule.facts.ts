/**
 * What the incremental evaluator needs to know about customers, loaded in at most two set-based
 * statements whatever the number of customers and rules: one for the customer rows (typed columns,
 * traits, tag keys over the merged set, current memberships), one for the touchpoints of the merged
 * sets whose event the rules name, each event only as far back as its widest window (both in
 * rule-facts.repository.ts).
 *
 * Numbers stay exact: `numeric` columns come as text and jsonb as text parsed by parseExactJson, so the
 * evaluator compares the very values the SQL compares.
 */
import type { Db } from '../../../db/client.ts';
import { isUuid } from '../../../lib/uuid.ts';
import { eventWindows, ruleSegmentRefs, ruleTagKeys, typeWindows } from './rule.analysis.ts';
import type { AttrName, Rule } from './rule.schema.ts';
import { JsonNumber, parseExactJson, type FactValue } from './exact-json.ts';
import { daysBefore } from './rule.values.ts';
import { ruleClusterRuns, ruleUsesAccounts, ruleUsesPropensity, ruleUsesRfm } from './rule.analysis.ts';
import { clusterQueries } from '../../clusters/cluster.queries.ts';
import { propensityQueries } from '../../propensity/propensity.queries.ts';
import { rfmQueries } from '../../analytics/rfm.queries.ts';
import { accountQueries } from '../../accounts/account.queries.ts';
import { ruleFactsRepository } from './rule-facts.repository.ts';

/** Typed columns: text as is, numbers as exact decimal text (or plain numbers), dates as instants. */
export type AttrFacts = { [K in Exclude<AttrName, 'sentimentAverage' | 'conversionProbability' | 'churnProbability'>]: K extends 'lifetimeValue' | 'orderCount' | 'touchpointCount'
  ? string | number
  : K extends 'birthday' | 'createdAt' | 'firstSeenAt' | 'lastSeenAt'
    ? Date | null
    : string | null } & {
  /** Exact decimal text of the merged-set mean sentiment score; null (or absent) when none was scored. */
  sentimentAverage?: string | null;
  /** Exact decimal text of the latest propensity models' probabilities; null (or absent) when not scored. */
  conversionProbability?: string | null;
  churnProbability?: string | null;
};

export interface TouchpointFacts {
  event: string | null;
  type: string;
  channel: string;
  occurredAt: Date;
  /** Exact decimal text of the revenue column (or a number), null when absent. */
  revenue: string | number | null;
  properties: Record<string, FactValue>;
  /** The sentiment columns: label text and exact decimal text of the score, null when not scored. */
  sentimentLabel?: string | null;
  sentimentScore?: string | null;
}

export interface CustomerFacts {
  id: string;
  attrs: AttrFacts;
  traits: Record<string, FactValue>;
  /** Tag keys held by the customer or by a customer merged into it (only the keys the rules name). */
  tagKeys: Set<string>;
  /** Segments the customer is currently a member of (lower-case ids; only those the rules name). */
  segmentIds: Set<string>;
  /** Touchpoints of the merged set (only events and windows the rules need), in no particular order. */
  touchpoints: TouchpointFacts[];
  /** Cluster per run reference ("latest" or a lower-case run id; only the runs the rules name). */
  clusters?: Map<string, number>;
  /** Accounts of the merged set (loaded only when a rule reads accounts). */
  accounts?: AccountFacts[];
}

export interface AccountFacts {
  groupId: string;
  traits: Record<string, FactValue>;
}

const asObject = (v: FactValue): Record<string, FactValue> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber) ? v : {};
const instant = (ms: number | null) => (ms === null ? null : new Date(Number(ms)));

/**
 * Facts of the live customers among `customerIds` (merged-away and unknown ids are absent from the
 * map), as far as `rules` need them at `now`.
 */
export async function loadFacts(db: Db, customerIds: readonly string[], rules: readonly Rule[], now: Date): Promise<Map<string, CustomerFacts>> {
  const ids = [...new Set(customerIds.filter(isUuid).map((id) => id.toLowerCase()))];
  const facts = new Map<string, CustomerFacts>();
  if (ids.length === 0) return facts;
  const tagKeys = [...new Set(rules.flatMap(ruleTagKeys))];
  // A reference that is not a uuid names no segment (and must not reach a ::uuid cast).
  const segmentRefs = [...new Set(rules.flatMap(ruleSegmentRefs).filter(isUuid).map((s) => s.toLowerCase()))];
  const rows = await ruleFactsRepository.customerRows(db, ids, tagKeys, segmentRefs);
  const accounts = rules.some(ruleUsesAccounts) ? await accountQueries.accountsOf(db, rows.map((r) => r.id)) : new Map<string, { groupId: string; traitsText: string }[]>();
  const clusterRuns = [...new Set(rules.flatMap(ruleClusterRuns))];
  const clusters = clusterRuns.length ? await clusterQueries.clustersOf(db, rows.map((r) => r.id), clusterRuns) : new Map<string, Map<string, number>>();
  const propensity = rules.some(ruleUsesPropensity) ? await propensityQueries.ofCustomers(db, rows.map((r) => r.id)) : new Map<string, { conversion: string | null; churn: string | null }>();
  const tiers = rules.some(ruleUsesRfm) ? await rfmQueries.tiersOf(db, rows.map((r) => r.id), now) : new Map<string, string>();
  for (const r of rows) {
    facts.set(r.id, {
      id: r.id,
      attrs: {
        email: r.email,
        phone: r.phone,
        firstName: r.first_name,
        lastName: r.last_name,
        name: r.name,
        gender: r.gender,
        birthday: r.birthday === null ? null : new Date(`${r.birthday}T00:00:00Z`),
        country: r.country,
        city: r.city,
        company: r.company,
        externalId: r.external_id,
        source: r.source,
        lifetimeValue: r.lifetime_value,
        orderCount: Number(r.order_count),
        touchpointCount: Number(r.touchpoint_count),
        createdAt: instant(r.created_at),
        firstSeenAt: instant(r.first_seen_at),
        lastSeenAt: instant(r.last_seen_at),
        rfmTier: tiers.get(r.id) ?? null,
        sentimentAverage: r.sentiment_average,
        conversionProbability: propensity.get(r.id)?.conversion ?? null,
        churnProbability: propensity.get(r.id)?.churn ?? null,
      },
      clusters: clusters.get(r.id) ?? new Map(),
      traits: asObject(parseExactJson(r.traits)),
      tagKeys: new Set(r.tag_keys),
      segmentIds: new Set(r.segment_ids),
      touchpoints: [],
      accounts: (accounts.get(r.id) ?? []).map((a) => ({ groupId: a.groupId, traits: asObject(parseExactJson(a.traitsText)) })),
    });
  }

  const since = (days: number) => (Number.isFinite(days) ? daysBefore(now, days).toISOString() : null);
  const windows = [
    ...[...eventWindows(rules)].map(([event, days]) => ({ event, type: null, since: since(days) })),
    ...[...typeWindows(rules)].map(([type, days]) => ({ event: null, type, since: since(days) })),
  ];
  if (windows.length === 0 || facts.size === 0) return facts;
  const touchpoints = await ruleFactsRepository.touchpointRows(db, [...facts.keys()], windows);
  for (const t of touchpoints) {
    facts.get(t.live)?.touchpoints.push({
      event: t.event,
      type: t.type,
      channel: t.channel,
      occurredAt: new Date(Number(t.occurred_at)),
      revenue: t.revenue,
      properties: asObject(parseExactJson(t.properties)),
      sentimentLabel: t.sentiment_label,
      sentimentScore: t.sentiment_score,
    });
  }
  return facts;
}
