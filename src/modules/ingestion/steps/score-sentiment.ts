/**
 * After normalise: a touchpoint with free text under the configured property keys gets its sentiment
 * (label, score, language), stored in the touchpoint's sentiment columns. Never drops or quarantines:
 * an event without text simply has no sentiment.
 */
import type { SentimentConfig } from '../../../config/env.ts';
import { localeLanguage, touchpointText, type SentimentScorer } from '../../sentiment/sentiment.scorer.ts';
import type { NormalizedEvent } from '../event.model.ts';
import { ok, type StepResult } from '../pipeline.ts';

export function createScoreSentimentStep(opts: { scorer: SentimentScorer; config: Pick<SentimentConfig, 'textKeys' | 'defaultLanguage'> }) {
  return function scoreSentiment(event: NormalizedEvent): StepResult<NormalizedEvent> {
    const text = touchpointText(event.properties, opts.config.textKeys);
    if (text === null) return ok({ ...event, sentiment: null });
    return ok({ ...event, sentiment: opts.scorer.score(text, localeLanguage(event.context), opts.config.defaultLanguage) });
  };
}
