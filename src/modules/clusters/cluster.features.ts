/**
 * The features clusterCustomers can use (docs/clusters.md defines each), turned from per-customer rows
 * into numeric columns, and the short description of a cluster read off its centre.
 */
import type { Channel } from '../../generated/prisma/enums.ts';
import type { Transform } from './cluster.math.ts';

export const CLUSTER_FEATURES = ['RECENCY', 'FREQUENCY', 'MONETARY', 'CHANNEL_MIX', 'TENURE', 'SENTIMENT'] as const;
export type ClusterFeature = (typeof CLUSTER_FEATURES)[number];

/** One customer's behaviour in the scope, as the repository reads it. */
export interface CustomerBehaviour {
  customerId: string;
  lastAt: Date;
  firstAt: Date;
  orders: number;
  monetary: number;
  /** Touchpoints in scope per channel. */
  channels: Partial<Record<Channel, number>>;
  /** Merged-set mean sentiment score; null when nothing was scored. */
  sentiment: number | null;
}

export interface Column {
  /** RECENCY, ..., or CHANNEL_MIX:<channel> for each channel share. */
  name: string;
  feature: ClusterFeature;
  transform: Transform;
  value: (b: CustomerBehaviour) => number;
}

const DAY = 86_400_000;

/** The numeric columns of the chosen features; CHANNEL_MIX gives one share column per channel seen in the population. */
export function columnsOf(features: readonly ClusterFeature[], rows: readonly CustomerBehaviour[], asOf: Date): Column[] {
  const cols: Column[] = [];
  for (const f of features) {
    switch (f) {
      case 'RECENCY':
        cols.push({ name: f, feature: f, transform: 'log1p', value: (b) => (+asOf - +b.lastAt) / DAY });
        break;
      case 'TENURE':
        cols.push({ name: f, feature: f, transform: 'log1p', value: (b) => (+asOf - +b.firstAt) / DAY });
        break;
      case 'FREQUENCY':
        cols.push({ name: f, feature: f, transform: 'log1p', value: (b) => b.orders });
        break;
      case 'MONETARY':
        cols.push({ name: f, feature: f, transform: 'log1p', value: (b) => b.monetary });
        break;
      case 'SENTIMENT':
        cols.push({ name: f, feature: f, transform: 'identity', value: (b) => b.sentiment ?? 0 });
        break;
      case 'CHANNEL_MIX': {
        const seen = [...new Set(rows.flatMap((r) => Object.keys(r.channels)))].sort() as Channel[];
        for (const ch of seen) {
          cols.push({ name: `CHANNEL_MIX:${ch}`, feature: f, transform: 'identity', value: (b) => share(b, ch) });
        }
        break;
      }
    }
  }
  return cols;
}

function share(b: CustomerBehaviour, ch: Channel): number {
  const total = Object.values(b.channels).reduce((s, n) => s + (n ?? 0), 0);
  return total === 0 ? 0 : (b.channels[ch] ?? 0) / total;
}

const CHANNEL_WORD: Partial<Record<Channel, string>> = { STORE_POS: 'store', MINI_PROGRAM: 'mini-program', CALL_CENTER: 'call-centre', SEARCH: 'search' };
const channelWord = (ch: string) => CHANNEL_WORD[ch as Channel] ?? ch.toLowerCase();

/** Words for a standardised centre coordinate above (+) or below (−) the average. */
const WORDS: Record<Exclude<ClusterFeature, 'CHANNEL_MIX'>, [string, string]> = {
  MONETARY: ['high spend', 'low spend'],
  FREQUENCY: ['frequent', 'infrequent'],
  RECENCY: ['lapsed', 'recent'],
  TENURE: ['long-standing', 'new'],
  SENTIMENT: ['positive', 'negative'],
};
/** A centre at least this many standard deviations from the mean is worth a word. */
const NOTABLE = 0.5;

/**
 * A few words for a cluster, strongest first (at most three): each feature whose standardised centre is
 * at least half a standard deviation from the mean, and "<channel>-first" when one channel has at least
 * half of the centre's channel mix. "average" when nothing stands out.
 */
export function describe(columns: readonly Column[], scaled: readonly number[], original: readonly number[]): string {
  const words: { w: string; strength: number }[] = [];
  columns.forEach((c, j) => {
    if (c.feature === 'CHANNEL_MIX') return;
    const z = scaled[j]!;
    if (Math.abs(z) >= NOTABLE) words.push({ w: WORDS[c.feature][z > 0 ? 0 : 1], strength: Math.abs(z) });
  });
  const mix = columns.map((c, j) => ({ c, v: original[j]! })).filter((x) => x.c.feature === 'CHANNEL_MIX');
  const top = mix.reduce<{ c: Column; v: number } | null>((a, b) => (a === null || b.v > a.v ? b : a), null);
  if (top && top.v >= 0.5 && mix.length > 1) words.push({ w: `${channelWord(top.c.name.slice('CHANNEL_MIX:'.length))}-first`, strength: 1 });
  words.sort((a, b) => b.strength - a.strength);
  return words.length ? words.slice(0, 3).map((x) => x.w).join(', ') : 'average';
}
