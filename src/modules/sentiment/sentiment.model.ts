/**
 * A sentiment model: binary logistic regression over the features of sentiment.features.ts. The text's
 * features are present or not, each worth 1/√n where n is the number of distinct features the text
 * has (in the vocabulary or not, so pruning small weights never changes the others' values).
 *
 *   p(positive) = σ(bias + Σ weight[f] / √n),  score = 2p − 1 ∈ [−1, 1] (4 decimals)
 *   label = POSITIVE when score > neutralBand, NEGATIVE when score < −neutralBand, else NEUTRAL.
 *
 * Model files (models/sentiment-<lang>.json) are written by scripts/train-sentiment.ts.
 */
import { features, type FeatureSpec, type SentimentLanguage } from './sentiment.features.ts';

export type SentimentLabel = 'NEGATIVE' | 'NEUTRAL' | 'POSITIVE';

export interface SentimentModelFile {
  format: 'cdp-sentiment-logreg-1';
  language: SentimentLanguage;
  spec: FeatureSpec;
  /** |score| at or below it is NEUTRAL. */
  neutralBand: number;
  bias: number;
  weights: Record<string, number>;
  /** Where it came from and how it did on held-out data (informative; scripts/train-sentiment.ts). */
  trainedOn?: unknown;
}

export interface SentimentResult {
  label: SentimentLabel;
  score: number;
}

export class SentimentModel {
  readonly language: SentimentLanguage;
  private readonly weights: Map<string, number>;

  constructor(readonly file: SentimentModelFile) {
    if (file.format !== 'cdp-sentiment-logreg-1') throw new Error(`unknown sentiment model format ${String(file.format)}`);
    this.language = file.language;
    this.weights = new Map(Object.entries(file.weights));
  }

  /** The raw logit; the training script and the scorer share it. */
  logit(text: string): number {
    const fs = features(text, this.language, this.file.spec);
    if (fs.size === 0) return this.file.bias;
    let sum = 0;
    for (const f of fs) sum += this.weights.get(f) ?? 0;
    return this.file.bias + sum / Math.sqrt(fs.size);
  }

  score(text: string): SentimentResult {
    return toResult(this.logit(text), this.file.neutralBand);
  }
}

export function toResult(logit: number, neutralBand: number): SentimentResult {
  const p = 1 / (1 + Math.exp(-logit));
  const score = Math.round((2 * p - 1) * 10_000) / 10_000;
  const label: SentimentLabel = score > neutralBand ? 'POSITIVE' : score < -neutralBand ? 'NEGATIVE' : 'NEUTRAL';
  return { label, score };
}
