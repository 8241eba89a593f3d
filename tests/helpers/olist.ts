import type { Channel } from '../../src/generated/prisma/enums.ts';

/** How Olist lead origins map onto our channels (the import tests pass it to the CLI as --channel-map). */
export const OLIST_ORIGIN_CHANNEL: Record<string, Channel> = {
  organic_search: 'SEARCH',
  paid_search: 'SEARCH',
  social: 'SOCIAL',
  email: 'EMAIL',
  display: 'ADS',
  other_publicities: 'ADS',
  direct_traffic: 'WEB',
  referral: 'WEB',
  unknown: 'OTHER',
  other: 'OTHER',
  '': 'OTHER',
};
