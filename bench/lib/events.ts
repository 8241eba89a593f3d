/**
 * The W1 event stream: deterministic (seededRandom), a realistic mix of channels and event names,
 * people who browse anonymously before they log in (some on a second device, which later makes the
 * pipeline merge two customers), orders with revenue, and ~5% resends of earlier messageIds (a client
 * retrying a batch). The same logical events are shaped for each door: GraphQL `TouchpointInput`,
 * Segment `/v1/batch`, and the touchpoint rows the baselines write directly.
 */
import type { Channel } from '../../src/generated/prisma/enums.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { seededUuid } from './ids.ts';

type Rng = ReturnType<typeof seededRandom>;
type EventType = 'TRACK' | 'PAGE' | 'SCREEN' | 'IDENTIFY';

export interface BenchEvent {
  messageId: string;
  type: EventType;
  event: string;
  userId: string | null;
  anonymousId: string | null;
  /** Named by the sender; null when the server must infer it from context.campaign. */
  channel: Channel | null;
  /** What the stored touchpoint's channel is (for the baselines' rows). */
  storedChannel: Channel;
  sourceName: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  revenue: number | null;
  currency: string | null;
  occurredAt: string;
  sessionId: string;
  person: number;
  resend: boolean;
}

interface Template {
  weight: number;
  type: EventType;
  event: string;
  channel: Channel | null;
  storedChannel: Channel;
  campaign?: { source: string; medium: string; name: string };
  props(rng: Rng): Record<string, unknown>;
  order?: 'USD' | 'CNY';
}

const CATEGORIES = ['shoes', 'bags', 'outerwear', 'accessories', 'beauty', 'home'];
const product = (rng: Rng) => ({ product_id: `sku-${rng.int(1, 500)}`, category: rng.pick(CATEGORIES), price: rng.int(5, 400) + 0.99 });
const PATHS = ['/', '/new-in', '/sale', '/shoes', '/bags', '/product', '/cart', '/account', '/help'];

const TEMPLATES: Template[] = [
  { weight: 22, type: 'PAGE', event: 'Page Viewed', channel: 'WEB', storedChannel: 'WEB', props: (r) => ({ path: r.pick(PATHS), title: 'Shop' }) },
  { weight: 12, type: 'TRACK', event: 'Product Viewed', channel: 'WEB', storedChannel: 'WEB', props: product },
  { weight: 6, type: 'TRACK', event: 'Added to Cart', channel: 'WEB', storedChannel: 'WEB', props: (r) => ({ ...product(r), quantity: r.int(1, 3) }) },
  { weight: 3, type: 'TRACK', event: 'Checkout Started', channel: 'WEB', storedChannel: 'WEB', props: (r) => ({ cart_size: r.int(1, 5) }) },
  { weight: 3, type: 'TRACK', event: 'Order Completed', channel: 'WEB', storedChannel: 'WEB', props: () => ({}), order: 'USD' },
  { weight: 10, type: 'SCREEN', event: 'Screen Viewed', channel: 'APP', storedChannel: 'APP', props: (r) => ({ screen: r.pick(['home', 'search', 'product', 'cart', 'profile']) }) },
  { weight: 4, type: 'TRACK', event: 'Login', channel: 'APP', storedChannel: 'APP', props: () => ({ method: 'password' }) },
  { weight: 2, type: 'TRACK', event: 'Order Completed', channel: 'APP', storedChannel: 'APP', props: () => ({}), order: 'CNY' },
  { weight: 6, type: 'TRACK', event: 'Product Viewed', channel: 'MINI_PROGRAM', storedChannel: 'MINI_PROGRAM', props: product },
  { weight: 1, type: 'TRACK', event: 'Order Completed', channel: 'MINI_PROGRAM', storedChannel: 'MINI_PROGRAM', props: () => ({}), order: 'CNY' },
  { weight: 5, type: 'TRACK', event: 'Email Opened', channel: 'EMAIL', storedChannel: 'EMAIL', props: (r) => ({ campaign_id: `cmp-${r.int(1, 20)}` }) },
  { weight: 3, type: 'TRACK', event: 'Email Link Clicked', channel: 'EMAIL', storedChannel: 'EMAIL', props: (r) => ({ campaign_id: `cmp-${r.int(1, 20)}`, link: '/sale' }) },
  // No channel named: the pipeline infers it from the utm campaign.
  { weight: 5, type: 'TRACK', event: 'Ad Clicked', channel: null, storedChannel: 'ADS', campaign: { source: 'facebook', medium: 'display', name: 'spring' }, props: () => ({ ad_id: 'ad-1' }) },
  { weight: 3, type: 'PAGE', event: 'Page Viewed', channel: null, storedChannel: 'SEARCH', campaign: { source: 'google', medium: 'cpc', name: 'brand' }, props: () => ({ path: '/' }) },
  { weight: 2, type: 'TRACK', event: 'Ticket Opened', channel: 'SUPPORT', storedChannel: 'SUPPORT', props: (r) => ({ topic: r.pick(['delivery', 'refund', 'size']) }) },
  { weight: 1, type: 'TRACK', event: 'Call Completed', channel: 'CALL_CENTER', storedChannel: 'CALL_CENTER', props: (r) => ({ minutes: r.int(1, 30) }) },
  { weight: 2, type: 'TRACK', event: 'Store Purchase', channel: 'STORE_POS', storedChannel: 'STORE_POS', props: (r) => ({ store: `store-${r.int(1, 40)}` }), order: 'CNY' },
  { weight: 2, type: 'TRACK', event: 'Post Shared', channel: 'SOCIAL', storedChannel: 'SOCIAL', props: () => ({ network: 'weibo' }) },
  { weight: 3, type: 'IDENTIFY', event: 'Identify', channel: 'WEB', storedChannel: 'WEB', props: () => ({}) },
];
const TOTAL_WEIGHT = TEMPLATES.reduce((n, t) => n + t.weight, 0);

function pickTemplate(rng: Rng): Template {
  let x = rng.next() * TOTAL_WEIGHT;
  for (const t of TEMPLATES) if ((x -= t.weight) < 0) return t;
  return TEMPLATES[0]!;
}

/** Events are spread over 60 days from here: fixed, so a run on any date makes the same data. */
export const EVENT_EPOCH = Date.UTC(2025, 0, 1);
const SPAN_MS = 60 * 24 * 3600 * 1000;
/**
 * The bench server's clock, frozen one day after the W1 stream ends: segment windows ("in the last 30
 * days") then select the same people on every run, and hand-written SQL can use the very same instant.
 */
export const BENCH_NOW = new Date(EVENT_EPOCH + SPAN_MS + 24 * 3600 * 1000);

interface PersonState {
  seen: number;
  loginAfter: number;
  secondDevice: boolean;
  secondLoggedIn: boolean;
}

function newPerson(rng: Rng): PersonState {
  return { seen: 0, loginAfter: rng.int(0, 3), secondDevice: rng.chance(0.2), secondLoggedIn: false };
}

/** One event of `person` at `at`; `i` names it (messageId `${prefix}${i}`, order ids). */
function makeEvent(rng: Rng, i: number, person: number, st: PersonState, at: number, prefix: string): BenchEvent {
  const loggedIn = st.seen >= st.loginAfter;
  let template = pickTemplate(rng);
  if (template.type === 'IDENTIFY' && !loggedIn) template = TEMPLATES[0]!;

  let userId: string | null = `user-${person}`;
  let anonymousId: string | null = `anon-${person}-1`;
  if (st.secondDevice && template.type !== 'IDENTIFY' && rng.chance(0.15)) {
    // The second device: anonymous at first; its first login merges its customer into the person's.
    anonymousId = `anon-${person}-2`;
    if (!st.secondLoggedIn && rng.chance(0.5)) userId = null;
    else st.secondLoggedIn = true;
  } else if (!loggedIn) userId = null;
  else if (rng.chance(0.3)) anonymousId = null;
  st.seen++;

  const properties = template.props(rng);
  let revenue: number | null = null;
  let currency: string | null = null;
  if (template.order) {
    revenue = rng.int(10, 800) + rng.int(0, 99) / 100;
    currency = template.order;
    Object.assign(properties, { order_id: `o-${prefix === 'm-' ? '' : prefix}${i}`, revenue, currency, items: rng.int(1, 4) });
  }
  const context: Record<string, unknown> = { locale: rng.pick(['en-US', 'zh-CN']) };
  if (template.campaign) context.campaign = template.campaign;
  if (template.storedChannel === 'WEB' || template.campaign) context.page = { path: String(properties.path ?? '/product') };
  const traits = template.type === 'IDENTIFY' ? { email: `user${person}@example.com`, plan: rng.pick(['free', 'pro', 'team']), first_name: `P${person}` } : null;

  return {
    messageId: `${prefix}${i}`,
    type: template.type,
    event: template.event,
    userId,
    anonymousId,
    channel: template.channel,
    storedChannel: template.storedChannel,
    sourceName: template.campaign?.source ?? null,
    properties,
    context,
    traits,
    revenue,
    currency,
    occurredAt: new Date(at).toISOString(),
    sessionId: `s-${person}-${Math.floor(at / 3_600_000)}`,
    person,
    resend: false,
  };
}

export function generateEvents(opts: { events: number; users: number; seed?: number; resendRate?: number }): BenchEvent[] {
  const rng = seededRandom(opts.seed ?? 8);
  const resends = Math.round(opts.events * (opts.resendRate ?? 0.05));
  const unique = opts.events - resends;
  const people = new Map<number, PersonState>();
  const out: { key: number; e: BenchEvent }[] = [];

  for (let i = 0; i < unique; i++) {
    // Skewed: a few people are much busier than most.
    const person = Math.floor(opts.users * Math.pow(rng.next(), 1.6));
    let st = people.get(person);
    if (!st) {
      st = newPerson(rng);
      people.set(person, st);
    }
    const at = EVENT_EPOCH + Math.floor((i / unique) * SPAN_MS) + rng.int(0, 999);
    out.push({ key: i, e: makeEvent(rng, i, person, st, at, 'm-') });
  }
  // Resends: an earlier event sent again a few batches later, as a retrying client does.
  for (let r = 0; r < resends; r++) {
    const src = rng.int(0, unique - 1);
    out.push({ key: src + rng.int(500, 3000) + 0.5, e: { ...out[src]!.e, resend: true } });
  }
  return out.sort((a, b) => a.key - b.key).map((x) => x.e);
}

/**
 * The same mix made one event at a time, for a long steady load that must not hold its stream in
 * memory (W7). The people drift: each event comes from a window of `activePeople` people (skewed as in
 * generateEvents) that slides forward by one person every `eventsPerNewPerson` events, so new people
 * (new customers, first orders, merges) keep arriving at a constant rate however long it runs. Event
 * times are spread over [from, from + spanMs) as if `total` events were to come. A share `resendRate`
 * of the events are resends of one of the last 500–3,000 unique events (kept in a bounded ring).
 * Deterministic for the same options; messageIds are `${prefix}${i}`.
 */
export function* streamEvents(opts: {
  total: number;
  activePeople: number;
  eventsPerNewPerson: number;
  from: number;
  spanMs: number;
  prefix: string;
  seed?: number;
  resendRate?: number;
}): Generator<BenchEvent, void, undefined> {
  const rng = seededRandom(opts.seed ?? 18);
  const resendRate = opts.resendRate ?? 0.05;
  const people = new Map<number, PersonState>();
  const RING = 3000;
  const ring: BenchEvent[] = [];
  let unique = 0;
  for (let n = 0; n < opts.total; n++) {
    if (ring.length > 500 && rng.chance(resendRate)) {
      const back = rng.int(500, Math.min(RING, ring.length) - 1);
      yield { ...ring[(unique - 1 - back) % RING]!, resend: true };
      continue;
    }
    const base = Math.floor(unique / opts.eventsPerNewPerson);
    const person = base + Math.floor(opts.activePeople * Math.pow(rng.next(), 1.6));
    let st = people.get(person);
    if (!st) {
      st = newPerson(rng);
      people.set(person, st);
    }
    // People behind the window never come back: forget them so the map stays bounded.
    if (unique % 1000 === 0) for (const p of people.keys()) if (p < base) people.delete(p);
    const at = opts.from + Math.floor((n / opts.total) * opts.spanMs) + rng.int(0, 999);
    const e = makeEvent(rng, unique, person, st, at, opts.prefix);
    ring[unique % RING] = e;
    unique++;
    yield e;
  }
}

/** GraphQL `TouchpointInput`. */
export function toTouchpointInput(e: BenchEvent): Record<string, unknown> {
  const input: Record<string, unknown> = {
    messageId: e.messageId,
    type: e.type,
    properties: e.properties,
    context: e.context,
    occurredAt: e.occurredAt,
    sessionId: e.sessionId,
  };
  if (e.type !== 'IDENTIFY') input.event = e.event;
  if (e.channel) input.channel = e.channel;
  if (e.userId) input.userId = e.userId;
  if (e.anonymousId) input.anonymousId = e.anonymousId;
  if (e.traits) input.traits = e.traits;
  return input;
}

/** A Segment-spec event as analytics libraries send it in /v1/batch. */
export function toSegmentEvent(e: BenchEvent): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    type: e.type.toLowerCase(),
    messageId: e.messageId,
    timestamp: e.occurredAt,
    properties: e.properties,
    context: e.channel ? { ...e.context, channel: e.channel.toLowerCase() } : e.context,
    sessionId: e.sessionId,
  };
  if (e.type === 'TRACK') ev.event = e.event;
  else if (e.type === 'PAGE' || e.type === 'SCREEN') ev.name = e.event;
  if (e.userId) ev.userId = e.userId;
  if (e.anonymousId) ev.anonymousId = e.anonymousId;
  if (e.traits) ev.traits = e.traits;
  return ev;
}

/** Distinct people of a stream with a deterministic customer id each (the baselines pre-create them). */
export function customersFor(events: BenchEvent[], seed = 9): Map<number, string> {
  const rng = seededRandom(seed);
  const ids = new Map<number, string>();
  for (const p of [...new Set(events.map((e) => e.person))].sort((a, b) => a - b)) ids.set(p, seededUuid(rng));
  return ids;
}

export const TOUCHPOINT_COLUMNS = [
  'id', 'source', 'message_id', 'customer_id', 'anonymous_id', 'type', 'event', 'channel', 'source_name',
  'properties', 'context', 'revenue', 'currency', 'occurred_at', 'session_id',
] as const;

/** The row the pipeline would store for this event, for the baselines that write the table directly. */
export function toTouchpointRow(e: BenchEvent, id: string, customerId: string, source: string): unknown[] {
  return [
    id, source, e.messageId, customerId, e.anonymousId, e.type, e.type === 'IDENTIFY' ? null : e.event, e.storedChannel, e.sourceName,
    e.properties, e.context, e.revenue, e.currency, e.occurredAt, e.sessionId,
  ];
}

/** One stored touchpoint's content drawn from the same mix as the W1 stream (for bulk-loaded data sets). */
export function sampleTouch(rng: Rng, orderNo: number) {
  const t = pickTemplate(rng);
  const properties = t.props(rng);
  let revenue: number | null = null;
  let currency: string | null = null;
  if (t.order) {
    revenue = rng.int(10, 800) + rng.int(0, 99) / 100;
    currency = t.order;
    Object.assign(properties, { order_id: `o-${orderNo}`, revenue, currency });
  }
  const context: Record<string, unknown> = t.campaign ? { campaign: t.campaign } : {};
  return { type: t.type, event: t.type === 'IDENTIFY' ? null : t.event, channel: t.storedChannel, sourceName: t.campaign?.source ?? null, properties, context, revenue, currency };
}
