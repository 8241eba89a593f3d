import type { Channel, TouchpointType } from '../../generated/prisma/enums.ts';

/** A touchpoint ready to store: resolved to a customer, normalised, with its id assigned. */
export interface TouchpointWrite {
  id: string;
  /** The dedup scope of messageId (the sending key on both doors). */
  scope: string;
  /** Shown as the touchpoint's source: what the sender called its system, else the scope. */
  source: string;
  messageId: string;
  customerId: string;
  anonymousId: string | null;
  type: TouchpointType;
  event: string | null;
  channel: Channel;
  sourceName: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  /** In the base currency; null when no amount, or while `currency` waits for an exchange rate. */
  revenue: number | null;
  /** The currency the amount was sent in. */
  currency: string | null;
  /** The amount as sent, in `currency`. */
  originalRevenue: number | null;
  campaign: string | null;
  occurredAt: string;
  sessionId: string | null;
  /** Sentiment of the touchpoint's free text (the ingestion step), stored in its sentiment columns. */
  sentiment?: TouchpointSentiment | null;
}

export interface TouchpointSentiment {
  label: 'NEGATIVE' | 'NEUTRAL' | 'POSITIVE';
  /** In [−1, 1], 4 decimals. */
  score: number;
  language: string;
}

/** A stored touchpoint as read back. */
export interface TouchpointRecord extends Omit<TouchpointWrite, 'occurredAt' | 'anonymousId' | 'scope'> {
  occurredAt: Date;
  receivedAt: Date;
}

export interface ChannelCount {
  channel: Channel;
  count: number;
}

/** Which page or screen a PAGE / SCREEN touchpoint was: properties.name (ingest keeps the page name there). */
export function pageNameOf(t: { type: TouchpointType; properties: Record<string, unknown> }): string | null {
  if (t.type !== 'PAGE' && t.type !== 'SCREEN') return null;
  const name = t.properties?.name;
  return typeof name === 'string' && name !== '' ? name : null;
}
