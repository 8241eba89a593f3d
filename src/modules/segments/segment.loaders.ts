import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { segmentStore, type SegmentFull } from './segment.repository.ts';

export function createSegmentByIdLoader(db: Db) {
  return new DataLoader<string, SegmentFull | null>(async (ids) => {
    const byId = new Map((await segmentStore.findMany(db, ids)).map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
