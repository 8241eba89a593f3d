/**
 * Alerts in SQL. Both checks are one INSERT ... SELECT ... ON CONFLICT (key) DO NOTHING RETURNING:
 * the condition is computed in the database, only alerts that are new come back, and several server
 * processes checking at once cannot raise the same key twice.
 *
 * Data size: churn groups the touchpoints of one event by person (index touchpoint(event, occurred_at));
 * anomalies read the last 169 hours of touchpoints (index touchpoint(occurred_at)) into at most
 * 13 channels × 169 hourly counts.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { AlertKind } from '../../generated/prisma/enums.ts';
import type { AlertRecord } from './alert.types.ts';

export const HOUR_MS = 3_600_000;
/** Baseline length: the 7 × 24 hours before the hour checked. */
export const BASELINE_HOURS = 24 * 7;
/** Least standard deviation used in z (events per hour), so a perfectly flat baseline does not turn ±1 into infinity. */
export const ANOMALY_STD_FLOOR = 1;

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (col: Prisma.Sql) => Prisma.sql`to_char(${col} AT TIME ZONE 'UTC', ${Prisma.raw(ISO)})`;

const RETURNING = Prisma.sql`
  RETURNING id::text AS id, kind::text AS kind, key, customer_id::text AS "customerId", channel::text AS channel, details, raised_at AS "raisedAt"`;

type Row = Omit<AlertRecord, 'details'> & { details: unknown };
const toRecord = (r: Row): AlertRecord => ({
  ...r,
  details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>,
  raisedAt: new Date(r.raisedAt),
});

export const alertRepository = {
  /**
   * Customers (merge winners) who had `event` at least once, but not since `now - silenceDays`. The key
   * holds the time of the last event, so one silence is raised once, and a customer who comes back
   * and goes silent again is raised again.
   */
  async raiseChurn(db: Db, opts: { now: Date; event: string; silenceDays: number }): Promise<AlertRecord[]> {
    const cutoff = new Date(opts.now.getTime() - opts.silenceDays * 86_400_000);
    const rows = await db.$queryRaw<Row[]>`
      INSERT INTO alert (id, kind, key, customer_id, channel, details, raised_at)
      SELECT gen_random_uuid(), 'CHURN_RISK'::"AlertKind", 'CHURN_RISK:' || s.person::text || ':' || ${iso(Prisma.sql`s.last_at`)},
             s.person, NULL,
             jsonb_build_object('event', ${opts.event}::text, 'lastEventAt', ${iso(Prisma.sql`s.last_at`)},
                                'silenceDays', ${opts.silenceDays}::float8,
                                'daysSilent', round((extract(epoch FROM ${opts.now}::timestamptz - s.last_at) / 86400)::numeric, 3)::float8),
             ${opts.now}::timestamptz
      FROM (
        SELECT COALESCE(c.merged_into_id, c.id) AS person, max(t.occurred_at) AS last_at
        FROM touchpoint t JOIN customer c ON c.id = t.customer_id
        WHERE t.event = ${opts.event} AND t.occurred_at <= ${opts.now}::timestamptz
        GROUP BY 1
      ) s
      WHERE s.last_at < ${cutoff}::timestamptz
      ORDER BY s.last_at, s.person
      ON CONFLICT (key) DO NOTHING
      ${RETURNING}`;
    return rows.map(toRecord);
  },

  /**
   * Events per channel in the hour starting at `hour`, against the same channel's hourly counts over
   * the BASELINE_HOURS before it. A channel's baseline starts at its first hour with events inside
   * the window (hours before a channel existed are not zeros); later hours without events count as 0.
   * z = (count − mean) / max(stddev_pop, ANOMALY_STD_FLOOR); raised when |z| ≥ threshold and the
   * baseline has at least `minHours` hours with events.
   */
  async raiseAnomalies(db: Db, opts: { now: Date; hour: Date; threshold: number; minHours: number }): Promise<AlertRecord[]> {
    const hour = opts.hour;
    const baseStart = new Date(hour.getTime() - BASELINE_HOURS * HOUR_MS);
    const lastBaseHour = new Date(hour.getTime() - HOUR_MS);
    const hourEnd = new Date(hour.getTime() + HOUR_MS);
    const rows = await db.$queryRaw<Row[]>`
      WITH counts AS (
        SELECT channel, to_timestamp((floor(extract(epoch FROM occurred_at) / 3600) * 3600)::float8) AS h, count(*)::int AS n
        FROM touchpoint
        WHERE occurred_at >= ${baseStart}::timestamptz AND occurred_at < ${hourEnd}::timestamptz
        GROUP BY 1, 2
      ),
      channels AS (SELECT channel, min(h) AS first_h FROM counts WHERE h < ${hour}::timestamptz GROUP BY channel),
      grid AS (
        SELECT ch.channel, g.h, COALESCE(c.n, 0) AS n
        FROM channels ch
        CROSS JOIN generate_series(${baseStart}::timestamptz, ${lastBaseHour}::timestamptz, interval '1 hour') AS g(h)
        LEFT JOIN counts c ON c.channel = ch.channel AND c.h = g.h
        WHERE g.h >= ch.first_h
      ),
      stats AS (
        SELECT channel, count(*)::int AS hours, count(*) FILTER (WHERE n > 0)::int AS active, avg(n)::float8 AS mean, stddev_pop(n)::float8 AS std
        FROM grid GROUP BY channel
      ),
      scored AS (
        SELECT s.*, COALESCE(c.n, 0) AS n, (COALESCE(c.n, 0) - s.mean) / greatest(s.std, ${ANOMALY_STD_FLOOR}::float8) AS z
        FROM stats s LEFT JOIN counts c ON c.channel = s.channel AND c.h = ${hour}::timestamptz
        WHERE s.active >= ${opts.minHours}::int
      )
      INSERT INTO alert (id, kind, key, customer_id, channel, details, raised_at)
      SELECT gen_random_uuid(), 'ANOMALY'::"AlertKind", 'ANOMALY:' || channel::text || ':' || ${hour.toISOString()}::text, NULL, channel,
             jsonb_build_object('hour', ${hour.toISOString()}::text, 'count', n, 'mean', mean, 'std', std, 'z', z,
                                'threshold', ${opts.threshold}::float8, 'baselineHours', hours, 'activeHours', active),
             ${opts.now}::timestamptz
      FROM scored
      WHERE abs(z) >= ${opts.threshold}::float8
      ORDER BY channel
      ON CONFLICT (key) DO NOTHING
      ${RETURNING}`;
    return rows.map(toRecord);
  },

  async page(db: Db, opts: { kind: AlertKind | null; take: number; after: { raisedAt: Date; id: string } | null }): Promise<AlertRecord[]> {
    const rows = await db.alert.findMany({
      where: {
        ...(opts.kind ? { kind: opts.kind } : {}),
        ...(opts.after
          ? { OR: [{ raisedAt: { lt: opts.after.raisedAt } }, { raisedAt: opts.after.raisedAt, id: { lt: opts.after.id } }] }
          : {}),
      },
      orderBy: [{ raisedAt: 'desc' }, { id: 'desc' }],
      take: opts.take,
    });
    return rows as AlertRecord[];
  },

  count(db: Db, kind: AlertKind | null): Promise<number> {
    return db.alert.count({ where: kind ? { kind } : {} });
  },
};
