import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { sentimentRepository } from './sentiment.repository.ts';
import type { CustomerSentiment } from './sentiment.types.ts';
import type { SentimentLabel } from './sentiment.model.ts';

const NONE: CustomerSentiment = { scoredCount: 0, average: null, negativeCount: 0, neutralCount: 0, positiveCount: 0, last: null };

/** A page of profiles reads its sentiment aggregates in one statement. */
export function createSentimentByCustomerIdLoader(db: Db) {
  return new DataLoader<string, CustomerSentiment>(async (ids) => {
    const rows = new Map((await sentimentRepository.ofCustomers(db, ids)).map((r) => [r.customerId, r]));
    return ids.map((id) => {
      const r = rows.get(id);
      if (!r) return NONE;
      return {
        scoredCount: r.scoredCount,
        average: Number(r.average),
        negativeCount: r.negativeCount,
        neutralCount: r.neutralCount,
        positiveCount: r.positiveCount,
        last: { label: r.lastLabel as SentimentLabel, score: Number(r.lastScore), at: r.lastAt, touchpointId: r.lastTouchpointId },
      } as CustomerSentiment;
    });
  });
}
