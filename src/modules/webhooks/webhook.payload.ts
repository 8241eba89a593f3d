/**
 * What a receiver gets: `{ webhookId, items: [{ id, type, occurredAt, data }] }`. `id` is the item's
 * idempotency key (`seg:<seq>`, `tp:<touchpoint id>`, `alert:<alert id>`), the same on every try.
 * A destination with `maskPii` gets personal data masked as a READER key sees it (pii-mask.ts);
 * otherwise in full, as the ADMIN who made the destination sees it.
 */
import { createHash } from 'node:crypto';
import { maskEmail, maskJson, maskPhone, maskText } from '../privacy/pii-mask.ts';
import type { SegmentChangeRow, WebhookItem } from './webhook.model.ts';
import type { ClaimedItem } from './webhook.repository.ts';

const iso = (d: Date | string | null | undefined) => (d == null ? null : new Date(d).toISOString());
const maybe = <T>(v: T | null, f: (v: T) => T) => (v == null ? v : f(v));

/** A segment change as stored in a payload (and, when dead-lettered, in the queue). Unmasked: masking happens at send. */
export function segmentChangeItem(c: SegmentChangeRow): WebhookItem {
  return {
    id: `seg:${c.seq}`,
    type: c.change === 'ENTERED' ? 'segment.entered' : 'segment.left',
    occurredAt: iso(c.at)!,
    data: {
      seq: c.seq,
      change: c.change,
      segment: { id: c.segmentId, name: c.segmentName },
      customer: {
        id: c.customerId,
        email: c.email,
        phone: c.phone,
        firstName: c.firstName,
        lastName: c.lastName,
        externalId: c.externalId,
        source: c.customerSource,
        country: c.country,
        city: c.city,
      },
      reason: c.reason,
    },
  };
}

/** The item as a READER key would see it. */
export function maskItem(item: WebhookItem): WebhookItem {
  const data = item.data as Record<string, unknown> | null;
  if (!data) return item;
  if (item.type.startsWith('segment.')) {
    const c = data.customer as Record<string, string | null>;
    return {
      ...item,
      data: {
        ...data,
        customer: { ...c, email: maybe(c.email ?? null, maskEmail), phone: maybe(c.phone ?? null, maskPhone), firstName: maybe(c.firstName ?? null, maskText), lastName: maybe(c.lastName ?? null, maskText) },
        reason: maskJson(data.reason),
      },
    };
  }
  if (item.type === 'touchpoint') return { ...item, data: { ...data, properties: maskJson(data.properties), context: maskJson(data.context) } };
  return { ...item, data: { ...data, details: maskJson(data.details) } };
}

export function requestBody(webhookId: string, items: WebhookItem[], maskPii: boolean): string {
  return JSON.stringify({ webhookId, items: maskPii ? items.map(maskItem) : items });
}

const str = (v: string | null) => (v == null ? 'null' : JSON.stringify(v));

/**
 * A queue item as JSON text, around the touchpoint's or alert's JSON as the database wrote it (not
 * parsed and written again). `data` is null when the touchpoint or alert no longer exists.
 */
export function queueItemText(c: ClaimedItem): string {
  if (c.kind !== 'TOUCHPOINT' && c.kind !== 'ALERT') return c.payload ?? 'null';
  const r = c.ref;
  const type = c.kind === 'TOUCHPOINT' ? 'touchpoint' : `alert.${(r?.kind ?? 'unknown').toLowerCase()}`;
  return `{"id":${str(c.itemKey)},"type":${str(type)},"occurredAt":${str(r?.at ?? null)},"data":${r?.data ?? 'null'}}`;
}

/**
 * The same body from items already written as JSON text (queue items): joined
 * as they are, or parsed and masked for a maskPii destination.
 */
export function requestBodyFromText(webhookId: string, itemTexts: string[], maskPii: boolean): string {
  if (maskPii) return requestBody(webhookId, itemTexts.map((t) => JSON.parse(t) as WebhookItem), true);
  return `{"webhookId":${JSON.stringify(webhookId)},"items":[${itemTexts.join(',')}]}`;
}

/** The Idempotency-Key header: the item's key for one item; for several, a digest of their keys (the same batch gets the same key). */
export function batchKey(ids: string[]): string {
  if (ids.length === 1) return ids[0]!;
  return `batch:${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32)}`;
}
