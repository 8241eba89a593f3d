/**
 * Return on ad spend per channel or (channel, campaign): spend recorded for the scope's days, against
 * the conversions and value the chosen attribution model credits to the same key.
 */
import type { Config } from '../../config/env.ts';
import type { Database } from '../../db/client.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import type { AttributionService } from './attribution.service.ts';
import { AttributionModel } from './attribution.types.ts';
import { MarketingDimension, splitDimensionKey } from './dimension.types.ts';
import type { RoiFigures, RoiResult, RoiRow } from './roi.types.ts';
import { spendRepository } from './spend.repository.ts';

export interface RoiArgs {
  scope: AnalyticsScopeInput;
  conversionEvent: string;
  by?: MarketingDimension | null;
  model?: AttributionModel | null;
  lookbackDays?: number | null;
}

const DAY_MS = 86_400_000;

/** The first UTC midnight at or after t, as YYYY-MM-DD: spend of date d counts when from ≤ d 00:00 < to. */
export function firstDayAtOrAfter(t: Date): string {
  return new Date(Math.ceil(+t / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

export function figures(spend: number, conversions: number, value: number): RoiFigures {
  return {
    spend,
    conversions,
    value,
    costPerAcquisition: conversions > 0 ? spend / conversions : null,
    roas: spend > 0 ? value / spend : null,
    roi: spend > 0 ? (value - spend) / spend : null,
  };
}

export class RoiService {
  constructor(
    private readonly db: Database,
    private readonly deps: { attribution: AttributionService; config: Pick<Config, 'baseCurrency'> },
  ) {}

  async roi(args: RoiArgs): Promise<RoiResult> {
    const scope = validScope(args.scope);
    const by = args.by ?? MarketingDimension.CHANNEL;
    const model = args.model ?? AttributionModel.LAST_TOUCH;
    // The attribution service validates the rest (event, lookback) with its own codes.
    const attribution = await this.deps.attribution.attribution({ scope, conversionEvent: args.conversionEvent, lookbackDays: args.lookbackDays, models: [model], by });
    const spendRows = await spendRepository.spendByKey(this.db.prisma, firstDayAtOrAfter(scope.from), firstDayAtOrAfter(scope.to), by);

    const keyOf = (channel: string, campaign: string | null) => (by === MarketingDimension.CAMPAIGN ? `${channel}/${campaign ?? ''}` : channel);
    const acc = new Map<string, { spend: number; conversions: number; value: number }>();
    const at = (key: string) => acc.get(key) ?? acc.set(key, { spend: 0, conversions: 0, value: 0 }).get(key)!;
    for (const s of spendRows) at(s.key).spend += Number(s.spend);
    for (const c of attribution.models[0]!.channels) {
      const a = at(keyOf(c.channel, c.campaign));
      a.conversions += c.conversions;
      a.value += c.value;
    }
    const rows: RoiRow[] = [...acc].map(([key, a]) => ({ ...splitDimensionKey(key), ...figures(a.spend, a.conversions, a.value) }));
    rows.sort((a, b) => b.spend - a.spend || b.value - a.value || a.channel.localeCompare(b.channel) || (a.campaign ?? '').localeCompare(b.campaign ?? ''));
    const total = rows.reduce((t, r) => ({ spend: t.spend + r.spend, conversions: t.conversions + r.conversions, value: t.value + r.value }), { spend: 0, conversions: 0, value: 0 });
    return {
      conversionEvent: attribution.conversionEvent,
      by,
      model,
      lookbackDays: attribution.lookbackDays,
      baseCurrency: this.deps.config.baseCurrency,
      firstSpendDate: firstDayAtOrAfter(scope.from),
      endSpendDate: firstDayAtOrAfter(scope.to),
      total: figures(total.spend, total.conversions, total.value),
      unattributed: attribution.unattributed,
      rows,
    };
  }
}
