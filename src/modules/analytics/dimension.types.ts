/** What channel-level analyses group by: the channel, or the channel and campaign of a touch. */
import { registerEnumType } from 'type-graphql';
import type { Channel } from '../../generated/prisma/enums.ts';

export enum MarketingDimension {
  CHANNEL = 'CHANNEL',
  CAMPAIGN = 'CAMPAIGN',
}
registerEnumType(MarketingDimension, {
  name: 'MarketingDimension',
  description: 'What attribution, channel performance and ROI group touches by.',
  valuesConfig: {
    CHANNEL: { description: 'The touch\'s channel (`campaign` is null in the answer).' },
    CAMPAIGN: { description: 'The touch\'s (channel, campaign) pair; touches without a campaign form the pair (channel, null).' },
  },
});

/** Keys come back from SQL as "CHANNEL" or "CHANNEL/campaign" (channel names hold no "/"). */
export function splitDimensionKey(key: string): { channel: Channel; campaign: string | null } {
  const slash = key.indexOf('/');
  if (slash < 0) return { channel: key as Channel, campaign: null };
  const campaign = key.slice(slash + 1);
  return { channel: key.slice(0, slash) as Channel, campaign: campaign === '' ? null : campaign };
}
