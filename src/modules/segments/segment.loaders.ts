import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { membershipRepository } from './membership.repository.ts';
import { segmentStore, type SegmentFull } from './segment.repository.ts';
import type { SizeTrendRow } from './size-trend.sql.ts';

export function createSegmentByIdLoader(db: Db) {
  return new DataLoader<string, SegmentFull | null>(async (ids) => {
    const byId = new Map((await segmentStore.findMany(db, ids)).map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export type SizePoint = Omit<SizeTrendRow, 'segmentId'>;

/**
 * Keys are `<days>|<segment id>`: every segment's trend on a page (whatever its `days`) comes from one
 * statement. `now` is the services' clock, so "today" agrees with the dates changes are written with;
 * the retention tells which days may have lost changes to pruning.
 */
export function createSegmentSizeTrendLoader(db: Db, now: () => Date, outboxRetentionDays: number) {
  return new DataLoader<string, SizePoint[]>(async (keys) => {
    const requests = keys.map((k) => {
      const bar = k.indexOf('|');
      return { segmentId: k.slice(bar + 1), days: Number(k.slice(0, bar)) };
    });
    const byKey = new Map<string, SizePoint[]>();
    for (const r of await membershipRepository.sizeTrends(db, requests, now().toISOString().slice(0, 10), outboxRetentionDays)) {
      const key = `${r.days}|${r.segmentId}`;
      const points = byKey.get(key) ?? [];
      points.push({ day: r.day, size: r.size, complete: r.complete });
      byKey.set(key, points);
    }
    return keys.map((k) => byKey.get(k) ?? []);
  });
}
