/**
 * Alerts in SQL. Both checks are one INSERT ... SELECT ... ON CONFLICT (key) DO NOTHING RETURNING:
 * the condition is computed in the database, only alerts that are new come back, and several server
 * processes checking at once cannot raise the same key twice.
 *
 * Data size: churn reads the pending rows of churn_last_event (partial index) and the merged sets of
 * their people, so a check costs what changed since the last one, not all history; anomalies read the last 169 hours of touchpoints (index touchpoint(occurred_at)) into at most
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
   * Customers (merge winners) who had `event` at least once (up to now), but not since
   * `now - silenceDays`. The key holds the time of the last event, so one silence is raised once, and
   * a customer who comes back and goes silent again is raised again.
   *
   * Incremental: it reads churn_last_event, not touchpoints. Candidates are the pending rows below the
   * cutoff (partial index range scan) plus pending rows dated after now (an event sent with a future
   * time; a person with one is looked at every check until it comes due). Each candidate's person is
   * judged on the latest event up to now over every customer of their merged set (for a row dated
   * after now, the latest up to now is read from that customer's touchpoints: the only touchpoint
   * read, and only for those rows). The rows below the cutoff are then cleared, unless they changed
   * while the check ran (marks/last_at moved on).
   *
   * Invalidation (what makes a row pending again): a stored event of its customer (recordChurnEvents),
   * and any write that may change its merged set (markChurnPending, from the change hooks of merges,
   * unmerges, upserts, touchpoint batches and erasure). A person whose last event is below the cutoff
   * always has a pending row below it until looked at, so each silence is raised at the first check
   * after it starts, as the full scan did.
   */
  async raiseChurn(db: Db, opts: { now: Date; event: string; silenceDays: number }): Promise<AlertRecord[]> {
    const cutoff = new Date(opts.now.getTime() - opts.silenceDays * 86_400_000);
    const rows = await db.$queryRaw<Row[]>`
      WITH cand AS (
        SELECT customer_id, last_at, marks FROM churn_last_event
        WHERE pending AND event = ${opts.event} AND (last_at < ${cutoff}::timestamptz OR last_at > ${opts.now}::timestamptz)
      ),
      persons AS (
        SELECT DISTINCT COALESCE(c.merged_into_id, c.id) AS person FROM cand JOIN customer c ON c.id = cand.customer_id
      ),
      members AS (
        SELECT p.person, p.person AS id FROM persons p
        UNION ALL
        SELECT p.person, m.id FROM persons p JOIN customer m ON m.merged_into_id = p.person
      ),
      lasts AS (
        SELECT mb.person,
               max(CASE WHEN l.last_at <= ${opts.now}::timestamptz THEN l.last_at
                        ELSE (SELECT max(t.occurred_at) FROM touchpoint t
                              WHERE t.customer_id = l.customer_id AND t.event = ${opts.event} AND t.occurred_at <= ${opts.now}::timestamptz) END) AS last_at
        FROM members mb JOIN churn_last_event l ON l.customer_id = mb.id AND l.event = ${opts.event}
        GROUP BY mb.person
      ),
      cleared AS (
        UPDATE churn_last_event l SET pending = false
        FROM cand
        WHERE l.customer_id = cand.customer_id AND l.event = ${opts.event} AND l.pending
          AND cand.last_at < ${cutoff}::timestamptz AND l.last_at = cand.last_at AND l.marks = cand.marks
      )
      INSERT INTO alert (id, kind, key, customer_id, channel, details, raised_at)
      SELECT gen_random_uuid(), 'CHURN_RISK'::"AlertKind", 'CHURN_RISK:' || s.person::text || ':' || ${iso(Prisma.sql`s.last_at`)},
             s.person, NULL,
             jsonb_build_object('event', ${opts.event}::text, 'lastEventAt', ${iso(Prisma.sql`s.last_at`)},
                                'silenceDays', ${opts.silenceDays}::float8,
                                'daysSilent', round((extract(epoch FROM ${opts.now}::timestamptz - s.last_at) / 86400)::numeric, 3)::float8),
             ${opts.now}::timestamptz
      FROM lasts s
      WHERE s.last_at < ${cutoff}::timestamptz
      ORDER BY s.last_at, s.person
      ON CONFLICT (key) DO NOTHING
      ${RETURNING}`;
    return rows.map(toRecord);
  },

  /**
   * The stored events of the churn event, by the customer they were stored under: keeps the latest
   * time per customer and marks the row pending. Commutes with itself and with rebuildChurnEvents.
   */
  async recordChurnEvents(tx: Db, event: string, stored: readonly { customerId: string; occurredAt: Date | string }[]): Promise<void> {
    if (stored.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO churn_last_event AS l (customer_id, event, last_at, pending, marks)
      SELECT s.customer_id, ${event}, max(s.at), true, 0
      FROM unnest(${stored.map((r) => r.customerId)}::uuid[], ${stored.map((r) => new Date(r.occurredAt).toISOString())}::timestamptz[]) AS s(customer_id, at)
      GROUP BY s.customer_id
      ORDER BY s.customer_id
      ON CONFLICT (customer_id, event) DO UPDATE SET last_at = GREATEST(l.last_at, EXCLUDED.last_at), pending = true, marks = l.marks + 1`;
  },

  /**
   * Marks pending the rows of every customer in the merged sets of these customers' persons (their
   * person's answer may have changed: a merge adds rows to it, an unmerge takes some away).
   * Always bumps marks, so a check running at the same time does not clear the mark it did not see.
   */
  async markChurnPending(tx: Db, event: string, customerIds: readonly string[]): Promise<void> {
    if (customerIds.length === 0) return;
    await tx.$executeRaw`
      WITH persons AS (
        SELECT DISTINCT COALESCE(c.merged_into_id, c.id) AS person FROM customer c WHERE c.id = ANY(${[...customerIds]}::uuid[])
      ),
      members AS (
        SELECT person AS id FROM persons
        UNION SELECT m.id FROM persons p JOIN customer m ON m.merged_into_id = p.person
        UNION SELECT unnest(${[...customerIds]}::uuid[])
      )
      UPDATE churn_last_event l SET pending = true, marks = l.marks + 1
      FROM members WHERE l.customer_id = members.id AND l.event = ${event}`;
  },

  /** The event churn_last_event currently holds, or null before it was ever built. */
  async churnTrackedEvent(db: Db): Promise<string | null> {
    const rows = await db.$queryRaw<{ event: string }[]>`SELECT event FROM churn_tracking LIMIT 1`;
    return rows[0]?.event ?? null;
  },

  /**
   * Rebuilds churn_last_event for `event` from touchpoints (one pass over touchpoint(event,
   * occurred_at)), every row pending, and records that it holds `event`. Merged with GREATEST, so
   * events stored by the hooks meanwhile are kept.
   */
  async rebuildChurnEvents(tx: Db, event: string, at: Date): Promise<void> {
    await tx.$executeRaw`DELETE FROM churn_last_event WHERE event <> ${event}`;
    await tx.$executeRaw`
      INSERT INTO churn_last_event AS l (customer_id, event, last_at, pending, marks)
      SELECT customer_id, event, max(occurred_at), true, 0 FROM touchpoint WHERE event = ${event} GROUP BY 1, 2
      ON CONFLICT (customer_id, event) DO UPDATE SET last_at = GREATEST(l.last_at, EXCLUDED.last_at), pending = true, marks = l.marks + 1`;
    await tx.$executeRaw`DELETE FROM churn_tracking WHERE event <> ${event}`;
    await tx.$executeRaw`
      INSERT INTO churn_tracking (event, built_at) VALUES (${event}, ${at}::timestamptz)
      ON CONFLICT (event) DO UPDATE SET built_at = EXCLUDED.built_at`;
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

  /** One alert with its own key (no customer, no channel); null when the key exists. */
  async insertOne(db: Db, a: { kind: AlertKind; key: string; details: Record<string, unknown>; raisedAt: Date }): Promise<AlertRecord | null> {
    const rows = await db.$queryRaw<Row[]>`
      INSERT INTO alert (id, kind, key, customer_id, channel, details, raised_at)
      VALUES (gen_random_uuid(), ${a.kind}::"AlertKind", ${a.key}, NULL, NULL, ${JSON.stringify(a.details)}::jsonb, ${a.raisedAt}::timestamptz)
      ON CONFLICT (key) DO NOTHING
      ${RETURNING}`;
    return rows[0] ? toRecord(rows[0]) : null;
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
