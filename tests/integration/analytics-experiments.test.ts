/**
 * experimentResults on two synthetic experiments, ingested through recordTouchpoints.
 *
 * "checkout-button" (seededRandom): 3,000 people, each exposed to blue, green or red (properties
 * experiment/variant; on "Experiment Viewed" or, for some, on a "Page Viewed" carrying the same
 * properties), some later re-exposed to another variant (they stay in the first), some with an
 * exposure before the scope (ignored: the first exposure in scope decides), a purchase before the
 * exposure (does not count), after the exposure (counts), or after the scope's end (does not count);
 * plus a few touchpoints of another experiment. Exposures and conversions are counted here from the
 * generated rows.
 *
 * "price-test": exactly 200 of 1,000 converting on A and 250 of 1,000 on B, the hand-checked case:
 * pooled p̂ = 0.225, SE = √(0.225·0.775·0.002) = 0.0186748..., z = 0.05 / SE = 2.6773977630083295,
 * two-sided p = erfc(z/√2) = 0.0074196492610256749 (mpmath, 50 digits). (The often-quoted
 * z ≈ 2.6726 / p ≈ 0.007526 for this case is not what either the pooled or the unpooled test gives.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentResultsDocument, type TouchpointInput } from '../generated/graphql.ts';
import { seededRandom } from '../../src/lib/random.ts';
import { twoProportionZTest } from '../../src/modules/analytics/experiment.stats.ts';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { recordAll } from '../helpers/record.ts';

const scope = { from: '2025-03-01T00:00:00Z', to: '2025-04-01T00:00:00Z' };
const FROM = Date.parse(scope.from);
const TO = Date.parse(scope.to);
const HOUR = 3_600_000;
const VARIANTS = ['blue', 'green', 'red'] as const;
const RATE = { blue: 0.1, green: 0.14, red: 0.09 };

function checkoutButton() {
  const rnd = seededRandom(7);
  const input: TouchpointInput[] = [];
  const expected = new Map<string, { exposures: number; conversions: number; crossovers: number }>(VARIANTS.map((v) => [v, { exposures: 0, conversions: 0, crossovers: 0 }]));
  let n = 0;
  const tp = (user: string, event: string, at: number, properties?: Record<string, unknown>) =>
    input.push({ messageId: `cb-${n++}`, userId: user, event, channel: 'WEB', occurredAt: new Date(at).toISOString(), ...(properties ? { properties } : {}) });
  for (let i = 0; i < 3000; i++) {
    const user = `cb-user-${i}`;
    const variant = rnd.pick(VARIANTS);
    const exposedAt = FROM + rnd.int(1, 25 * 24) * HOUR; // inside the scope
    tp(user, 'Page Viewed', exposedAt - HOUR);
    if (rnd.chance(0.1)) tp(user, 'Experiment Viewed', FROM - rnd.int(1, 48) * HOUR, { experiment: 'checkout-button', variant: rnd.pick(VARIANTS) }); // before the scope
    tp(user, rnd.chance(0.2) ? 'Page Viewed' : 'Experiment Viewed', exposedAt, { experiment: 'checkout-button', variant, page: '/cart' });
    const e = expected.get(variant)!;
    e.exposures++;
    if (rnd.chance(0.08)) {
      const other = rnd.pick(VARIANTS.filter((v) => v !== variant));
      tp(user, 'Experiment Viewed', exposedAt + rnd.int(1, 48) * HOUR, { experiment: 'checkout-button', variant: other });
      e.crossovers++;
    }
    if (rnd.chance(0.05)) tp(user, 'Order Completed', exposedAt - rnd.int(2, 24) * HOUR); // before exposure: no
    if (rnd.chance(RATE[variant])) {
      const late = rnd.chance(0.1);
      tp(user, 'Order Completed', late ? TO + rnd.int(1, 48) * HOUR : Math.min(exposedAt + rnd.int(0, 72) * HOUR, TO - 1));
      if (!late) e.conversions++;
    }
  }
  for (let i = 0; i < 50; i++) tp(`other-${i}`, 'Experiment Viewed', FROM + i * HOUR, { experiment: 'onboarding', variant: 'x' });
  return { input, expected };
}

function priceTest() {
  const input: TouchpointInput[] = [];
  for (let i = 0; i < 2000; i++) {
    const variant = i < 1000 ? 'A' : 'B';
    const converts = variant === 'A' ? i < 200 : i - 1000 < 250;
    const at = FROM + (i % 500) * HOUR;
    input.push({ messageId: `pt-${i}-x`, userId: `pt-user-${i}`, event: 'Pricing Viewed', occurredAt: new Date(at).toISOString(), properties: { experiment: 'price-test', variant } });
    if (converts) input.push({ messageId: `pt-${i}-c`, userId: `pt-user-${i}`, event: 'Subscribed', occurredAt: new Date(at + HOUR).toISOString() });
  }
  return input;
}

const cb = checkoutButton();

describe.each(dbKinds)('experimentResults on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
    const input = [...cb.input, ...priceTest()];
    await recordAll(t, input);
  }, 120_000);
  afterAll(() => t?.stop());

  it('counts exposures (first exposure in scope), conversions after it, rates and z-tests per variant', async () => {
    const started = performance.now();
    const r = (await t.ok(ExperimentResultsDocument, { scope, experiment: 'checkout-button', conversionEvent: 'Order Completed' })).experimentResults;
    console.log(`[${kind}] experimentResults over ${cb.input.length + 2450} touchpoints: ${(performance.now() - started).toFixed(0)} ms`);
    expect(r.control).toBe('blue');
    expect(r.variants.map((v) => v.variant)).toEqual(['blue', 'green', 'red']);
    const c = cb.expected.get('blue')!;
    for (const v of r.variants) {
      const e = cb.expected.get(v.variant)!;
      expect({ variant: v.variant, exposures: v.exposures, conversions: v.conversions, crossovers: v.crossovers, isControl: v.isControl }).toEqual({
        variant: v.variant,
        ...e,
        isControl: v.variant === 'blue',
      });
      expect(v.rate).toBeCloseTo(e.conversions / e.exposures, 12);
      if (v.isControl) expect([v.lift, v.z, v.pValue]).toEqual([null, null, null]);
      else {
        const zt = twoProportionZTest(c.conversions, c.exposures, e.conversions, e.exposures)!;
        expect(v.lift).toBeCloseTo(e.conversions / e.exposures - c.conversions / c.exposures, 12);
        expect(v.z).toBeCloseTo(zt.z, 10);
        expect(v.pValue).toBeCloseTo(zt.pValue, 10);
      }
    }
    expect(r.variants.reduce((s, v) => s + v.exposures, 0)).toBe(3000);
    // Another control puts it first and tests the rest against it.
    const red = (await t.ok(ExperimentResultsDocument, { scope, experiment: 'checkout-button', conversionEvent: 'Order Completed', control: 'red' })).experimentResults;
    expect(red.variants.map((v) => [v.variant, v.isControl])).toEqual([['red', true], ['blue', false], ['green', false]]);
  });

  it('gives the hand-checked z and p for 200/1000 against 250/1000', async () => {
    const r = (await t.ok(ExperimentResultsDocument, { scope, experiment: 'price-test', conversionEvent: 'Subscribed' })).experimentResults;
    expect(r.variants.map((v) => [v.variant, v.exposures, v.conversions])).toEqual([['A', 1000, 200], ['B', 1000, 250]]);
    const b = r.variants[1]!;
    expect(b.rate).toBeCloseTo(0.25, 12);
    expect(b.lift).toBeCloseTo(0.05, 12);
    expect(Math.abs(b.z! - 2.6773977630083295)).toBeLessThan(1e-4);
    expect(Math.abs(b.pValue! - 0.0074196492610256749)).toBeLessThan(1e-4);
    expect(Math.abs(b.pValue! - 0.0074196492610256749)).toBeLessThan(1e-12); // in fact to double precision
  });

  it('answers an empty list for a scope without exposures', async () => {
    const r = (await t.ok(ExperimentResultsDocument, { scope: { from: '2020-01-01T00:00:00Z', to: '2020-02-01T00:00:00Z' }, experiment: 'price-test', conversionEvent: 'Subscribed' }))
      .experimentResults;
    expect(r).toMatchObject({ control: null, variants: [] });
  });

  it('refuses an unknown experiment, an unknown conversion event and an unexposed control', async () => {
    const ext = async (vars: { experiment: string; conversionEvent: string; control?: string }) =>
      (await t.gql(ExperimentResultsDocument, { scope, ...vars })).errors?.[0]?.extensions;
    expect(await ext({ experiment: 'checkout-buton', conversionEvent: 'Order Completed' })).toMatchObject({ code: 'UNKNOWN_EXPERIMENT', experiment: 'checkout-buton' });
    expect(await ext({ experiment: 'checkout-button', conversionEvent: 'Order Complete' })).toMatchObject({ code: 'UNKNOWN_EVENT', events: ['Order Complete'] });
    expect(await ext({ experiment: '', conversionEvent: 'Order Completed' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment' });
    expect(await ext({ experiment: 'checkout-button', conversionEvent: 'Order Completed', control: 'purple' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'control' });
  });
});
