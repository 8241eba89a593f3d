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
import { Prisma } from '../../../generated/prisma/client.ts';
import { isUuid } from '../../../lib/uuid.ts';
import { eventWindows, ruleSegmentRefs, ruleTagKeys } from './rule.analysis.ts';
import type { AttrName, Rule } from './rule.schema.ts';
import { JsonNumber, parseExactJson, type FactValue } from './exact-json.ts';
import { daysBefore } from './rule.values.ts';
import { ruleUsesRfm } from './rule.analysis.ts';
import { rfmRepository } from '../../analytics/rfm.repository.ts';

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
  const tagKeys = [...new Set(rules.flatMap(ruleTagKeys))];
  // A reference that is not a uuid names no segment (and must not reach a ::uuid cast).
  const segmentRefs = [...new Set(rules.flatMap(ruleSegmentRefs).filter(isUuid).map((s) => s.toLowerCase()))];
  // Tags of the merged set: the customer's own and those of customers merged into it.
  const tagsSql = tagKeys.length
    ? Prisma.sql`ARRAY(SELECT DISTINCT tg.key FROM customer_tag ct JOIN tag tg ON tg.id = ct.tag_id
        WHERE ct.customer_id IN (SELECT c.id UNION ALL SELECT m.id FROM customer m WHERE m.merged_into_id = c.id)
          AND tg.key IN (SELECT jsonb_array_elements_text(${JSON.stringify(tagKeys)}::jsonb)))`
    : Prisma.sql`ARRAY[]::text[]`;
  const segmentsSql = segmentRefs.length
    ? Prisma.sql`ARRAY(SELECT sm.segment_id::text FROM segment_membership sm
        WHERE sm.customer_id = c.id AND sm.segment_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(segmentRefs)}::jsonb)))`
    : Prisma.sql`ARRAY[]::text[]`;
  // Epoch milliseconds as float8 are exact for timestamptz(3) and spare us driver-specific date handling.
  const rows = await db.$queryRaw<CustomerRow[]>`
    SELECT c.id::text AS id, c.source, c.external_id, c.email, c.phone, c.first_name, c.last_name, c.name, c.gender,
           c.birthday::text AS birthday, c.country, c.city, c.company, c.traits::text AS traits,
           c.lifetime_value::text AS lifetime_value, c.order_count, c.touchpoint_count,
           (extract(epoch FROM c.created_at) * 1000)::float8 AS created_at,
           (extract(epoch FROM c.first_seen_at) * 1000)::float8 AS first_seen_at,
           (extract(epoch FROM c.last_seen_at) * 1000)::float8 AS last_seen_at,
           ${tagsSql} AS tag_keys, ${segmentsSql} AS segment_ids
    FROM customer c
    WHERE c.id IN (SELECT value::uuid FROM jsonb_array_elements_text(${ids}::jsonb)) AND c.merged_into_id IS NULL`;
  const tiers = rules.some(ruleUsesRfm) ? await rfmRepository.tiersOf(db, rows.map((r) => r.id), now) : new Map<string, string>();
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
  // One index range scan on touchpoint (customer_id, occurred_at) per member of a merged set and event.
  const touchpoints = await db.$queryRaw<TouchpointRow[]>`
    WITH live AS (SELECT value::uuid AS id FROM jsonb_array_elements_text(${live}::jsonb)),
    members AS (
      SELECT id, id AS live FROM live
      UNION ALL
      SELECT m.id, m.merged_into_id FROM customer m WHERE m.merged_into_id IN (SELECT id FROM live)),
    windows AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(windows)}::jsonb) AS w(event text, since timestamptz))
    SELECT mb.live::text AS live, t.event, t.channel::text AS channel,
           (extract(epoch FROM t.occurred_at) * 1000)::float8 AS occurred_at,
           t.revenue::text AS revenue, t.properties::text AS properties
    FROM members mb CROSS JOIN windows w
    CROSS JOIN LATERAL (
      SELECT * FROM touchpoint t
      WHERE t.customer_id = mb.id AND t.occurred_at >= COALESCE(w.since, '-infinity'::timestamptz) AND t.event = w.event) t`;
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
