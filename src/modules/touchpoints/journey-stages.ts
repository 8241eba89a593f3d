/**
 * Default lifecycle stage of each event. Extend or override with STAGE_MAP (JSON: {"Event": "STAGE"}).
 * Events not listed fall back to their channel and revenue.
 */
import type { Channel } from '../../generated/prisma/enums.ts';

export type Stage = 'AWARENESS' | 'CONSIDERATION' | 'PURCHASE' | 'AFTER_SALES' | 'ADVOCACY';
export const STAGES: Stage[] = ['AWARENESS', 'CONSIDERATION', 'PURCHASE', 'AFTER_SALES', 'ADVOCACY'];

export const DEFAULT_STAGE_MAP: Record<string, Stage> = {
  'Ad Viewed': 'AWARENESS',
  'Ad Clicked': 'AWARENESS',
  'Email Opened': 'AWARENESS',
  'Email Link Clicked': 'AWARENESS',
  'Post Liked': 'AWARENESS',
  'Post Shared': 'AWARENESS',
  'Search Clicked': 'AWARENESS',
  'Page Viewed': 'AWARENESS',
  'Lead Created': 'AWARENESS',
  'Signed Up': 'CONSIDERATION',
  Login: 'CONSIDERATION',
  'Screen Viewed': 'CONSIDERATION',
  'Products Searched': 'CONSIDERATION',
  'Product Viewed': 'CONSIDERATION',
  'Product Clicked': 'CONSIDERATION',
  'Product Added': 'CONSIDERATION',
  'Added to Cart': 'CONSIDERATION',
  'Checkout Started': 'CONSIDERATION',
  'Order Completed': 'PURCHASE',
  'Store Purchase': 'PURCHASE',
  'Deal Won': 'PURCHASE',
  'Subscription Started': 'PURCHASE',
  'Order Refunded': 'AFTER_SALES',
  'Order Returned': 'AFTER_SALES',
  'Ticket Opened': 'AFTER_SALES',
  'Ticket Resolved': 'AFTER_SALES',
  'Call Completed': 'AFTER_SALES',
  'Product Reviewed': 'ADVOCACY',
  'Review Submitted': 'ADVOCACY',
  'Referral Sent': 'ADVOCACY',
  'NPS Submitted': 'ADVOCACY',
};

const CHANNEL_STAGE: Partial<Record<Channel, Stage>> = {
  ADS: 'AWARENESS',
  SEARCH: 'AWARENESS',
  SOCIAL: 'AWARENESS',
  SUPPORT: 'AFTER_SALES',
  CALL_CENTER: 'AFTER_SALES',
};

export function stageOf(map: Record<string, Stage>, t: { event: string | null; channel: Channel; revenue: number | null }): Stage {
  if (t.event && map[t.event]) return map[t.event]!;
  if (t.revenue != null && t.revenue > 0) return 'PURCHASE';
  return CHANNEL_STAGE[t.channel] ?? 'CONSIDERATION';
}
