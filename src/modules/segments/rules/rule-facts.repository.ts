/**
 * The two set-based statements behind rule.facts.ts: the customer rows (typed columns, traits, tag keys
 * over the merged set, current memberships) and the touchpoints of the merged sets for the events and
 * windows the rules name.
 *
 * Numbers stay exact: `numeric` and jsonb columns come as text, for rule.facts.ts to parse exactly.
 */
import type { Db } from '../../../db/client.ts';
import { Prisma } from '../../../generated/prisma/client.ts';
import { sentimentQueries } from '../../sentiment/sentiment.queries.ts';

export interface CustomerRow {
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
  sentiment_average: string | null;
}

export interface TouchpointRow {
  live: string;
  event: string | null;
  type: string;
  channel: string;
  occurred_at: number;
  revenue: string | null;
  properties: string;
  sentiment_label: string | null;
  sentiment_score: string | null;
}

export const ruleFactsRepository = {
  /**
   * Live customers among `ids` (lower-case uuids); merged-away and unknown ids are absent. Only the tag keys and segment ids named here are returned.
   */
  async customerRows(db: Db, ids: string[], tagKeys: string[], segmentRefs: string[]): Promise<CustomerRow[]> {
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
    return db.$queryRaw<CustomerRow[]>`
      SELECT c.id::text AS id, c.source, c.external_id, c.email, c.phone, c.first_name, c.last_name, c.name, c.gender,
             c.birthday::text AS birthday, c.country, c.city, c.company, c.traits::text AS traits,
             c.lifetime_value::text AS lifetime_value, c.order_count, c.touchpoint_count,
             (extract(epoch FROM c.created_at) * 1000)::float8 AS created_at,
             (extract(epoch FROM c.first_seen_at) * 1000)::float8 AS first_seen_at,
             (extract(epoch FROM c.last_seen_at) * 1000)::float8 AS last_seen_at,
             ${tagsSql} AS tag_keys, ${segmentsSql} AS segment_ids,
             ${sentimentQueries.averageSql(Prisma.raw('c.id'))}::text AS sentiment_average
      FROM customer c
      WHERE c.id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) AND c.merged_into_id IS NULL`;
  },

  /**
   * Touchpoints of the merged sets of the `live` customers that fall in some (event or type, since)
   * window (since null: all time), each once, tagged with the live customer they count for.
   */
  async touchpointRows(db: Db, liveIds: string[], windows: { event: string | null; type: string | null; since: string | null }[]): Promise<TouchpointRow[]> {
    const live = JSON.stringify(liveIds);
    // One index range scan on touchpoint (customer_id, occurred_at) per member of a merged set, from the
    // earliest window on; a row matching several windows (an event and its type) is returned once.
    return db.$queryRaw<TouchpointRow[]>`
      WITH live AS (SELECT value::uuid AS id FROM jsonb_array_elements_text(${live}::jsonb)),
      members AS (
        SELECT id, id AS live FROM live
        UNION ALL
        SELECT m.id, m.merged_into_id FROM customer m WHERE m.merged_into_id IN (SELECT id FROM live)),
      windows AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(windows)}::jsonb) AS w(event text, type text, since timestamptz))
      SELECT mb.live::text AS live, t.event, t.type::text AS type, t.channel::text AS channel,
             (extract(epoch FROM t.occurred_at) * 1000)::float8 AS occurred_at,
             t.revenue::text AS revenue, t.properties::text AS properties,
             t.sentiment_label::text AS sentiment_label, t.sentiment_score::text AS sentiment_score
      FROM members mb JOIN touchpoint t ON t.customer_id = mb.id
      WHERE t.occurred_at >= (SELECT min(COALESCE(since, '-infinity'::timestamptz)) FROM windows)
        AND EXISTS (SELECT 1 FROM windows w
                    WHERE t.occurred_at >= COALESCE(w.since, '-infinity'::timestamptz)
                      AND (w.event IS NULL OR t.event = w.event) AND (w.type IS NULL OR t.type::text = w.type))`;
  },
};
