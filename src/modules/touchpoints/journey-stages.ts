/**
 * Lifecycle stage of a touchpoint: the configured stage map (config/stage-map.ts, overridable with
 * STAGE_MAP) first, then channel and revenue for events it does not list.
 */
import type { Stage } from '../../config/stage-map.ts';
import type { Channel } from '../../generated/prisma/enums.ts';

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
