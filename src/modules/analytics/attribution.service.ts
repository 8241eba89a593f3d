/** Multi-touch attribution: validates the request, gets the sums from SQL, applies the models' shares. */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { MarketingDimension, splitDimensionKey } from './dimension.types.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { markovRemovalEffects } from './attribution.markov.ts';
import { assertKnownEvents, eventName } from './funnel.service.ts';
import { attributionRepository, CONVERSION, NULL_STATE, START, type ChannelCredits } from './attribution.repository.ts';
import { AttributionModel, type AttributionResult, type ChannelAttribution, type ModelAttribution } from './attribution.types.ts';

export interface AttributionArgs {
  scope: AnalyticsScopeInput;
  conversionEvent: string;
  lookbackDays?: number | null;
  models?: AttributionModel[] | null;
  halfLifeDays?: number | null;
  by?: MarketingDimension | null;
}

/** MARKOV solves one linear system per state: by CAMPAIGN, the states are bounded. */
export const MAX_MARKOV_STATES = 200;

export const MAX_LOOKBACK_DAYS = 365;
const ALL_MODELS = Object.values(AttributionModel);
const RULE_COLUMNS = {
  FIRST_TOUCH: 'first',
  LAST_TOUCH: 'last',
  LINEAR: 'linear',
  POSITION_BASED: 'position',
  TIME_DECAY: 'decay',
} as const;

/** A conversion event name that exists: the same checks (and error codes) as every other analysis. */
export async function checkConversionEvent(db: Database, event: string | null | undefined, field = 'conversionEvent'): Promise<string> {
  const name = eventName((event ?? '').trim(), field);
  await assertKnownEvents(db, [name]);
  return name;
}

export class AttributionService {
  constructor(private readonly db: Database) {}

  async attribution(args: AttributionArgs): Promise<AttributionResult> {
    const scope = validScope(args.scope);
    const lookbackDays = args.lookbackDays ?? 30;
    if (!Number.isInteger(lookbackDays) || lookbackDays <= 0 || lookbackDays > MAX_LOOKBACK_DAYS)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `lookbackDays must be between 1 and ${MAX_LOOKBACK_DAYS}`, { field: 'lookbackDays' });
    const halfLifeDays = args.halfLifeDays ?? 7;
    if (!Number.isFinite(halfLifeDays) || halfLifeDays <= 0 || halfLifeDays > MAX_LOOKBACK_DAYS)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `halfLifeDays must be above 0 and at most ${MAX_LOOKBACK_DAYS}`, { field: 'halfLifeDays' });
    const models = args.models?.length ? ALL_MODELS.filter((m) => args.models!.includes(m)) : ALL_MODELS;
    const conversionEvent = await checkConversionEvent(this.db, args.conversionEvent);
    const by = args.by ?? MarketingDimension.CHANNEL;

    const rows = await attributionRepository.compute(this.db.prisma, {
      scope,
      conversionEvent,
      lookbackDays,
      halfLifeDays,
      markov: models.includes(AttributionModel.MARKOV),
      rules: models.some((m) => m !== AttributionModel.MARKOV),
      by,
    });
    const t = rows.totals;
    const result: AttributionResult = {
      conversionEvent,
      lookbackDays,
      halfLifeDays,
      by,
      conversions: t.conversions,
      conversionValue: t.value,
      attributedConversions: t.attributed,
      attributedValue: t.attributed_value,
      unattributed: { conversions: t.conversions - t.attributed, value: t.value - t.attributed_value },
      nonConvertingJourneys: t.non_converting,
      models: [],
    };
    for (const model of models) {
      if (model === AttributionModel.MARKOV) {
        // Only the (channel, campaign) pairs count against the documented bound, not START (a source
        // of every journey) nor the absorbing CONVERSION and NULL.
        const states = new Set(rows.transitions.flatMap((x) => [x.src, x.dst]).filter((s) => s !== START && s !== CONVERSION && s !== NULL_STATE)).size;
        if (states > MAX_MARKOV_STATES)
          throw new UserError(ErrorCode.BAD_USER_INPUT, `MARKOV takes at most ${MAX_MARKOV_STATES} channel/campaign states; this scope has ${states}: narrow it or use another model`, { field: 'models' });
        const { conversionProbability, removalEffects } = markovRemovalEffects(rows.transitions);
        const sum = [...removalEffects.values()].reduce((a, b) => a + b, 0);
        const channels = [...removalEffects].map(([key, re]) => {
          const share = sum > 0 ? re / sum : 0;
          return { ...splitDimensionKey(key), conversions: share * t.attributed, value: share * t.attributed_value, share, removalEffect: re };
        });
        result.models.push(modelOf(model, channels, conversionProbability));
      } else {
        const col = RULE_COLUMNS[model];
        const channels = rows.channels.map((c: ChannelCredits) => {
          const conversions = c[`${col}_c`];
          return { ...splitDimensionKey(c.channel), conversions, value: c[`${col}_v`], share: t.attributed > 0 ? conversions / t.attributed : 0, removalEffect: null };
        });
        result.models.push(modelOf(model, channels, null));
      }
    }
    return result;
  }
}

function modelOf(model: AttributionModel, channels: ChannelAttribution[], conversionProbability: number | null): ModelAttribution {
  channels.sort((a, b) => b.conversions - a.conversions || a.channel.localeCompare(b.channel) || (a.campaign ?? '').localeCompare(b.campaign ?? ''));
  return {
    model,
    channels,
    totalConversions: channels.reduce((s, c) => s + c.conversions, 0),
    totalValue: channels.reduce((s, c) => s + c.value, 0),
    conversionProbability,
  };
}
