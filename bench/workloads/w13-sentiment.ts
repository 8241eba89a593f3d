/**
 * W13 sentiment: accuracy on the held-out reviews and scoring speed on one core.
 *
 * Accuracy: the shipped models (models/sentiment-*.json, loaded as the server loads them) on the rows
 * scripts/sentiment-data.ts holds out of training: Olist reviews for pt (1–2 stars negative, 4–5
 * positive, 3 left out), waimai_10k for zh (the dataset's labels). A NEUTRAL answer counts as wrong.
 * Baseline: the majority class of the same rows. Needs ../shared/datasets (the training data).
 *
 * Speed: texts scored per second in this one Node thread (one core), over the same held-out texts
 * (pt and zh mixed, language detected as the ingestion step does), against a trivial baseline run on
 * the same texts in the same run: a lexicon lookup (lower-case, split into words or Han characters,
 * sum the weights of the 400 strongest single-word features of each model). Each timed for at least
 * SPEED_SEC, after a warm-up.
 */
import type { BenchContext } from '../lib/context.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { findDatasets, olistReviews, split, waimaiReviews, type LabelledText } from '../../scripts/sentiment-data.ts';
import { SentimentScorer } from '../../src/modules/sentiment/sentiment.scorer.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const SPEED_SEC = 3;
const LEXICON_WORDS = 400;

function accuracy(scorer: SentimentScorer, lang: 'pt' | 'zh', rows: LabelledText[]) {
  const labelled = rows.filter((r) => r.label !== null);
  let right = 0;
  for (const r of labelled) {
    const { label } = scorer.score(r.text, lang);
    if ((label === 'POSITIVE' && r.label === 1) || (label === 'NEGATIVE' && r.label === 0)) right++;
  }
  const positives = labelled.filter((r) => r.label === 1).length;
  return { n: labelled.length, accuracy: right / labelled.length, majority: Math.max(positives, labelled.length - positives) / labelled.length };
}

/** Texts per second of `fn` over `texts`, repeated until SPEED_SEC have passed. */
function throughput(texts: string[], fn: (t: string) => unknown): number {
  for (const t of texts.slice(0, 200)) fn(t);
  let n = 0;
  const t0 = performance.now();
  let sink = 0;
  while (performance.now() - t0 < SPEED_SEC * 1000) {
    for (const t of texts) if (fn(t)) sink++;
    n += texts.length;
  }
  if (sink < 0) throw new Error('unreachable');
  return n / ((performance.now() - t0) / 1000);
}

function lexicon(): Map<string, number> {
  const words = new Map<string, number>();
  for (const lang of ['pt', 'zh', 'en']) {
    const file = JSON.parse(readFileSync(path.resolve(import.meta.dirname, `../../models/sentiment-${lang}.json`), 'utf8')) as { weights: Record<string, number> };
    const single = Object.entries(file.weights).filter(([f]) => f.startsWith('w:') || f.startsWith('u:'));
    single.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
    for (const [f, w] of single.slice(0, LEXICON_WORDS)) words.set(f.slice(2), w);
  }
  return words;
}

export async function runW13(ctx: BenchContext): Promise<ResultRow[]> {
  const dir = findDatasets();
  if (!dir) throw new Error('W13 needs ../shared/datasets (olist_sample_order_reviews_dataset.csv, waimai_10k_reviews.csv)');
  const scorer = SentimentScorer.load();
  const pt = split(olistReviews(dir)).test;
  const zh = split(waimaiReviews(dir)).test;
  const rows: ResultRow[] = [];
  for (const [lang, test] of [['pt', pt], ['zh', zh]] as const) {
    const a = accuracy(scorer, lang, test);
    ctx.log(`W13 ${lang}: held-out accuracy ${a.accuracy.toFixed(4)} on ${a.n} (majority ${a.majority.toFixed(4)})`);
    rows.push(
      row({
        workload: 'W13',
        name: `sentiment accuracy, held-out ${lang === 'pt' ? 'Olist reviews (pt)' : 'waimai reviews (zh)'}, NEUTRAL counts as wrong`,
        figure: a.accuracy,
        unit: 'accuracy',
        baseline: { name: 'majority class', figure: a.majority },
        better: 'higher',
        details: { heldOut: a.n, target: lang === 'pt' ? 0.9 : 0.88 },
      }),
    );
  }

  const texts = [...pt, ...zh].map((r) => r.text);
  const words = lexicon();
  const han = /\p{Script=Han}/u;
  const lookup = (t: string) => {
    let s = 0;
    for (const w of t.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      if (han.test(w)) for (const ch of w) s += words.get(ch) ?? 0;
      else s += words.get(w) ?? 0;
    }
    return s;
  };
  const ours = throughput(texts, (t) => scorer.score(t, null));
  const base = throughput(texts, lookup);
  const meanChars = texts.reduce((s, t) => s + t.length, 0) / texts.length;
  ctx.log(`W13 speed: ${Math.round(ours)} texts/s vs lexicon ${Math.round(base)} texts/s (mean ${meanChars.toFixed(0)} characters)`);
  rows.push(
    row({
      workload: 'W13',
      name: `sentiment scoring on one core (language detection + features + model), ${texts.length} held-out pt/zh texts of ${meanChars.toFixed(0)} characters on average`,
      figure: ours,
      unit: 'texts/s',
      baseline: { name: 'lexicon lookup over the same texts', figure: base },
      better: 'higher',
      details: { target: 5000 },
    }),
  );
  return rows;
}
