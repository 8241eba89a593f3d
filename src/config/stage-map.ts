/**
 * Default lifecycle stage of each event. Extend or override with STAGE_MAP (JSON: {"Event": "STAGE"}).
 * Events not listed fall back to their channel and revenue (touchpoints/journey-stages.ts). It lives in
 * config because the environment is parsed against it, and config depends on nothing in src/modules.
 */
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
