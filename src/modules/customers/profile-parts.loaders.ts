/**
 * One DataLoader for all the parts of profiles a request reads (identities, tags, segments, channel
 * counts, journey pages): whatever the field resolvers ask for in the same tick goes out as one
 * statement (profile-parts.repository.ts), for one customer or a page of them.
 */
import DataLoader from 'dataloader';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../lib/group-by.ts';
import type { IdentityRecord } from '../identities/identity.queries.ts';
import type { SegmentRecord } from '../segments/membership.queries.ts';
import type { TagRecord } from '../tags/tag.queries.ts';
import type { ChannelCount, JourneyRow } from '../touchpoints/touchpoint.queries.ts';
import { profilePartsRepository, type JourneyPageRequest, type ProfilePartsQuery } from './profile-parts.repository.ts';

type ByCustomer = 'identities' | 'tags' | 'segments' | 'channelCounts';
type PartRequest = { part: ByCustomer; customerId: string } | ({ part: 'journey' } & JourneyPageRequest);

const keyOf = (r: PartRequest) => (r.part === 'journey' ? JSON.stringify([r.part, r.q, r.take, r.after]) : `${r.part}:${r.customerId}`);

export function createProfilePartsLoader(db: Db) {
  const loader = new DataLoader<PartRequest, unknown, string>(
    async (requests) => {
      const q: ProfilePartsQuery = { identities: [], tags: [], segments: [], channelCounts: [], journeys: [] };
      const journeyIndex = new Map<PartRequest, number>();
      for (const r of requests) {
        if (r.part === 'journey') {
          journeyIndex.set(r, q.journeys.length);
          q.journeys.push({ q: r.q, take: r.take, after: r.after });
        } else q[r.part].push(r.customerId);
      }
      const parts = await profilePartsRepository.load(db, q);
      const grouped = {
        identities: groupBy(parts.identities, (x) => x.customerId),
        tags: groupBy(parts.tags, (x) => x.customerId),
        segments: groupBy(parts.segments, (x) => x.customerId),
        channelCounts: groupBy(parts.channelCounts, (x) => x.customerId),
      };
      return requests.map((r) => (r.part === 'journey' ? parts.journeys[journeyIndex.get(r)!]! : (grouped[r.part].get(r.customerId) ?? [])));
    },
    { cacheKeyFn: keyOf },
  );
  return {
    identities: (customerId: string) => loader.load({ part: 'identities', customerId }) as Promise<IdentityRecord[]>,
    tags: (customerId: string) => loader.load({ part: 'tags', customerId }) as Promise<(TagRecord & { customerId: string })[]>,
    segments: (customerId: string) => loader.load({ part: 'segments', customerId }) as Promise<(SegmentRecord & { customerId: string })[]>,
    channelCounts: async (customerId: string): Promise<ChannelCount[]> =>
      ((await loader.load({ part: 'channelCounts', customerId })) as (ChannelCount & { customerId: string })[]).map(({ channel, count }) => ({ channel, count })),
    journeyPage: (q: JourneyPageRequest['q'], take: number, after: JourneyPageRequest['after']) =>
      loader.load({ part: 'journey', q, take, after }) as Promise<JourneyRow[]>,
  };
}
export type ProfilePartsLoader = ReturnType<typeof createProfilePartsLoader>;
