/**
 * B6: segment membership written by hand. Twenty segments over the read data set (bench/lib/dataset.ts:
 * countries and cities, traits {plan, score}, catalogue tags, touchpoints drawn from the W1 event mix),
 * each given twice: as a rule in the rule language (what W5 makes the server recompute) and as one plain
 * SQL statement someone who knows the schema would write for it, returning the ids of the members.
 *
 * The statements keep the server's semantics — live customers only (merged_into_id IS NULL);
 * touchpoints and tags count over the merged set, grouped by COALESCE(merged_into_id, id); windows are
 * "occurred_at ≥ now − N days" with the same frozen `now` ($1 is always now, as timestamptz) — but use
 * what a person knows of the data, e.g. that `price` and `score` are always JSON numbers. W5 checks
 * that each statement returns exactly the members the server stored before anything is timed.
 */

export interface B6Segment {
  name: string;
  rule: Record<string, unknown>;
  /** One statement returning the members' ids (column `id`); $1, when used, is now (timestamptz). */
  sql: string;
}

const day = (n: number) => `$1::timestamptz - interval '${n} days'`;

/** Live customers whose merged set has touchpoints matching `where`, grouped, filtered by `having`. */
const byTouchpoints = (where: string, having = 'count(*) >= 1') => `
SELECT COALESCE(m.merged_into_id, m.id) AS id
FROM touchpoint t JOIN customer m ON m.id = t.customer_id
WHERE ${where}
GROUP BY 1
HAVING ${having}`;

/** Live customers (or a customer merged into them) holding tag `key`. */
const tagged = (key: string) => `
SELECT COALESCE(m.merged_into_id, m.id) FROM customer_tag ct
JOIN tag g ON g.id = ct.tag_id JOIN customer m ON m.id = ct.customer_id
WHERE g.key = '${key}'`;

export const B6_SEGMENTS: B6Segment[] = [
  {
    name: 'Active: 3+ page views in 30 days',
    rule: { event: 'Page Viewed', withinDays: 30, count: { op: 'gte', value: 3 } },
    sql: byTouchpoints(`t.event = 'Page Viewed' AND t.occurred_at >= ${day(30)}`, 'count(*) >= 3'),
  },
  {
    name: 'VIP: spend over 1,000 in 365 days',
    rule: { event: 'Order Completed', withinDays: 365, sum: { prop: 'revenue', op: 'gt', value: 1000 } },
    sql: byTouchpoints(`t.event = 'Order Completed' AND t.occurred_at >= ${day(365)}`, 'sum(t.revenue) > 1000'),
  },
  {
    name: 'At risk: last seen over 30 days ago',
    rule: { lastSeen: { olderThanDays: 30 } },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND last_seen_at < ${day(30)}`,
  },
  {
    name: 'New: first seen in the last 45 days',
    rule: { firstSeen: { newerThanDays: 45 } },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND first_seen_at >= ${day(45)}`,
  },
  {
    name: 'China',
    rule: { attr: 'country', op: 'eq', value: 'CN' },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND country = 'CN'`,
  },
  {
    name: 'Shanghai or Beijing',
    rule: { attr: 'city', op: 'in', value: ['Shanghai', 'Beijing'] },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND city IN ('Shanghai', 'Beijing')`,
  },
  {
    name: 'Pro plan',
    rule: { trait: 'plan', op: 'eq', value: 'pro' },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND traits ->> 'plan' = 'pro'`,
  },
  {
    name: 'Score 80+',
    rule: { trait: 'score', op: 'gte', value: 80 },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND (traits -> 'score')::numeric >= 80`,
  },
  {
    name: 'VIP tag',
    rule: { hasTag: 'vip' },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND id IN (${tagged('vip')})`,
  },
  {
    name: 'Not on the newsletter',
    rule: { not: { hasTag: 'newsletter' } },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND id NOT IN (${tagged('newsletter')})`,
  },
  {
    name: 'Lifetime value 1,000+',
    rule: { attr: 'lifetimeValue', op: 'gte', value: 1000 },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND lifetime_value >= 1000`,
  },
  {
    name: 'Repeat buyers: 2+ orders',
    rule: { attr: 'orderCount', op: 'gte', value: 2 },
    sql: `SELECT id FROM customer WHERE merged_into_id IS NULL AND order_count >= 2`,
  },
  {
    name: 'Shoe browsers: shoes viewed in 60 days',
    rule: { event: 'Product Viewed', where: [{ prop: 'category', op: 'eq', value: 'shoes' }], withinDays: 60 },
    sql: byTouchpoints(`t.event = 'Product Viewed' AND t.properties ->> 'category' = 'shoes' AND t.occurred_at >= ${day(60)}`),
  },
  {
    name: 'Big-ticket viewers: an item over 300 viewed',
    rule: { event: 'Product Viewed', where: [{ prop: 'price', op: 'gt', value: 300 }] },
    sql: byTouchpoints(`t.event = 'Product Viewed' AND (t.properties -> 'price')::numeric > 300`),
  },
  {
    name: 'App buyers',
    rule: { event: 'Order Completed', channel: 'APP' },
    sql: byTouchpoints(`t.event = 'Order Completed' AND t.channel = 'APP'`),
  },
  {
    name: 'Cart abandoners: cart but no order in 30 days',
    rule: { and: [{ event: 'Added to Cart', withinDays: 30 }, { not: { event: 'Order Completed', withinDays: 30 } }] },
    sql: byTouchpoints(
      `t.event IN ('Added to Cart', 'Order Completed') AND t.occurred_at >= ${day(30)}`,
      `count(*) FILTER (WHERE t.event = 'Added to Cart') >= 1 AND count(*) FILTER (WHERE t.event = 'Order Completed') = 0`,
    ),
  },
  {
    name: 'Email engaged: 2+ opens or a click in 30 days',
    rule: { or: [{ event: 'Email Opened', withinDays: 30, count: { op: 'gte', value: 2 } }, { event: 'Email Link Clicked', withinDays: 30 }] },
    sql: byTouchpoints(
      `t.event IN ('Email Opened', 'Email Link Clicked') AND t.occurred_at >= ${day(30)}`,
      `count(*) FILTER (WHERE t.event = 'Email Opened') >= 2 OR count(*) FILTER (WHERE t.event = 'Email Link Clicked') >= 1`,
    ),
  },
  {
    name: 'Churn risk: paying, no login for 30 days, last seen 14+ days ago',
    rule: { and: [{ trait: 'plan', op: 'in', value: ['pro', 'team'] }, { not: { event: 'Login', withinDays: 30 } }, { lastSeen: { olderThanDays: 14 } }] },
    sql: `SELECT c.id FROM customer c
WHERE c.merged_into_id IS NULL AND c.traits ->> 'plan' IN ('pro', 'team') AND c.last_seen_at < ${day(14)}
  AND c.id NOT IN (${byTouchpoints(`t.event = 'Login' AND t.occurred_at >= ${day(30)}`)})`,
  },
  {
    name: 'Chinese store shoppers: tagged store-regular or a store purchase',
    rule: { and: [{ attr: 'country', op: 'eq', value: 'CN' }, { or: [{ hasTag: 'store-regular' }, { event: 'Store Purchase' }] }] },
    sql: `SELECT c.id FROM customer c
WHERE c.merged_into_id IS NULL AND c.country = 'CN'
  AND (c.id IN (${tagged('store-regular')}) OR c.id IN (${byTouchpoints(`t.event = 'Store Purchase'`)}))`,
  },
  {
    name: 'Support-heavy: 2+ tickets in 60 days',
    rule: { event: 'Ticket Opened', withinDays: 60, count: { op: 'gte', value: 2 } },
    sql: byTouchpoints(`t.event = 'Ticket Opened' AND t.occurred_at >= ${day(60)}`, 'count(*) >= 2'),
  },
];
