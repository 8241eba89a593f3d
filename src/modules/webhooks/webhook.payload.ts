/**
 * What a receiver gets: `{ webhookId, items: [{ id, type, occurredAt, data }] }`. `id` is the item's
 * idempotency key (`seg:<seq>`, `tp:<touchpoint id>`, `alert:<alert id>`), the same on every try.
 * A destination with `maskPii` gets personal data masked as a READER key sees it (pii-mask.ts);
 * otherwise in full, as the ADMIN who made the destination sees it.
 */
import { createHash } from 'node:crypto';
import { maskEmail, maskJson, maskPhone, maskText } from '../privacy/pii-mask.ts';
import type { QueueItem, SegmentChangeRow, WebhookItem } from './webhook.model.ts';

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

export function touchpointItem(key: string, tp: Record<string, unknown> | undefined): WebhookItem {
  return { id: key, type: 'touchpoint', occurredAt: iso(tp?.occurredAt as Date | undefined) ?? new Date(0).toISOString(), data: tp ? { ...tp, occurredAt: iso(tp.occurredAt as Date), receivedAt: iso(tp.receivedAt as Date) } : null };
}

export function alertItem(key: string, a: Record<string, unknown> | undefined): WebhookItem {
  return {
    id: key,
    type: `alert.${String(a?.kind ?? 'unknown').toLowerCase()}`,
    occurredAt: iso(a?.raisedAt as Date | undefined) ?? new Date(0).toISOString(),
    data: a ? { ...a, raisedAt: iso(a.raisedAt as Date) } : null,
  };
}

/** Queue rows → items, from the stored touchpoints and alerts (or the payload kept with a dead-lettered change). */
export function queueItems(rows: QueueItem[], touchpoints: Map<string, Record<string, unknown>>, alerts: Map<string, Record<string, unknown>>): WebhookItem[] {
  return rows.map((r) => {
    if (r.kind === 'TOUCHPOINT') return touchpointItem(r.itemKey, touchpoints.get(r.refId ?? ''));
    if (r.kind === 'ALERT') return alertItem(r.itemKey, alerts.get(r.refId ?? ''));
    return r.payload as WebhookItem;
  });
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

/** The Idempotency-Key header: the item's key for one item; for several, a digest of their keys (the same batch gets the same key). */
export function batchKey(items: WebhookItem[]): string {
  if (items.length === 1) return items[0]!.id;
  return `batch:${createHash('sha256').update(items.map((i) => i.id).join('\n')).digest('hex').slice(0, 32)}`;
}
