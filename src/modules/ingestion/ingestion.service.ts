/**
 * Runs batches of raw events through the pipeline:
 *   validate → normalise → drop blocked ids → dedup → drop suppressed (erased people) → resolve identity
 *   → store → after-store hooks.
 * The per-event steps are pure; everything after them is set-based and happens in one transaction,
 * so a batch is stored whole or not at all, and a bad event never fails its batch: it is quarantined
 * in failed_event with its reason and raw payload. accepted + duplicates + quarantined + dropped = sent.
 */
import { randomUUID } from 'node:crypto';
import type { Config, SentimentConfig } from '../../config/env.ts';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { noAfterCommit, type AfterCommit, type ChangeHooks } from '../../lib/change-hooks.ts';
import type { GroupCallSink } from '../accounts/account.model.ts';
import { applyIdentifyTraits } from '../customers/customer.identify.ts';
import { isBlocked } from '../identities/identity-resolution.ts';
import { resolveIdentities } from '../identities/identity-resolver.ts';
import type { TouchpointWrite } from '../touchpoints/touchpoint.model.ts';
import type { LiveTouchpointPayload, TouchpointFeed } from '../touchpoints/touchpoint.feed.ts';
import { touchpointQueries } from '../touchpoints/touchpoint.queries.ts';
import { currencyQueries } from '../currency/currency.queries.ts';
import type { NormalizedEvent } from './event.model.ts';
import { failedEventRepository, type FailedEventWrite } from './failed-event.repository.ts';
import { MAX_EVENTS_PER_CALL, type IngestOptions, type IngestOutcome, type IngestResult } from './ingestion.model.ts';
import { dropSuppressed } from './steps/drop-suppressed.ts';
import { lockAndFindSuppressed } from '../privacy/suppression.gate.ts';
import { rawSuppressible } from '../privacy/raw-identifiers.ts';
import { createNormalizeEventStep } from './steps/normalize-event.ts';
import { createValidateEventStep } from './steps/validate-event.ts';
import { createScoreSentimentStep } from './steps/score-sentiment.ts';
import type { SentimentScorer } from '../sentiment/sentiment.scorer.ts';
import { sentimentQueries } from '../sentiment/sentiment.queries.ts';

export interface StoredTouchpoint extends TouchpointWrite {
  index: number;
}

interface Candidate {
  index: number;
  event: NormalizedEvent;
  source: string;
}

export class IngestionService {
  private readonly log: Logger;
  private readonly validate;
  private readonly normalize;
  private readonly scoreSentiment;

  constructor(
    private readonly db: Database,
    private readonly deps: {
      logger: Logger;
      config: Pick<Config, 'defaultPhoneRegion' | 'identity' | 'baseCurrency'>;
      hooks: ChangeHooks;
      /** Where accepted `group` calls go (the accounts module); without it they are stored as touchpoints only. */
      groups?: GroupCallSink;
      /** Scores the free text of touchpoints; without it no sentiment is stored. */
      sentiment?: { scorer: SentimentScorer; config: SentimentConfig };
      /** The live stream (touchpointReceived); each batch is published to it after its commit. */
      live?: TouchpointFeed;
    },
  ) {
    this.log = deps.logger.child({ module: 'ingestion-service' });
    this.validate = createValidateEventStep({});
    this.normalize = createNormalizeEventStep({ defaultPhoneRegion: deps.config.defaultPhoneRegion });
    this.scoreSentiment = deps.sentiment ? createScoreSentimentStep(deps.sentiment) : null;
  }

  async ingest(raws: unknown[], opts: IngestOptions & { quarantine?: boolean } = {}): Promise<IngestOutcome> {
    if (raws.length > MAX_EVENTS_PER_CALL)
      throw new UserError(ErrorCode.BATCH_TOO_LARGE, `at most ${MAX_EVENTS_PER_CALL} events a call; got ${raws.length}`, { max: MAX_EVENTS_PER_CALL });
    const receivedAt = opts.receivedAt ?? new Date();
    const receivedAtOf = (index: number) => opts.receivedAts?.[index] ?? receivedAt;
    const results: IngestResult[] = raws.map((_, index) => ({ index, status: 'ACCEPTED', touchpointId: null, customerId: null, reason: null, message: null }));
    const failures: (FailedEventWrite & { index: number })[] = [];
    const quarantine = (index: number, reason: string, message: string, source: string) => {
      Object.assign(results[index]!, { status: 'QUARANTINED', reason, message });
      failures.push({ index, source, reason, message, payload: raws[index], receivedAt: receivedAtOf(index) });
    };

    // Per-event, pure steps.
    const candidates: Candidate[] = [];
    for (const [index, raw] of raws.entries()) {
      const doorSource = opts.source ?? '';
      const v = await this.validate({ raw, receivedAt: receivedAtOf(index), source: opts.source });
      if (v.kind !== 'ok') {
        if (v.kind === 'quarantine') quarantine(index, v.reason, v.message, doorSource);
        else Object.assign(results[index]!, { status: 'DROPPED', reason: v.reason });
        continue;
      }
      const n = await this.normalize(v.value);
      if (n.kind !== 'ok') {
        if (n.kind === 'quarantine') quarantine(index, n.reason, n.message, doorSource);
        else Object.assign(results[index]!, { status: 'DROPPED', reason: n.reason });
        continue;
      }
      const scored = this.scoreSentiment ? this.scoreSentiment(n.value) : n;
      if (scored.kind !== 'ok') {
        if (scored.kind === 'quarantine') quarantine(index, scored.reason, scored.message, doorSource);
        else Object.assign(results[index]!, { status: 'DROPPED', reason: scored.reason });
        continue;
      }
      const event = scored.value;
      const identities = event.identities.filter((i) => !isBlocked(this.deps.config.identity, i.value));
      // alias: the previous id joins the user, so both histories become one. Whether it is a user id or
      // an anonymous id is decided by identity resolution, under lock, from what is known.
      const previousId = event.previousId && !isBlocked(this.deps.config.identity, event.previousId) ? event.previousId : null;
      if (identities.length === 0 && !previousId) {
        quarantine(index, 'blocked_identity', 'every identity on the event is on the blocked list (e.g. "null", "anonymous")', doorSource);
        continue;
      }
      candidates.push({ index, event: { ...event, identities, previousId }, source: opts.source ?? event.source ?? '' });
    }

    // Dedup: within the batch, then against everything ever stored.
    const fresh: Candidate[] = [];
    const seen = new Set<string>();
    const stored = await touchpointQueries.existingMessageIds(this.db.prisma, candidates.map((c) => ({ source: c.source, messageId: c.event.messageId })));
    for (const c of candidates) {
      const key = touchpointQueries.dedupKey(c.source, c.event.messageId);
      if (seen.has(key) || stored.has(key)) Object.assign(results[c.index]!, { status: 'DUPLICATE', reason: 'duplicate_message_id' });
      else fresh.push(c);
      seen.add(key);
    }

    const storedRows: StoredTouchpoint[] = [];
    let storedFailures: typeof failures = [];
    if (fresh.length || (failures.length && opts.quarantine !== false)) {
      const afterCommit = await this.db.prisma.$transaction(
        async (tx) => {
          // First, before any other lock: a concurrent setExchangeRates then either precedes this batch or follows it.
          if (fresh.some((c) => this.isForeign(c.event))) await currencyQueries.lockRatesShared(tx);
          const kept = await this.dropSuppressed(tx, fresh, results);
          const after = kept.length ? await this.store(tx, kept, results, storedRows) : noAfterCommit;
          if (opts.quarantine !== false) {
            storedFailures = await this.dropSuppressedFailures(tx, failures, results);
            await failedEventRepository.insertMany(tx, storedFailures);
          }
          return after;
        },
        { maxWait: 15_000, timeout: 120_000 },
      );
      await afterCommit();
      await this.deps.live?.publish(liveEvents(storedRows, storedFailures, raws, receivedAt));
    }

    const count = (s: IngestResult['status']) => results.filter((r) => r.status === s).length;
    const outcome = { accepted: count('ACCEPTED'), duplicates: count('DUPLICATE'), quarantined: count('QUARANTINED'), dropped: count('DROPPED'), results };
    this.log.info({ source: opts.source, sent: raws.length, accepted: outcome.accepted, duplicates: outcome.duplicates, quarantined: outcome.quarantined, dropped: outcome.dropped }, 'events ingested');
    return outcome;
  }

  /** An amount in a currency other than the base one: it needs a rate. */
  private isForeign(e: NormalizedEvent): boolean {
    return e.revenue !== null && e.currency !== null && e.currency !== this.deps.config.baseCurrency;
  }

  private async dropSuppressed(tx: Db, fresh: Candidate[], results: IngestResult[]): Promise<Candidate[]> {
    if (fresh.length === 0) return [];
    const verdicts = await dropSuppressed(tx, fresh);
    return fresh.filter((c, i) => {
      const v = verdicts[i]!;
      if (v.kind === 'drop') Object.assign(results[c.index]!, { status: 'DROPPED', reason: v.reason });
      return v.kind === 'ok';
    });
  }

  /**
   * A malformed event from an erased person must not bring their email back through the quarantine
   * (it stores the raw payload): those are dropped as `suppressed` like well-formed ones. Events with
   * no identifying id (most quarantined traffic) cost nothing.
   */
  private async dropSuppressedFailures<F extends { index: number; payload: unknown }>(tx: Db, failures: F[], results: IngestResult[]): Promise<F[]> {
    const hits = await lockAndFindSuppressed(tx, failures.map((f) => rawSuppressible(f.payload, this.deps.config.defaultPhoneRegion)));
    return failures.filter((f, i) => {
      if (!hits[i]) return true;
      Object.assign(results[f.index]!, { status: 'DROPPED', reason: 'suppressed', message: null });
      return false;
    });
  }

  private async store(tx: Db, fresh: Candidate[], results: IngestResult[], storedRows: StoredTouchpoint[]): Promise<AfterCommit> {
    const resolved = await resolveIdentities(
      tx,
      fresh.map((c) => ({ identities: c.event.identities, previousId: c.event.previousId })),
      { config: this.deps.config.identity, source: fresh[0]!.source, performedBy: 'ingestion' },
    );
    const rows: StoredTouchpoint[] = fresh.map((c, i) => ({
      index: c.index,
      id: randomUUID(),
      scope: c.source,
      source: c.event.label || c.source,
      messageId: c.event.messageId,
      customerId: resolved.targets[i]!,
      anonymousId: c.event.anonymousId,
      type: c.event.type,
      event: c.event.event,
      channel: c.event.channel,
      sourceName: c.event.sourceName,
      properties: c.event.properties,
      context: c.event.context,
      // An amount without a currency is taken to be in the base currency; a foreign one is converted below.
      revenue: this.isForeign(c.event) ? null : c.event.revenue,
      currency: c.event.currency,
      originalRevenue: c.event.revenue,
      campaign: c.event.campaign,
      occurredAt: c.event.occurredAt.toISOString(),
      sessionId: c.event.sessionId,
      sentiment: c.event.sentiment ?? null,
    }));
    await applyIdentifyTraits(
      tx,
      fresh.flatMap((c, i) => (c.event.type === 'IDENTIFY' && Object.keys(c.event.traits).length ? [{ customerId: resolved.targets[i]!, traits: c.event.traits }] : [])),
      this.deps.config.defaultPhoneRegion,
    );
    const inserted = await touchpointQueries.insertMany(tx, rows);
    const foreign = rows.filter((r) => inserted.has(r.id) && r.revenue === null && r.originalRevenue !== null).map((r) => r.id);
    // Before the stats read them: amounts with a rate in effect on their date get their base amount, the rest wait.
    if (foreign.length) await currencyQueries.convertTouchpoints(tx, this.deps.config.baseCurrency, foreign);
    for (const row of rows) {
      const r = results[row.index]!;
      // Lost a race with a concurrent batch carrying the same messageId: still stored exactly once.
      if (!inserted.has(row.id)) Object.assign(r, { status: 'DUPLICATE', reason: 'duplicate_message_id' });
      else Object.assign(r, { touchpointId: row.id, customerId: row.customerId });
    }
    // Customers whose merged set changed in this batch are recomputed from scratch; everyone else only
    // adds the rows just stored (work per batch, not per history). A row lost to a concurrent duplicate
    // is not in `inserted`, so it adds nothing.
    const remerged = new Set(resolved.plan.merges.filter((m) => !resolved.plan.newCustomerIds.includes(m.loserId)).map((m) => m.winnerId));
    await touchpointQueries.refreshStats(tx, remerged);
    await touchpointQueries.addToStats(tx, rows.filter((r) => inserted.has(r.id) && !remerged.has(r.customerId)).map((r) => r.id));
    // Sentiment aggregates are kept per stored-under customer, so merges in this batch change nothing there.
    await sentimentQueries.addTouchpoints(tx, rows.filter((r) => inserted.has(r.id) && r.sentiment).map((r) => r.id));
    // group calls: the account is upserted and the customer linked before the hooks evaluate them.
    const groupCalls = fresh.flatMap((c, i) =>
      c.event.type === 'GROUP' && c.event.groupId && inserted.has(rows[i]!.id)
        ? [{ groupId: c.event.groupId, traits: c.event.traits, occurredAt: c.event.occurredAt, customerId: rows[i]!.customerId }]
        : [],
    );
    const afterGroups = groupCalls.length && this.deps.groups ? await this.deps.groups.applyGroupCalls(tx, groupCalls) : noAfterCommit;
    // The last stored touchpoint of each customer is what triggered any segment change.
    const triggers: Record<string, unknown> = {};
    for (const r of rows) if (inserted.has(r.id)) triggers[r.customerId] = { messageId: r.messageId, event: r.event, source: r.source };
    const mergedAway = resolved.plan.merges.map((m) => m.loserId).filter((id) => !resolved.plan.newCustomerIds.includes(id));
    const touchpoints = rows.filter((r) => inserted.has(r.id));
    storedRows.push(...touchpoints);
    const afterHooks = await this.deps.hooks.run(tx, { customerIds: [...resolved.touched, ...mergedAway], kind: 'touchpoint', triggers, touchpoints });
    return async () => {
      await afterGroups();
      await afterHooks();
    };
  }
}

/** What the live stream shows of a batch: the stored rows and the quarantined events, in the order sent. */
function liveEvents(stored: StoredTouchpoint[], failed: { index: number; source: string; reason: string }[], raws: unknown[], receivedAt: Date): LiveTouchpointPayload[] {
  const at = receivedAt.toISOString();
  const good = stored.map((r) => ({
    index: r.index,
    quarantined: false,
    touchpointId: r.id,
    messageId: r.messageId,
    type: r.type,
    event: r.event,
    channel: r.channel,
    source: r.source,
    customerId: r.customerId,
    reason: null,
    occurredAt: r.occurredAt,
    receivedAt: at,
  }));
  const bad = failed.map((f) => {
    const raw = (raws[f.index] ?? {}) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : null);
    return {
      index: f.index,
      quarantined: true,
      touchpointId: null,
      messageId: text(raw.messageId),
      type: text(raw.type),
      event: text(raw.event),
      channel: null,
      source: f.source || text(raw.source) || '',
      customerId: null,
      reason: f.reason,
      occurredAt: null,
      receivedAt: at,
    };
  });
  return [...good, ...bad].sort((a, b) => a.index - b.index).map(({ index: _index, ...e }) => e);
}
