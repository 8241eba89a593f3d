/**
 * Every part of a profile that the field resolvers of one request ask for — identities, tags,
 * segments, channel counts and journey pages, for one customer or a page of them — in a single
 * statement: each part is its module's own SQL fragment aggregated to JSON in a scalar subquery. A
 * profile read then costs two statements (the customer, then its parts) instead of one per field,
 * and the round trips were most of the server's time on that path (issue 16).
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { identityQueries, type IdentityRecord } from '../identities/identity.queries.ts';
import { membershipQueries, type SegmentRecord } from '../segments/membership.queries.ts';
import { tagQueries, type TagRecord } from '../tags/tag.queries.ts';
import { touchpointQueries, type ChannelCount, type JourneyQuery, type JourneyRow } from '../touchpoints/touchpoint.queries.ts';

const { identitiesOfCustomersSql, identityFromJson } = identityQueries;
const { segmentsOfCustomersSql, segmentFromJson } = membershipQueries;
const { tagsOfCustomersSql } = tagQueries;
const { channelCountsSql, journeyPageSql, journeyRowOf } = touchpointQueries;

export interface JourneyPageRequest {
  q: JourneyQuery;
  take: number;
  after: { occurredAt: Date; id: string } | null;
}

export interface ProfilePartsQuery {
  identities: string[];
  tags: string[];
  segments: string[];
  channelCounts: string[];
  journeys: JourneyPageRequest[];
}

export interface ProfileParts {
  identities: IdentityRecord[];
  tags: (TagRecord & { customerId: string })[];
  segments: (SegmentRecord & { customerId: string })[];
  channelCounts: (ChannelCount & { customerId: string })[];
  journeys: JourneyRow[][];
}

/** The rows of a fragment as one JSON array, in the fragment's own order (it sorts; nothing is joined above it). */
const aggregated = (fragment: Prisma.Sql) => Prisma.sql`(SELECT COALESCE(json_agg(x), '[]'::json) FROM (${fragment}) x)`;
const none = Prisma.sql`'[]'::json`;
const part = (ids: string[], fragment: (ids: string[]) => Prisma.Sql) => (ids.length > 0 ? aggregated(fragment(ids)) : none);

/** Drivers hand json columns over parsed (pg) or as text; accept both. */
function rowsOf<T>(value: unknown): T[] {
  return (typeof value === 'string' ? JSON.parse(value) : (value ?? [])) as T[];
}

export const profilePartsRepository = {
  async load(db: Db, q: ProfilePartsQuery): Promise<ProfileParts> {
    const columns = [
      Prisma.sql`${part(q.identities, identitiesOfCustomersSql)} AS identities`,
      Prisma.sql`${part(q.tags, tagsOfCustomersSql)} AS tags`,
      Prisma.sql`${part(q.segments, segmentsOfCustomersSql)} AS segments`,
      Prisma.sql`${part(q.channelCounts, channelCountsSql)} AS "channelCounts"`,
      ...q.journeys.map((j, i) => Prisma.sql`${aggregated(journeyPageSql(j.q, j.take, j.after))} AS ${Prisma.raw(`j${i}`)}`),
    ];
    const [row] = await db.$queryRaw<Record<string, unknown>[]>`SELECT ${Prisma.join(columns)}`;
    return {
      identities: rowsOf<Parameters<typeof identityFromJson>[0]>(row!.identities).map(identityFromJson),
      tags: rowsOf(row!.tags),
      segments: rowsOf<Parameters<typeof segmentFromJson>[0] & { customerId: string }>(row!.segments).map(segmentFromJson),
      channelCounts: rowsOf(row!.channelCounts),
      journeys: q.journeys.map((_, i) => rowsOf<Parameters<typeof journeyRowOf>[0]>(row![`j${i}`]).map(journeyRowOf)),
    };
  },
};
