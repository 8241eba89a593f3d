/**
 * Webhook destinations: managed by ADMIN keys, fed by the writes that produce what they send.
 * Touchpoints and alerts are queued in the transaction that stores them (a change hook, an alert
 * hook); segment changes are read from the membership outbox after each destination's cursor, so the
 * outbox pruner is held back to the lowest cursor (outboxHold). Delivery itself is the worker's.
 *
 * Scheduling runs on the wall clock (not the injectable service clock): backoff and leases are about
 * real time between real requests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../../config/env.ts';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize } from '../../graphql/pagination.ts';
import type { AfterCommit, CustomerChange } from '../../lib/change-hooks.ts';
import { isBigintId } from '../../lib/bigint-id.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import type { AlertRecord } from '../alerts/alert.types.ts';
import { WEBHOOK_EVENT_KINDS, type DestinationWrite, type WebhookDestinationRecord, type WebhookEventKindValue } from './webhook.model.ts';
import { webhookRepository } from './webhook.repository.ts';
import { AllowList, checkWebhookUrl } from './url-guard.ts';

/** Destinations per database: each is a label value in /metrics, so their number stays small. */
export const MAX_DESTINATIONS = 100;
const MAX_FILTER_VALUES = 100;

export interface WebhookInput {
  name?: string | null;
  url?: string | null;
  events?: string[] | null;
  segmentIds?: string[] | null;
  alertKinds?: string[] | null;
  eventFilter?: { events?: string[] | null; channels?: string[] | null } | null;
  secret?: string | null;
  maskPii?: boolean | null;
}

export interface WebhookView extends WebhookDestinationRecord {
  secretHint: string;
  pending: number;
  deadLetters: number;
}

const bad = (field: string, message: string) => new UserError(ErrorCode.BAD_USER_INPUT, message, { field });

export class WebhookService {
  readonly allow: AllowList;
  private readonly wakers = new Set<() => void>();
  private readonly removed = new Set<(id: string) => void>();
  private readonly log: Logger;

  constructor(
    private readonly db: Database,
    private readonly deps: { config: WebhookConfig; logger: Logger; now?: () => Date },
  ) {
    this.allow = new AllowList(deps.config.allowedHosts);
    this.log = deps.logger.child({ module: 'webhooks' });
  }

  get config(): WebhookConfig {
    return this.deps.config;
  }

  now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The worker registers here to be woken when work was queued in this process. */
  onWork(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  /** Called with the id of each deleted destination (metrics drop its label values). */
  onRemoved(fn: (id: string) => void): void {
    this.removed.add(fn);
  }

  wake(): void {
    for (const w of this.wakers) w();
  }

  private async checkUrl(url: string): Promise<string> {
    if (url.length > 2048) throw bad('url', 'the URL is longer than 2048 characters');
    const v = await checkWebhookUrl(url, this.allow);
    if (!v.ok) throw new UserError(ErrorCode.WEBHOOK_URL_FORBIDDEN, `webhook URL refused: ${v.reason}`, { field: 'url' });
    return v.url.toString();
  }

  private async validate(input: WebhookInput, existing: WebhookDestinationRecord | null): Promise<Partial<DestinationWrite> & { secret?: string }> {
    const out: Partial<DestinationWrite> & { secret?: string } = {};
    if (input.name != null || !existing) {
      const name = (input.name ?? '').trim();
      if (!name || name.length > 200) throw bad('name', 'name must be 1 to 200 characters');
      if (await webhookRepository.nameTaken(this.db.prisma, name, existing?.id ?? null))
        throw new UserError(ErrorCode.ALREADY_EXISTS, `a webhook named "${name}" exists`, { field: 'name' });
      out.name = name;
    }
    if (input.url != null || !existing) out.url = await this.checkUrl(input.url ?? '');
    if (input.events != null || !existing) {
      const events = [...new Set(input.events ?? [])];
      if (events.length === 0 || events.some((e) => !WEBHOOK_EVENT_KINDS.includes(e as WebhookEventKindValue)))
        throw bad('events', `events must name at least one of ${WEBHOOK_EVENT_KINDS.join(', ')}`);
      out.events = events as WebhookEventKindValue[];
    }
    if (input.segmentIds != null) {
      const ids = [...new Set(input.segmentIds)];
      if (ids.length > MAX_FILTER_VALUES) throw bad('segmentIds', `at most ${MAX_FILTER_VALUES} segments`);
      const bogus = ids.filter((id) => !isUuid(id));
      const known = await webhookRepository.existingSegments(this.db.prisma, ids.filter(isUuid));
      const missing = [...bogus, ...ids.filter((id) => isUuid(id) && !known.has(id))];
      if (missing.length) throw new UserError(ErrorCode.NOT_FOUND, `no segment with id ${missing.join(', ')}`, { field: 'segmentIds' });
      out.segmentIds = ids;
    }
    if (input.alertKinds != null) out.alertKinds = [...new Set(input.alertKinds)];
    if (input.eventFilter != null) {
      const names = [...new Set((input.eventFilter.events ?? []).map((e) => e.trim()).filter(Boolean))];
      const channels = [...new Set(input.eventFilter.channels ?? [])];
      if (names.length > MAX_FILTER_VALUES || names.some((e) => e.length > 200)) throw bad('eventFilter.events', `at most ${MAX_FILTER_VALUES} event names of up to 200 characters`);
      out.eventNames = names;
      out.channels = channels;
    }
    if (input.secret != null) {
      if (input.secret.length < 16 || input.secret.length > 200) throw bad('secret', 'a secret has 16 to 200 characters');
      out.secret = input.secret;
    }
    if (input.maskPii != null) out.maskPii = input.maskPii;
    return out;
  }

  /** Makes a destination. The secret (given, or made here) is in this answer and never again. */
  async create(input: WebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
    const v = await this.validate(input, null);
    if ((await webhookRepository.count(this.db.prisma)) >= MAX_DESTINATIONS)
      throw bad('name', `at most ${MAX_DESTINATIONS} webhooks; delete one first`);
    const id = randomUUID();
    const secret = v.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    // A new destination starts at the head of the outbox: it gets the segment changes made from now on.
    const segmentCursor = await webhookRepository.outboxHead(this.db.prisma);
    await this.namedUniquely(v.name!, () =>
      webhookRepository.insert(this.db.prisma, {
        id,
        name: v.name!,
        url: v.url!,
        events: v.events!,
        segmentIds: v.segmentIds ?? [],
        alertKinds: v.alertKinds ?? [],
        eventNames: v.eventNames ?? [],
        channels: v.channels ?? [],
        maskPii: v.maskPii ?? false,
        secret,
        segmentCursor,
        now: this.now(),
      }),
    );
    this.log.info({ webhookId: id, events: v.events }, 'webhook created');
    return { webhook: (await this.get(id))!, secret };
  }

  async update(id: string, input: WebhookInput): Promise<WebhookView> {
    const existing = await this.require(id);
    const v = await this.validate(input, existing);
    // Segment changes switched on now start at the outbox head, as for a new destination: the old
    // cursor was not holding the pruner back, so what lies after it may be gone.
    const segmentsOn = v.events?.includes('SEGMENT_CHANGES') && !existing.events.includes('SEGMENT_CHANGES');
    const segmentCursor = segmentsOn ? await webhookRepository.outboxHead(this.db.prisma) : undefined;
    await this.namedUniquely(v.name ?? existing.name, () => webhookRepository.update(this.db.prisma, id, { ...v, segmentCursor, now: this.now() }));
    this.wake();
    return (await this.get(id))!;
  }

  /** Idempotent: pausing a paused destination (or resuming an active one) changes nothing. */
  async setPaused(id: string, paused: boolean): Promise<WebhookView> {
    await this.require(id);
    await webhookRepository.setStatus(this.db.prisma, id, paused ? 'PAUSED' : 'ACTIVE', paused ? 'paused by an operator' : null, this.now());
    // Either way the worker looks again now: a resumed destination starts, a paused one stops before its next group.
    this.wake();
    return (await this.get(id))!;
  }

  /** Deletes the destination with its queue and dead letters; false when there was none (a retried delete). */
  async remove(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const gone = await webhookRepository.remove(this.db.prisma, id);
    if (gone) for (const fn of this.removed) fn(id);
    return gone;
  }

  /** Runs a write; a name taken meanwhile (two requests at once, past the check in validate) is ALREADY_EXISTS. */
  private async namedUniquely<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002' || /unique/i.test(String((err as Error).message)))
        throw new UserError(ErrorCode.ALREADY_EXISTS, `a webhook named "${name}" exists`, { field: 'name' });
      throw err;
    }
  }

  private async require(id: string): Promise<WebhookDestinationRecord> {
    const found = isUuid(id) ? await webhookRepository.find(this.db.prisma, id) : null;
    if (!found) throw new UserError(ErrorCode.NOT_FOUND, `no webhook with id ${id}`, { field: 'id' });
    return found;
  }

  private async views(rows: WebhookDestinationRecord[]): Promise<WebhookView[]> {
    const counts = await webhookRepository.queueCounts(this.db.prisma, rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, secretHint: `…${r.secret.slice(-4)}`, pending: counts.get(r.id)?.pending ?? 0, deadLetters: counts.get(r.id)?.dead ?? 0 }));
  }

  async get(id: string): Promise<WebhookView | null> {
    const found = isUuid(id) ? await webhookRepository.find(this.db.prisma, id) : null;
    return found ? (await this.views([found]))[0]! : null;
  }

  async list(): Promise<WebhookView[]> {
    return this.views(await webhookRepository.list(this.db.prisma, { activeOnly: false }));
  }

  /** Destinations the worker serves (internal: secrets included). */
  activeDestinations(): Promise<WebhookDestinationRecord[]> {
    return webhookRepository.list(this.db.prisma, { activeOnly: true });
  }

  async deadLetters(id: string, args: { first?: number | null; after?: string | null }) {
    await this.require(id);
    const take = pageSize(args.first);
    let afterId: string | null = null;
    if (args.after) {
      const [k] = decodeCursor(args.after, 1);
      if (typeof k !== 'string' || !isBigintId(k)) throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor is not one this server issued');
      afterId = k;
    }
    const rows = await webhookRepository.deadLetters(this.db.prisma, { destinationId: id, take: take + 1, afterId });
    const edges = rows.slice(0, take).map((node) => ({ cursor: encodeCursor([node.id]), node }));
    return { edges, pageInfo: pageInfoOf(edges, rows.length, take, args.after) };
  }

  /** Dead letters back to the queue (all of them without ids). Idempotent: ids no longer dead are skipped. */
  async replay(id: string, ids: string[] | null): Promise<number> {
    await this.require(id);
    if (ids) {
      const bogus = ids.filter((x) => !isBigintId(x));
      if (bogus.length) throw bad('ids', `not dead-letter ids: ${bogus.slice(0, 5).join(', ')}`);
    }
    const n = await webhookRepository.replay(this.db.prisma, { destinationId: id, ids, now: this.now() });
    if (n) this.wake();
    return n;
  }

  /** Change hook, inside the write's transaction: queues the stored touchpoints for TOUCHPOINTS destinations. */
  async onCustomerChange(tx: Db, change: CustomerChange): Promise<AfterCommit | void> {
    const tps = (change.touchpoints ?? []).filter((t): t is typeof t & { id: string } => typeof t.id === 'string');
    if (tps.length === 0) return;
    const queued = await webhookRepository.enqueueTouchpoints(tx, tps.map((t) => ({ id: t.id, event: t.event, channel: t.channel ?? null, occurredAt: new Date(t.occurredAt).toISOString() })), this.now());
    if (queued) return async () => this.wake();
  }

  /** Alert hook, inside the transaction that stored them. */
  async onAlertsRaised(tx: Db, alerts: readonly AlertRecord[]): Promise<void> {
    await webhookRepository.enqueueAlerts(tx, alerts.map((a) => ({ id: a.id, kind: a.kind })), this.now());
  }

  /** The outbox may not be pruned past this seq (null: no destination takes segment changes). */
  outboxHold(): Promise<bigint | null> {
    return webhookRepository.lowestSegmentCursor(this.db.prisma);
  }
}
