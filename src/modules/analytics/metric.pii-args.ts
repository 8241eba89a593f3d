import { isPiiJsonKey } from '../privacy/pii-mask.ts';
import type { MetricSettingsInput } from './metric.types.ts';

/** A survey score read from a personal property key. */
export function metricPiiPaths(args: Record<string, unknown>): string[] {
  const s = args.settings as MetricSettingsInput | null | undefined;
  return (['npsScoreProperty', 'csatScoreProperty'] as const).flatMap((k) => (typeof s?.[k] === 'string' && isPiiJsonKey(s[k]) ? [`settings.${k}`] : []));
}
