/**
 * What a session is, in one place: journeys number sessions with it and analytics counts them with it
 * (through touchpoint.queries.ts). A person's touchpoints, in touchpoint order (occurred_at, id), start
 * a new session at the first one and after every gap of more than `gapMinutes` (SESSION_TIMEOUT_MINUTES)
 * since the previous one. The touchpoint's session id is not read: journeys never did.
 */
import { Prisma } from '../../generated/prisma/client.ts';

/** True when a touchpoint at `at`, whose previous touchpoint was at `prevAt` (NULL: none), starts a session. */
export function startsSessionSql(at: Prisma.Sql, prevAt: Prisma.Sql, gapMinutes: number): Prisma.Sql {
  return Prisma.sql`(${prevAt} IS NULL OR ${at} - ${prevAt} > make_interval(mins => ${gapMinutes}::int))`;
}
