/**
 * A seeded synthetic shop stream shared by the analytics tests: people walking the shop flow in
 * sessions, with skips, repeats, same-instant ties, an identify with a plan trait, and some people
 * whose first session is anonymous (merged into them afterwards).
 */
import type { Channel } from '../../src/generated/prisma/enums.ts';
import { seededRandom } from '../../src/lib/random.ts';
import type { TouchpointInput } from '../generated/graphql.ts';
import { recordAll } from './record.ts';

const H = 3_600_000;

/** Sends the stream (kept under its old name for the tests that use it). */
export const send = recordAll;

// ---------------------------------------------------------------- synthetic stream

export const FLOW = ['Page Viewed', 'Product Viewed', 'Added to Cart', 'Checkout Started', 'Order Completed'] as const;
export const SYN_FROM = Date.UTC(2024, 0, 1);
export const SYN_TO = Date.UTC(2024, 3, 1);

export interface Synthetic {
  input: TouchpointInput[];
  /** person key of each input row (the userId; anonymous-only rows belong to the same person after the merge). */
  personOf: string[];
  /** [anonymousId, userId] pairs to merge after recording. */
  merges: [string, string][];
  plans: Map<string, string | null>;
}

/** 300 people, 1-6 sessions each over Q1 2024; sessions walk the shop flow with skips, repeats and ties. */
export function synthetic(seed = 7): Synthetic {
  const rnd = seededRandom(seed);
  const input: TouchpointInput[] = [];
  const personOf: string[] = [];
  const merges: [string, string][] = [];
  const plans = new Map<string, string | null>();
  for (let p = 0; p < 300; p++) {
    const user = `syn-${p}`;
    const anon = rnd.chance(0.1) ? `syn-anon-${p}` : null; // first session anonymous, merged later
    if (anon) merges.push([anon, user]);
    const plan = rnd.pick(['free', 'pro', 'team', null] as const);
    plans.set(user, plan);
    if (plan) input.push({ messageId: `${user}-id`, type: 'IDENTIFY', userId: user, traits: { plan }, occurredAt: new Date(SYN_FROM - 86_400_000).toISOString() });
    if (plan) personOf.push(user);
    const sessions = rnd.int(1, 6);
    for (let s = 0; s < sessions; s++) {
      let at = SYN_FROM + rnd.int(0, 89) * 86_400_000 + rnd.int(0, 23) * H + rnd.int(0, 59) * 60_000;
      const channel = rnd.pick(['WEB', 'APP', 'EMAIL', 'ADS'] as const satisfies readonly Channel[]);
      let stage = 0;
      const steps = rnd.int(1, 9);
      for (let k = 0; k < steps; k++) {
        const event = FLOW[stage]!;
        const who = anon && s === 0 ? { anonymousId: anon } : { userId: user };
        input.push({ messageId: `${user}-${s}-${k}`, event, channel, ...who, properties: { price: rnd.int(1, 100) }, occurredAt: new Date(at).toISOString() });
        personOf.push(user);
        // next: mostly forward, sometimes stay or go back; 10% of gaps are 0 (same instant: ties)
        const r = rnd.next();
        stage = r < 0.55 ? Math.min(stage + 1, FLOW.length - 1) : r < 0.8 ? stage : Math.max(stage - 1, 0);
        at += rnd.chance(0.1) ? 0 : rnd.int(1, 120) * 60_000 + (rnd.chance(0.05) ? 30 * H : 0);
      }
    }
  }
  return { input, personOf, merges, plans };
}
