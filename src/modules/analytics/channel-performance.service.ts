/** Which channel converts best: per-channel reach and conversion, and the one best answer. */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { checkConversionEvent } from './attribution.service.ts';
import { channelPerformanceRepository } from './channel-performance.repository.ts';
import { MarketingDimension, splitDimensionKey } from './dimension.types.ts';
import type { ChannelPerformance, ChannelPerformanceResult } from './channel-performance.types.ts';

export interface ChannelPerformanceArgs {
  scope: AnalyticsScopeInput;
  conversionEvent: string;
  minReached?: number | null;
  by?: MarketingDimension | null;
}

export class ChannelPerformanceService {
  constructor(private readonly db: Database) {}

  async channelPerformance(args: ChannelPerformanceArgs): Promise<ChannelPerformanceResult> {
    const scope = validScope(args.scope);
    const minReached = args.minReached ?? 30;
    if (!Number.isInteger(minReached) || minReached < 1)
      throw new UserError(ErrorCode.BAD_USER_INPUT, 'minReached must be a positive whole number', { field: 'minReached' });
    const conversionEvent = await checkConversionEvent(this.db, args.conversionEvent);
    const by = args.by ?? MarketingDimension.CHANNEL;
    const rows = await channelPerformanceRepository.perChannel(this.db.prisma, scope, conversionEvent, by);
    const channels: ChannelPerformance[] = rows.map((r) => ({
      ...splitDimensionKey(r.channel),
      customersReached: r.reached,
      touchpoints: r.touchpoints,
      customersConverted: r.converted,
      conversionRate: r.reached > 0 ? r.converted / r.reached : 0,
      revenue: Number(r.revenue),
      medianHoursToConvert: r.median_seconds == null ? null : Number(r.median_seconds) / 3600,
    }));
    const ranked = channels.sort(
      (a, b) =>
        b.conversionRate - a.conversionRate ||
        b.customersConverted - a.customersConverted ||
        a.channel.localeCompare(b.channel) ||
        (a.campaign ?? '').localeCompare(b.campaign ?? ''),
    );
    const best = ranked.find((c) => c.customersReached >= minReached);
    return { conversionEvent, minReached, by, channels: ranked, best: best?.channel ?? null, bestCampaign: best?.campaign ?? null };
  }
}
