/** The `sentiment(texts, language)` query: checks the input, then scores each text in memory. */
import { ErrorCode, UserError } from '../../errors.ts';
import { SENTIMENT_LANGUAGES, type SentimentLanguage } from './sentiment.features.ts';
import { MAX_SENTIMENT_TEXT_LENGTH, type ScoredText, type SentimentScorer } from './sentiment.scorer.ts';

/** Most texts one `sentiment` call scores. */
export const MAX_SENTIMENT_TEXTS = 1_000;

export class SentimentService {
  constructor(
    readonly scorer: SentimentScorer,
    private readonly deps: { defaultLanguage: SentimentLanguage },
  ) {}

  scoreTexts(texts: readonly string[], language: string | null | undefined): ScoredText[] {
    if (texts.length > MAX_SENTIMENT_TEXTS)
      throw new UserError(ErrorCode.BATCH_TOO_LARGE, `at most ${MAX_SENTIMENT_TEXTS} texts a call; got ${texts.length}`, { max: MAX_SENTIMENT_TEXTS });
    const lang = parseLanguage(language);
    const tooLong = texts.findIndex((t) => t.length > MAX_SENTIMENT_TEXT_LENGTH);
    if (tooLong >= 0)
      throw new UserError(ErrorCode.VALUE_TOO_LONG, `texts[${tooLong}] has ${texts[tooLong]!.length} characters; at most ${MAX_SENTIMENT_TEXT_LENGTH}`, {
        argument: `texts.${tooLong}`,
        max: MAX_SENTIMENT_TEXT_LENGTH,
      });
    return texts.map((t) => this.scorer.score(t, lang, this.deps.defaultLanguage));
  }
}

function parseLanguage(language: string | null | undefined): SentimentLanguage | null {
  if (language === null || language === undefined) return null;
  const lang = language.trim().toLowerCase();
  if ((SENTIMENT_LANGUAGES as readonly string[]).includes(lang)) return lang as SentimentLanguage;
  throw new UserError(ErrorCode.UNKNOWN_LANGUAGE, `no sentiment model for language ${JSON.stringify(language)}; expected one of ${SENTIMENT_LANGUAGES.join(', ')} (or none, to detect it)`, {
    supported: [...SENTIMENT_LANGUAGES],
  });
}
