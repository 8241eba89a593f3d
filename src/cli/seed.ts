/**
 * Loads the demo data set through the same services and repositories as live traffic, in batches,
 * with a progress bar on a terminal.
 */
import { randomUUID } from 'node:crypto';
import cliProgress from 'cli-progress';
import type { Config } from '../config/env.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { MAX_UPSERT_BATCH } from '../modules/customers/customer.service.ts';
import { createPubSub } from '../pubsub/pubsub.ts';
import { createServices } from '../services.ts';
import { touchpointQueries } from '../modules/touchpoints/touchpoint.queries.ts';
import { DEMO_TAGS, generateDemoData, PLAYBOOK_SEGMENTS } from './demo-data.ts';

const BATCH = 500;

export async function seedDemo(
  db: Database,
  opts: { config: Config; logger: Logger; customers?: number; onlyIfEmpty?: boolean; progress?: boolean; anchor?: Date },
): Promise<{ customers: number; touchpoints: number; segments: number } | null> {
  if (opts.onlyIfEmpty && (await db.prisma.customer.count()) > 0) return null;
  const anchor = opts.anchor ?? new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
  const data = generateDemoData({ customers: opts.customers ?? 2000, anchor });
  // The same services as live traffic; nobody is subscribed yet, so an in-process pub/sub will do.
  const services = createServices({ db, config: opts.config, logger: opts.logger, pubsub: createPubSub({ logger: opts.logger }) });
  const customers = services.customers;

  const bar = opts.progress
    ? new cliProgress.SingleBar({ format: 'demo data |{bar}| {value}/{total} {stage}', hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(data.customers.length + data.touchpoints.length, 0, { stage: 'customers' });

  const ids: string[] = [];
  for (let i = 0; i < data.customers.length; i += Math.min(BATCH, MAX_UPSERT_BATCH)) {
    const batch = data.customers.slice(i, i + BATCH);
    const r = await customers.upsert(batch);
    if (r.errors.length) throw new Error(`demo data rejected: ${JSON.stringify(r.errors[0])}`);
    for (const res of r.results) ids.push(res.customerId!);
    bar?.increment(batch.length, { stage: 'customers' });
  }

  let stored = 0;
  for (let i = 0; i < data.touchpoints.length; i += BATCH) {
    const batch = data.touchpoints.slice(i, i + BATCH).map((t) => ({
      id: randomUUID(),
      scope: 'demo',
      source: 'demo',
      messageId: t.messageId,
      customerId: ids[t.customerIndex]!,
      anonymousId: null,
      type: t.type,
      event: t.event,
      channel: t.channel,
      sourceName: 'demo',
      // Demo amounts are in the base currency, so they need no exchange rate.
      properties: t.revenue ? { revenue: t.revenue, currency: opts.config.baseCurrency } : {},
      context: {},
      revenue: t.revenue,
      currency: t.revenue ? opts.config.baseCurrency : null,
      originalRevenue: t.revenue,
      campaign: null,
      occurredAt: t.occurredAt,
      sessionId: null,
    }));
    await db.prisma.$transaction(async (tx) => {
      const ids = await touchpointQueries.insertMany(tx, batch);
      stored += ids.size;
      await touchpointQueries.addToStats(tx, ids);
    });
    bar?.increment(batch.length, { stage: 'touchpoints' });
  }
  bar?.stop();
  // Likewise the churn check's per-customer last events are taken from the stored touchpoints.
  await services.alerts.rebuildChurnState();
  // Touchpoints went in directly (bulk), so the playbook segments start from a full recompute.
  for (const segment of PLAYBOOK_SEGMENTS) await services.segments.create(segment, 'demo');
  for (const tag of DEMO_TAGS) await services.tags.create(tag);
  // A hand-set tag on a deterministic sample, so tagging and hasTag rules have something to show.
  await services.tags.setTag('beta-tester', ids.filter((_, i) => i % 40 === 0), true);
  return { customers: ids.length, touchpoints: stored, segments: PLAYBOOK_SEGMENTS.length };
}
