/**
 * The labelled data behind the sentiment models, and its fixed held-out split, shared by the training
 * script (scripts/train-sentiment.ts) and bench W13 so both measure on the same held-out rows.
 *
 * - pt: Olist order reviews (title + message), star score 1–2 → negative, 4–5 → positive, 3 left out
 *   of training and of accuracy;
 * - zh: waimai_10k (label 1 positive, 0 negative);
 * - en: the UCI "Sentiment Labelled Sentences" (Amazon, IMDb, Yelp; 1,000 each) as shipped in the
 *   test fixtures of the npm package sentiment@5.0.2 (MIT); read at training time only.
 *
 * Held out: 20 % of each class, chosen by the SHA-256 of the row's id (review_id; row number for
 * waimai; file + index for English), so the split never depends on the order of training or on a seed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { SentimentLanguage } from '../src/modules/sentiment/sentiment.features.ts';

export interface LabelledText {
  id: string;
  text: string;
  /** 1 positive, 0 negative; null for a 3-star Olist review (neither). */
  label: 0 | 1 | null;
  /** Olist only: the reviewer's stars. */
  stars?: number;
}

export const HELD_OUT_FRACTION = 0.2;

/** The shared datasets folder: ../shared/datasets from the repository, or the first one found above the working directory. */
export function findDatasets(explicit?: string): string | null {
  if (explicit) return explicit;
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'datasets');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

export function olistReviews(dir: string): LabelledText[] {
  const rows = parse(readFileSync(path.join(dir, 'olist_sample_order_reviews_dataset.csv')), { columns: true, skip_empty_lines: true, relax_quotes: true }) as Record<string, string>[];
  const out: LabelledText[] = [];
  for (const r of rows) {
    const text = olistText(r.review_comment_title ?? '', r.review_comment_message ?? '');
    if (!text) continue;
    const stars = Number(r.review_score);
    out.push({ id: r.review_id!, text, stars, label: stars <= 2 ? 0 : stars >= 4 ? 1 : null });
  }
  return out;
}

/** Title and message as one text, the way ingestion reads an Olist review (title first). */
export const olistText = (title: string, message: string) => [title.trim(), message.trim()].filter(Boolean).join('. ');

export function waimaiReviews(dir: string): LabelledText[] {
  const rows = parse(readFileSync(path.join(dir, 'waimai_10k_reviews.csv')), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows.map((r, i) => ({ id: `waimai:${i + 1}`, text: r.review!.trim(), label: r.label === '1' ? 1 : 0 }));
}

/** The English sets from an unpacked sentiment@5.0.2 (its package/ folder). */
export function englishSentences(packageDir: string): LabelledText[] {
  return ['amazon', 'imdb', 'yelp'].flatMap((name) => {
    const rows = JSON.parse(readFileSync(path.join(packageDir, 'test', 'fixtures', `${name}.json`), 'utf8')) as { text: string; class: number }[];
    return rows.map((r, i) => ({ id: `${name}:${i}`, text: r.text.trim(), label: (r.class === 1 ? 1 : 0) as 0 | 1 }));
  });
}

const rank = (id: string) => createHash('sha256').update(id).digest('hex');

/**
 * Stratified fixed split: within each label (0, 1, and the unlabelled 3-star rows), the rows whose id
 * hashes lowest — HELD_OUT_FRACTION of them, rounded — are held out.
 */
export function split(rows: LabelledText[]): { train: LabelledText[]; test: LabelledText[] } {
  const test = new Set<string>();
  for (const label of [0, 1, null]) {
    const group = rows.filter((r) => r.label === label).map((r) => ({ r, h: rank(r.id) }));
    group.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
    for (const { r } of group.slice(0, Math.round(group.length * HELD_OUT_FRACTION))) test.add(r.id);
  }
  return { train: rows.filter((r) => !test.has(r.id)), test: rows.filter((r) => test.has(r.id)) };
}

export const languages: readonly SentimentLanguage[] = ['pt', 'zh', 'en'];
