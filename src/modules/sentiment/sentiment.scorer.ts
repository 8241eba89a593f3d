/**
 * The models in memory, read once from models/ at start-up (nothing is fetched at run time), and the
 * two ways text reaches them: texts given directly (the `sentiment` query) and the free text of a
 * touchpoint (the ingestion step).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SENTIMENT_LANGUAGES, type SentimentLanguage } from './sentiment.features.ts';
import { detectLanguage } from './sentiment.language.ts';
import { SentimentModel, type SentimentLabel, type SentimentModelFile } from './sentiment.model.ts';
import { PROJECT_ROOT } from '../../lib/project-root.ts';

/** Longest text scored, in characters (UTF-16 code units); the query refuses longer, ingestion scores the start. */
export const MAX_SENTIMENT_TEXT_LENGTH = 5_000;

export const DEFAULT_MODELS_DIR = path.join(PROJECT_ROOT, 'models');

export interface ScoredText {
  label: SentimentLabel;
  score: number;
  language: SentimentLanguage;
}

const loaded = new Map<string, SentimentScorer>();

export class SentimentScorer {
  constructor(private readonly models: ReadonlyMap<SentimentLanguage, SentimentModel>) {}

  /**
   * Reads the models once per directory and process: they are read-only, and building their weight
   * maps took half a second of CPU, paid again by every server a process starts (the test suite
   * starts hundreds).
   */
  static load(dir: string = DEFAULT_MODELS_DIR): SentimentScorer {
    let scorer = loaded.get(dir);
    if (!scorer) loaded.set(dir, (scorer = SentimentScorer.read(dir)));
    return scorer;
  }

  private static read(dir: string): SentimentScorer {
    const models = new Map<SentimentLanguage, SentimentModel>();
    for (const lang of SENTIMENT_LANGUAGES) {
      const file = JSON.parse(readFileSync(path.join(dir, `sentiment-${lang}.json`), 'utf8')) as SentimentModelFile;
      if (file.language !== lang) throw new Error(`models/sentiment-${lang}.json holds a ${file.language} model`);
      models.set(lang, new SentimentModel(file));
    }
    return new SentimentScorer(models);
  }

  /** `language` null: detected (fallback when detection cannot tell). */
  score(text: string, language: SentimentLanguage | null, fallback: SentimentLanguage = 'en'): ScoredText {
    const lang = language ?? detectLanguage(text, fallback);
    const { label, score } = this.models.get(lang)!.score(text.slice(0, MAX_SENTIMENT_TEXT_LENGTH));
    return { label, score, language: lang };
  }
}

/**
 * The free text of a touchpoint: the non-empty string values of `keys` in its properties, in the order
 * of `keys`, joined with ". " (so an Olist title and message read as one review); null when none.
 */
export function touchpointText(properties: Record<string, unknown>, keys: readonly string[]): string | null {
  const parts: string[] = [];
  for (const key of keys) {
    const v = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (typeof v === 'string' && v.trim() !== '') parts.push(v.trim());
  }
  return parts.length ? parts.join('. ') : null;
}

/** A Segment `context.locale` ("pt-BR", "zh_CN", "en") names the language when it is one we score. */
export function localeLanguage(context: Record<string, unknown>): SentimentLanguage | null {
  const locale = context.locale;
  if (typeof locale !== 'string') return null;
  const m = /^(pt|zh|en)(?:[-_]|$)/i.exec(locale.trim());
  return m ? (m[1]!.toLowerCase() as SentimentLanguage) : null;
}
