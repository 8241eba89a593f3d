/** A customer's journey sessions (the SQL is in journey.sql.ts; pages are read by the profile loader). */
import type { Db } from '../../db/client.ts';
import type { Channel } from '../../generated/prisma/enums.ts';
import { sessionized, type JourneyQuery, type JourneyRow } from './journey.sql.ts';

export type { JourneyQuery, JourneyRow };

export const journeyRepository = {
  async summary(db: Db, q: JourneyQuery) {
    const sessions = await db.$queryRaw<{ session: number; startedAt: Date; endedAt: Date; touchpointCount: number; channels: Channel[]; switches: number }[]>`
      ${sessionized(q)}
      SELECT session_no::int AS session, min(occurred_at) AS "startedAt", max(occurred_at) AS "endedAt", count(*)::int AS "touchpointCount",
             array_agg(DISTINCT channel::text ORDER BY channel::text) AS channels,
             (count(*) FILTER (WHERE prev_channel IS NOT NULL AND prev_channel <> channel))::int AS switches
      FROM filtered GROUP BY session_no ORDER BY session_no LIMIT 1000`;
    return sessions;
  },
};
