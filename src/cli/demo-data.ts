/**
 * The demo data set: deterministic people with identities from many channels and a few months of
 * touchpoints each, dated relative to an anchor day so that "active in the last 30 days" means
 * something whenever the demo is loaded.
 */
import type { Channel, IdentityType, TouchpointType } from '../generated/prisma/enums.ts';
import { seededRandom } from '../lib/random.ts';
import type { CustomerRowInput } from '../modules/customers/customer.normalize.ts';

const FIRST = ['Wei', 'Li', 'Mei', 'Jun', 'Anna', 'Lucas', 'Sofia', 'Omar', 'Yuki', 'Priya', 'Mateo', 'Chloe', 'Noah', 'Ines', 'Ravi', 'Lena'];
const LAST = ['Zhang', 'Wang', 'Chen', 'Liu', 'Smith', 'Garcia', 'Müller', 'Rossi', 'Tanaka', 'Singh', 'Silva', 'Dubois', 'Kim', 'Novak'];
const CITIES: [string, string][] = [['CN', 'Shanghai'], ['CN', 'Beijing'], ['CN', 'Shenzhen'], ['US', 'New York'], ['US', 'Austin'], ['DE', 'Berlin'], ['FR', 'Paris'], ['BR', 'São Paulo'], ['JP', 'Tokyo'], ['GB', 'London']];
const PLANS = ['free', 'pro', 'team', 'enterprise'];

interface DemoEvent {
  type: TouchpointType;
  event: string;
  channel: Channel;
  revenue?: [number, number];
}
const EVENTS: DemoEvent[] = [
  { type: 'PAGE', event: 'Page Viewed', channel: 'WEB' },
  { type: 'TRACK', event: 'Product Viewed', channel: 'WEB' },
  { type: 'SCREEN', event: 'Screen Viewed', channel: 'APP' },
  { type: 'TRACK', event: 'Login', channel: 'APP' },
  { type: 'TRACK', event: 'Product Viewed', channel: 'MINI_PROGRAM' },
  { type: 'TRACK', event: 'Post Liked', channel: 'SOCIAL' },
  { type: 'TRACK', event: 'Email Opened', channel: 'EMAIL' },
  { type: 'TRACK', event: 'Ad Clicked', channel: 'ADS' },
  { type: 'TRACK', event: 'Search Clicked', channel: 'SEARCH' },
  { type: 'TRACK', event: 'Added to Cart', channel: 'WEB' },
  { type: 'TRACK', event: 'Order Completed', channel: 'WEB', revenue: [20, 800] },
  { type: 'TRACK', event: 'Order Completed', channel: 'APP', revenue: [20, 600] },
  { type: 'TRACK', event: 'Order Completed', channel: 'MINI_PROGRAM', revenue: [10, 300] },
  { type: 'TRACK', event: 'Store Purchase', channel: 'STORE_POS', revenue: [30, 2500] },
  { type: 'TRACK', event: 'Call Completed', channel: 'CALL_CENTER' },
  { type: 'TRACK', event: 'Ticket Opened', channel: 'SUPPORT' },
];

/** The marketing playbook, as segment rules (see the rule language in docs/rules.md). */
export const PLAYBOOK_SEGMENTS = [
  {
    name: 'Active',
    description: 'More than 10 visits in the last 30 days',
    rule: { event: 'Page Viewed', count: { op: 'gt', value: 10 }, withinDays: 30 },
  },
  {
    name: 'VIP',
    description: 'Orders worth more than 5,000 in the last 365 days',
    rule: { event: 'Order Completed', sum: { prop: 'revenue', op: 'gt', value: 5000 }, withinDays: 365 },
  },
  { name: 'At risk', description: 'Last seen more than 60 days ago', rule: { lastSeen: { olderThanDays: 60 } } },
  {
    name: 'SaaS churn risk',
    description: 'Has logged in before, but not in the last 7 days',
    rule: { and: [{ event: 'Login', count: { op: 'gte', value: 1 } }, { not: { event: 'Login', withinDays: 7 } }] },
  },
  { name: 'New this week', description: 'First seen in the last 7 days', rule: { firstSeen: { newerThanDays: 7 } } },
];

export const DEMO_TAGS = [
  { key: 'newsletter', name: 'Newsletter subscriber', category: 'consent', rule: { trait: 'newsletter', op: 'eq', value: true } },
  { key: 'high-spender', name: 'High spender', category: 'value', rule: { attr: 'lifetimeValue', op: 'gte', value: 2000 } },
  { key: 'beta-tester', name: 'Beta tester', category: 'programme', description: 'Set by hand' },
];

export interface DemoTouchpoint {
  messageId: string;
  customerIndex: number;
  type: TouchpointType;
  event: string;
  channel: Channel;
  revenue: number | null;
  occurredAt: string;
}

export interface DemoData {
  customers: CustomerRowInput[];
  touchpoints: DemoTouchpoint[];
}

const DAY = 86_400_000;
const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

export function generateDemoData(opts: { customers: number; anchor: Date; seed?: number }): DemoData {
  const rnd = seededRandom(opts.seed ?? 20261123);
  const customers: CustomerRowInput[] = [];
  const touchpoints: DemoTouchpoint[] = [];
  for (let i = 0; i < opts.customers; i++) {
    const first = rnd.pick(FIRST);
    const last = rnd.pick(LAST);
    const [country, city] = rnd.pick(CITIES);
    const n = String(i).padStart(5, '0');
    const identities: { type: IdentityType; value: string }[] = [{ type: 'CRM_ID', value: `crm-${n}` }];
    if (rnd.chance(0.8)) identities.push({ type: 'ANONYMOUS_ID', value: `anon-${n}` });
    if (rnd.chance(0.5)) identities.push({ type: 'USER_ID', value: `user-${n}` });
    if (rnd.chance(0.5)) identities.push({ type: 'DEVICE_ID', value: `device-${n}` });
    if (rnd.chance(0.4)) identities.push({ type: 'WECHAT_OPEN_ID', value: `oWx${n}${rnd.int(1000, 9999)}` });
    if (rnd.chance(0.2)) identities.push({ type: 'WECHAT_UNION_ID', value: `uWx${n}` });
    if (rnd.chance(0.3)) identities.push({ type: 'COOKIE', value: `ck-${n}` });
    customers.push({
      source: 'demo-crm',
      externalId: `C${n}`,
      firstName: first,
      lastName: last,
      name: `${first} ${last}`,
      email: rnd.chance(0.9) ? `${ascii(first)}.${ascii(last)}.${n}@example.com`.toLowerCase() : null,
      // Mainland China mobile numbers (13x): valid for libphonenumber, and clearly fake.
      phone: rnd.chance(0.6) ? `+86 13${rnd.int(0, 9)}${String(rnd.int(0, 99_999_999)).padStart(8, '0')}` : null,
      gender: rnd.pick(['female', 'male', 'other', null]),
      country,
      city,
      company: rnd.chance(0.3) ? rnd.pick(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli']) : null,
      identities,
      traits: { plan: rnd.pick(PLANS), newsletter: rnd.chance(0.5), loyaltyPoints: rnd.int(0, 5000) },
    });
    // Some people are regulars, some came once, some went quiet months ago.
    const regular = rnd.chance(0.15);
    const count = regular ? rnd.int(15, 40) : rnd.int(1, 12);
    const lastActiveDaysAgo = regular ? rnd.int(0, 5) : rnd.chance(0.3) ? rnd.int(61, 200) : rnd.int(0, 30);
    for (let k = 0; k < count; k++) {
      // Regulars browse a lot and recently; everyone else is spread over four months.
      const e = regular && rnd.chance(0.5) ? EVENTS[0]! : rnd.pick(EVENTS);
      const daysAgo = lastActiveDaysAgo + (k === 0 ? 0 : regular ? rnd.int(0, 25) : rnd.int(0, 120));
      const at = new Date(opts.anchor.getTime() - daysAgo * DAY - rnd.int(0, DAY - 1));
      touchpoints.push({
        messageId: `demo-${n}-${k}`,
        customerIndex: i,
        type: e.type,
        event: e.event,
        channel: e.channel,
        revenue: e.revenue ? Math.round(rnd.int(e.revenue[0] * 100, e.revenue[1] * 100) * (regular ? 3 : 1)) / 100 : null,
        occurredAt: at.toISOString(),
      });
    }
  }
  return { customers, touchpoints };
}
