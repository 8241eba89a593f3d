/**
 * The ChannelAttribution sample's twelve channel names (`ca_path_data.csv`) mapped onto ours, the same
 * way in every test that loads those paths.
 */
import type { Channel } from '../generated/graphql.ts';

export const CA_CHANNEL: Record<string, Channel> = {
  alpha: 'WEB',
  beta: 'APP',
  gamma: 'MINI_PROGRAM',
  delta: 'SOCIAL',
  epsilon: 'EMAIL',
  zeta: 'SMS',
  eta: 'ADS',
  theta: 'SEARCH',
  iota: 'CALL_CENTER',
  kappa: 'SUPPORT',
  lambda: 'STORE_POS',
  mi: 'CRM',
};
