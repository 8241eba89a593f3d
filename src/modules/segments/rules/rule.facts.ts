/**
 * What the incremental evaluator needs to know about customers, loaded in at most two set-based
 * statements whatever the number of customers and rules: one for the customer rows (typed columns,
 * traits, tag keys over the merged set, current memberships), one for the touchpoints of the merged
 * sets whose event the rules name, each event only as far back as its widest window.
 *
 * Numbers stay exact: `numeric` columns come as text and jsonb as text parsed by parseExactJson, so the
 * evaluator compares the very values the SQL compares.
 */
import type { Db } from '../../../db/client.ts';
import { isUuid } from '../../../lib/uuid.ts';
import { eventWindows, ruleSegmentRefs, ruleTagKeys } from './rule.analysis.ts';
import type { AttrName, Rule } from './rule.schema.ts';
import { JsonNumber, parseExactJson, type FactValue } from './exact-json.ts';
import { daysBefore } from './rule.values.ts';

/** Typed columns: text as is, numbers as exact decimal text (or plain numbers), dates as instants. */
export type AttrFacts = { [K in AttrName]: K extends 'lifetimeValue' | 'orderCount' | 'touchpointCount'
  ? string | number
  : K extends 'birthday' | 'createdAt' | 'firstSeenAt' | 'lastSeenAt'
    ? Date | null
    : string | null };

export interface TouchpointFacts {
  event: string;
  channel: string;
  occurredAt: Date;
  /** Exact decimal text of the revenue column (or a number), null when absent. */
  revenue: string | number | null;
  properties: Record<string, FactValue>;
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
}

interface CustomerRow {
  id: string;
  source: string;
  external_id: string | null;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  name: string | null;
  gender: string | null;
  birthday: string | null;
  country: string | null;
  city: string | null;
  company: string | null;
  traits: string;
  lifetime_value: string;
  order_count: number;
  touchpoint_count: number;
  created_at: number;
  first_seen_at: number | null;
  last_seen_at: number | null;
  tag_keys: string[];
  segment_ids: string[];
}

interface TouchpointRow {
  live: string;
  event: string;
  channel: string;
  occurred_at: number;
  revenue: string | null;
  properties: string;
}

const asObject = (v: FactValue): Record<string, FactValue> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber) ? v : {};
const instant = (ms: number | null) => (ms === null ? null : new Date(Number(ms)));

/**
 * Facts of the live customers among `customerIds` (merged-away and unknown ids are absent from the
 * map), as far as `rules` need them at `now`.
 */
export async function loadFacts(db: Db, customerIds: readonly string[], rules: readonly Rule[], now: Date): Promise<Map<string, CustomerFacts>> {
  const ids = JSON.stringify([...new Set(customerIds.filter(isUuid).map((id) => id.toLowerCase()))]);
  const facts = new Map<string, CustomerFacts>();
  if (ids === '[]') return facts;
  const tagKeys = JSON.stringify([...new Set(rules.flatMap(ruleTagKeys))]);
  const segmentRefs = JSON.stringify([...new Set(rules.flatMap(ruleSegmentRefs).map((s) => s.toLowerCase()))]);
  // Epoch milliseconds as float8 are exact for timestamptz(3) and spare us driver-specific date handling.
  const rows = await db.$queryRaw<CustomerRow[]>`
    SELECT c.id::text AS id, c.source, c.external_id, c.email, c.phone, c.first_name, c.last_name, c.name, c.gender,
           c.birthday::text AS birthday, c.country, c.city, c.company, c.traits::text AS traits,
           c.lifetime_value::text AS lifetime_value, c.order_count, c.touchpoint_count,
           (extract(epoch FROM c.created_at) * 1000)::float8 AS created_at,
           (extract(epoch FROM c.first_seen_at) * 1000)::float8 AS first_seen_at,
           (extract(epoch FROM c.last_seen_at) * 1000)::float8 AS last_seen_at,
           ARRAY(SELECT DISTINCT tg.key FROM customer m JOIN customer_tag ct ON ct.customer_id = m.id JOIN tag tg ON tg.id = ct.tag_id
                 WHERE (m.id = c.id OR m.merged_into_id = c.id)
                   AND tg.key IN (SELECT jsonb_array_elements_text(${tagKeys}::jsonb))) AS tag_keys,
           ARRAY(SELECT sm.segment_id::text FROM segment_membership sm
                 WHERE sm.customer_id = c.id AND sm.segment_id::text IN (SELECT jsonb_array_elements_text(${segmentRefs}::jsonb))) AS segment_ids
    FROM customer c
    WHERE c.id IN (SELECT value::uuid FROM jsonb_array_elements_text(${ids}::jsonb)) AND c.merged_into_id IS NULL`;
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
      },
      traits: asObject(parseExactJson(r.traits)),
      tagKeys: new Set(r.tag_keys),
      segmentIds: new Set(r.segment_ids),
      touchpoints: [],
    });
  }

  const windows = [...eventWindows(rules)].map(([event, days]) => ({
    event,
    since: Number.isFinite(days) ? daysBefore(now, days).toISOString() : null,
  }));
  if (windows.length === 0 || facts.size === 0) return facts;
  const live = JSON.stringify([...facts.keys()]);
  const touchpoints = await db.$queryRaw<TouchpointRow[]>`
    WITH live AS (SELECT value::uuid AS id FROM jsonb_array_elements_text(${live}::jsonb)),
    members AS (
      SELECT m.id, COALESCE(m.merged_into_id, m.id) AS live FROM customer m
      WHERE m.id IN (SELECT id FROM live) OR m.merged_into_id IN (SELECT id FROM live))
    SELECT mb.live::text AS live, t.event, t.channel::text AS channel,
           (extract(epoch FROM t.occurred_at) * 1000)::float8 AS occurred_at,
           t.revenue::text AS revenue, t.properties::text AS properties
    FROM members mb
    JOIN touchpoint t ON t.customer_id = mb.id
    JOIN jsonb_to_recordset(${JSON.stringify(windows)}::jsonb) AS w(event text, since timestamptz)
      ON t.event = w.event AND (w.since IS NULL OR t.occurred_at >= w.since)`;
  for (const t of touchpoints) {
    facts.get(t.live)?.touchpoints.push({
      event: t.event,
      channel: t.channel,
      occurredAt: new Date(Number(t.occurred_at)),
      revenue: t.revenue,
      properties: asObject(parseExactJson(t.properties)),
    });
  }
  return facts;
}
