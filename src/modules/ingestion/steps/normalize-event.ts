/**
 * Second step: turn a validated payload into the one shape every later step reads: corrected time,
 * a messageId for dedup, a channel, normalised identities, money as stored.
 */
import { identityKey, normalizeIdentity } from '../../identities/identity.normalize.ts';
import { inferChannel } from '../channel-inference.ts';
import type { TouchpointType } from '../../../generated/prisma/enums.ts';
import type { EventIdentity, NormalizedEvent, ValidatedEvent } from '../event.model.ts';
import { identityCandidates } from '../event-identities.ts';
import { normalizeCurrency, parseAmount, roundToCents } from '../event-money.ts';
import { parseChannel } from '../event.schema.ts';
import { correctClockSkew } from '../event-time.ts';
import { generateMessageId } from '../message-id.ts';
import { ok, quarantine, type StepResult } from '../pipeline.ts';

/** How far ahead of our clock an event may claim to be, after skew correction. */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
/**
 * The earliest event time stored. PostgreSQL refuses year 0 and negative years in timestamptz, and one
 * such row failed its whole batch (a 500 that clients retry for ever); nothing a tracking client
 * reports happened before the Unix epoch, so earlier times are a broken clock, not history.
 */
export const MIN_EVENT_TIME = new Date('1970-01-01T00:00:00.000Z');
const MAX_ID_LENGTH = 256;

export function createNormalizeEventStep(opts: { defaultPhoneRegion: string }) {
  return function normalizeEvent(validated: ValidatedEvent): StepResult<NormalizedEvent> {
    const { payload: p, receivedAt } = validated;

    const occurredAt = correctClockSkew({ ...p, receivedAt });
    if (Number.isNaN(occurredAt.getTime())) return quarantine('invalid_timestamp', 'the corrected event time is out of range');
    // Checked on the corrected time: a client clock that is off, however far, is fine when sentAt corrects it.
    if (occurredAt < MIN_EVENT_TIME) {
      return quarantine('invalid_timestamp', `event time ${occurredAt.toISOString()} is before ${MIN_EVENT_TIME.toISOString()}`);
    }
    if (occurredAt.getTime() - receivedAt.getTime() > MAX_FUTURE_MS) {
      return quarantine('timestamp_in_future', `event time ${occurredAt.toISOString()} is more than 24h after it was received`);
    }

    const identities: EventIdentity[] = [];
    const seen = new Set<string>();
    for (const candidate of identityCandidates(p)) {
      const r = normalizeIdentity(candidate.type, candidate.value, opts.defaultPhoneRegion);
      if (!r.ok) {
        if (candidate.explicit) return quarantine('invalid_identity', `identities: ${candidate.type} ${r.message}`);
        continue; // an incidental id (a typo'd email in traits) should not cost us the event
      }
      const key = identityKey(candidate.type, r.value);
      if (seen.has(key)) continue;
      seen.add(key);
      identities.push({ type: candidate.type, value: r.value });
    }
    const previousId = p.type === 'ALIAS' ? plainId(p.previousId) : null;
    if (identities.length === 0 && !previousId) {
      return quarantine('missing_identity', 'no identity is left after normalisation (all were empty or malformed)');
    }

    const properties = pageProperties(p.type, p.properties ?? {}, pageName(p), p.category);
    const context = p.context ?? {};
    const inferred = inferChannel({ type: p.type, context, properties });
    const revenue = parseAmount(properties.revenue) ?? parseAmount(properties.total) ?? p.revenue ?? null;

    return ok({
      messageId: p.messageId ?? generateMessageId(validated.raw),
      source: validated.source,
      label: validated.label,
      type: p.type,
      event: VIEWED_EVENT[p.type] ?? (p.event || null),
      channel: p.channel ?? parseChannel(context.channel) ?? inferred.channel,
      sourceName: inferred.sourceName,
      campaign: inferred.campaign,
      identities,
      anonymousId: identities.find((i) => i.type === 'ANONYMOUS_ID')?.value ?? null,
      previousId,
      groupId: p.type === 'GROUP' ? plainId(p.groupId) : null,
      traits: p.type === 'IDENTIFY' || p.type === 'GROUP' ? (p.traits ?? {}) : {},
      properties,
      context,
      revenue: revenue === null ? null : roundToCents(revenue),
      currency: normalizeCurrency(properties.currency) ?? normalizeCurrency(p.currency),
      occurredAt,
      receivedAt,
      sessionId: [p.sessionId, context.sessionId, properties.session_id, properties.sessionId].map(plainId).find((s) => s !== null) ?? null,
      raw: validated.raw,
    });
  };
}

/**
 * Page and screen calls are stored under one event name each, so every selector on "Page Viewed"
 * (rules, funnels, trends, attribution, paths) counts them without special cases; which page it was
 * stays in properties.name (Segment's page spec), migration 0012 rewrote older rows the same way.
 */
export const VIEWED_EVENT: Partial<Record<TouchpointType, string>> = { PAGE: 'Page Viewed', SCREEN: 'Screen Viewed' };

/**
 * The page or screen name: `name`, else `event` (older GraphQL senders put it there); none when it is
 * the canonical event name itself, as migration 0012 treats stored rows.
 */
function pageName(p: { type: TouchpointType; name?: string; event?: string }): string | null {
  const name = p.name || p.event;
  return name && name !== VIEWED_EVENT[p.type] ? name : null;
}

/** properties with the page name and category added; a value the client already put there wins. */
function pageProperties(type: TouchpointType, properties: Record<string, unknown>, name: string | null, category: unknown): Record<string, unknown> {
  if (!VIEWED_EVENT[type]) return properties;
  const added: Record<string, unknown> = {};
  if (name !== null && properties.name === undefined) added.name = name;
  if (typeof category === 'string' && category.trim() !== '' && properties.category === undefined) added.category = category.trim();
  return Object.keys(added).length === 0 ? properties : { ...properties, ...added };
}

/** A trimmed, non-empty, bounded id (numbers allowed), else null. */
function plainId(v: unknown): string | null {
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
  return s !== '' && s.length <= MAX_ID_LENGTH ? s : null;
}
