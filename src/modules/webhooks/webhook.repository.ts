/**
 * Webhook destinations, their queue and dead letters, and the reads delivery needs. Every state
 * change of an item is one statement that also moves the destination's counters, so a count is
 * never off from what happened to the items. A claim moves queue rows (taken with FOR UPDATE SKIP
 * LOCKED, so several processes never claim the same item) into one webhook_claim row per batch, under
 * a lease: sending writes nothing per item, and an acknowledgement deletes one row. A process that
 * dies mid-request leaves claims whose lease runs out; they are put back as they were (the attempt
 * counted) and sent again with the same idempotency keys (at least once). An acknowledgement counts
 * only under the token of the claim it answers.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { WebhookDestinationRecord, SegmentChangeRow, DeadLetterRecord, DestinationWrite } from './webhook.model.ts';

type Num = bigint | number | string | null;

/**
 * A claimed queue item: its id, key, attempt number, the claim (one per batch) it is sent under, and what
 * its JSON is made of: the touchpoint or alert it refers to (null when that is gone), or the payload
 * kept with it (a dead-lettered segment change).
 */
export interface ClaimedItem {
  id: string;
  itemKey: string;
  attempts: number;
  claim: string;
  kind: string;
  payload: string | null;
  ref: ClaimedRef | null;
}

/** A touchpoint or alert as the item's `data`, written as JSON by the database; `at` is its time, `kind` an alert's kind. */
export interface ClaimedRef {
  at: string;
  kind: string | null;
  data: string;
}

/** A row of the claim statement: a claimed item, or a touchpoint or alert that items refer to. */
interface ClaimRow {
  rk: 'item' | 'ref';
  id: string;
  itemKey: string | null;
  attempts: number | null;
  claim: string | null;
  kind: string | null;
  payload: string | null;
  refId: string | null;
  at: string | null;
  data: string | null;
}

/** A timestamp as ISO-8601 UTC with milliseconds, as JSON.stringify writes a Date. */
const iso = (col: Prisma.Sql) => Prisma.sql`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const n = (v: Num): number => (v == null ? 0 : Number(v));

type DestRow = Omit<WebhookDestinationRecord, 'segmentCursor' | 'delivered' | 'retried' | 'failed' | 'deadLettered' | 'latencyMsSum' | 'requests'> & {
  segmentCursor: Num;
  delivered: Num;
  retried: Num;
  failed: Num;
  deadLettered: Num;
  latencyMsSum: Num;
  requests: Num;
};

const toDestination = (r: DestRow): WebhookDestinationRecord => ({
  ...r,
  events: r.events ?? [],
  segmentIds: r.segmentIds ?? [],
  alertKinds: r.alertKinds ?? [],
  eventNames: r.eventNames ?? [],
  channels: r.channels ?? [],
  segmentCursor: BigInt(r.segmentCursor ?? 0),
  delivered: n(r.delivered),
  retried: n(r.retried),
  failed: n(r.failed),
  deadLettered: n(r.deadLettered),
  latencyMsSum: n(r.latencyMsSum),
  requests: n(r.requests),
});

/** Outcome of one request, as it moves the destination's counters. */
export interface AttemptTally {
  delivered: number;
  retried: number;
  failed: number;
  dead: number;
  latencyMs: number;
  error: string | null;
}

/**
 * The counter updates of one request, or of `requests` requests whose latencies add up to `latencyMs`
 * (the longest `latencyMsMax`); `delivered` may be a SQL count of what the same statement acknowledged.
 */
const tallySet = (t: Omit<AttemptTally, 'delivered'> & { delivered: number | Prisma.Sql; requests?: number; latencyMsMax?: number }, now: Date) => {
  const delivered = typeof t.delivered === 'number' ? Prisma.sql`${t.delivered}::int` : t.delivered;
  return Prisma.sql`
  delivered = d.delivered + ${delivered},
  retried = d.retried + ${t.retried}::int,
  failed = d.failed + ${t.failed}::int,
  dead_lettered = d.dead_lettered + ${t.dead}::int,
  requests = d.requests + ${t.requests ?? 1}::int,
  latency_ms_sum = d.latency_ms_sum + ${Math.round(t.latencyMs)}::int,
  latency_ms_max = greatest(d.latency_ms_max, ${Math.round(t.latencyMsMax ?? t.latencyMs)}::int),
  last_delivered_at = CASE WHEN ${delivered} > 0 THEN ${now}::timestamptz ELSE d.last_delivered_at END,
  last_error = CASE WHEN ${t.error}::text IS NULL THEN d.last_error ELSE ${t.error}::text END,
  consecutive_dead = CASE WHEN ${delivered} > 0 THEN 0 ELSE d.consecutive_dead + ${t.dead}::int END`;
};

/**
 * Puts the items of the claims matching `where` back in the queue, due at `nextAt`: as they were
 * claimed (the attempt counted), with the attempt uncounted (`uncount`: never sent), or as a failed
 * attempt (retrying, or dead when the failure is permanent or the first failure is older than
 * `deadBefore`). Ids and keys are kept. Answers the state each item went back in.
 */
async function putBack(
  db: Db,
  where: Prisma.Sql,
  o: { now: Date; nextAt: Date; uncount: boolean; failure: { deadBefore: Date; permanent: boolean; error: string } | null },
): Promise<string[]> {
  const f = o.failure;
  const dead = f ? Prisma.sql`(${f.permanent}::boolean OR coalesce(r.first_failed_at, ${o.now}::timestamptz) <= ${f.deadBefore}::timestamptz)` : Prisma.sql`false`;
  const rows = await db.$queryRaw<{ state: string }[]>`
    WITH gone AS (DELETE FROM webhook_claim WHERE ${where} RETURNING *),
    r AS (
      SELECT gone.destination_id, x.* FROM gone CROSS JOIN unnest(gone.ids, gone.kinds, gone.item_keys, gone.ref_ids, gone.ref_ats, gone.payloads, gone.attempts, gone.first_failed_ats,
        gone.last_errors, gone.created_ats) AS x(id, kind, item_key, ref_id, ref_at, payload, attempts, first_failed_at, last_error, created_at)
    )
    INSERT INTO webhook_delivery (id, destination_id, kind, item_key, ref_id, ref_at, payload, state, attempts, next_attempt_at, first_failed_at, last_error, created_at, dead_at)
    SELECT r.id, r.destination_id, r.kind, r.item_key, r.ref_id, r.ref_at, r.payload,
      (CASE WHEN ${dead} THEN 'DEAD' ELSE 'PENDING' END)::"WebhookDeliveryState",
      r.attempts - ${o.uncount ? 1 : 0}::int, ${o.nextAt}::timestamptz,
      ${f ? Prisma.sql`coalesce(r.first_failed_at, ${o.now}::timestamptz)` : Prisma.sql`r.first_failed_at`},
      coalesce(${f?.error ?? null}::text, r.last_error), r.created_at,
      CASE WHEN ${dead} THEN ${o.now}::timestamptz END
    FROM r
    -- Only if the same key was queued again meanwhile: that copy is sent instead.
    ON CONFLICT (destination_id, item_key) DO NOTHING
    RETURNING state::text AS state`;
  return rows.map((r) => r.state);
}

const DEST_COLUMNS = Prisma.sql`
  id::text AS id, name, url, events, segment_ids::text[] AS "segmentIds", alert_kinds AS "alertKinds", event_names AS "eventNames",
  channels, secret, mask_pii AS "maskPii", status::text AS status, paused_reason AS "pausedReason", created_at AS "createdAt",
  updated_at AS "updatedAt", segment_cursor AS "segmentCursor", consecutive_dead AS "consecutiveDead", delivered, retried, failed,
  dead_lettered AS "deadLettered", latency_ms_sum AS "latencyMsSum", latency_ms_max AS "latencyMsMax", requests,
  last_delivered_at AS "lastDeliveredAt", last_error AS "lastError"`;

export const webhookRepository = {
  async insert(db: Db, w: DestinationWrite & { id: string; secret: string; segmentCursor: bigint; now: Date }): Promise<void> {
    await db.$executeRaw`
      INSERT INTO webhook_destination (id, name, url, events, segment_ids, alert_kinds, event_names, channels, secret, mask_pii, created_at, updated_at, segment_cursor)
      VALUES (${w.id}::uuid, ${w.name}, ${w.url}, ${w.events}::text[], ${w.segmentIds}::uuid[], ${w.alertKinds}::text[], ${w.eventNames}::text[],
              ${w.channels}::text[], ${w.secret}, ${w.maskPii}, ${w.now}::timestamptz, ${w.now}::timestamptz, ${w.segmentCursor}::bigint)`;
  },

  async update(db: Db, id: string, w: Partial<DestinationWrite> & { secret?: string; segmentCursor?: bigint; now: Date }): Promise<boolean> {
    const n = await db.$executeRaw`
      UPDATE webhook_destination SET
        name = coalesce(${w.name ?? null}::text, name),
        url = coalesce(${w.url ?? null}::text, url),
        events = coalesce(${w.events ?? null}::text[], events),
        segment_ids = coalesce(${w.segmentIds ?? null}::uuid[], segment_ids),
        alert_kinds = coalesce(${w.alertKinds ?? null}::text[], alert_kinds),
        event_names = coalesce(${w.eventNames ?? null}::text[], event_names),
        channels = coalesce(${w.channels ?? null}::text[], channels),
        secret = coalesce(${w.secret ?? null}::text, secret),
        mask_pii = coalesce(${w.maskPii ?? null}::boolean, mask_pii),
        segment_cursor = coalesce(${w.segmentCursor ?? null}::bigint, segment_cursor),
        updated_at = ${w.now}::timestamptz
      WHERE id = ${id}::uuid`;
    return n > 0;
  },

  /** ACTIVE (clearing the failure streak) or PAUSED with a reason. Answers whether the status changed. */
  async setStatus(db: Db, id: string, status: 'ACTIVE' | 'PAUSED', reason: string | null, now: Date): Promise<boolean> {
    const n = await db.$executeRaw`
      UPDATE webhook_destination SET status = ${status}::"WebhookStatus", paused_reason = ${reason}::text, updated_at = ${now}::timestamptz,
        consecutive_dead = CASE WHEN ${status}::text = 'ACTIVE' THEN 0 ELSE consecutive_dead END,
        seg_next_at = CASE WHEN ${status}::text = 'ACTIVE' THEN NULL ELSE seg_next_at END
      WHERE id = ${id}::uuid AND status <> ${status}::"WebhookStatus"`;
    return n > 0;
  },

  async remove(db: Db, id: string): Promise<boolean> {
    return (await db.$executeRaw`DELETE FROM webhook_destination WHERE id = ${id}::uuid`) > 0;
  },

  async count(db: Db): Promise<number> {
    const [row] = await db.$queryRaw<{ n: Num }[]>`SELECT count(*) AS n FROM webhook_destination`;
    return n(row!.n);
  },

  async nameTaken(db: Db, name: string, except: string | null): Promise<boolean> {
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT id::text AS id FROM webhook_destination WHERE name = ${name} AND (${except}::uuid IS NULL OR id <> ${except}::uuid)`;
    return rows.length > 0;
  },

  async find(db: Db, id: string): Promise<WebhookDestinationRecord | null> {
    const rows = await db.$queryRaw<DestRow[]>`SELECT ${DEST_COLUMNS} FROM webhook_destination WHERE id = ${id}::uuid`;
    return rows[0] ? toDestination(rows[0]) : null;
  },

  async list(db: Db, opts: { activeOnly: boolean }): Promise<WebhookDestinationRecord[]> {
    const rows = await db.$queryRaw<DestRow[]>`
      SELECT ${DEST_COLUMNS} FROM webhook_destination WHERE (NOT ${opts.activeOnly}::boolean OR status = 'ACTIVE') ORDER BY created_at, id`;
    return rows.map(toDestination);
  },

  /** Items waiting (queued or being sent) and dead, per destination. */
  async queueCounts(db: Db, ids: string[]): Promise<Map<string, { pending: number; dead: number }>> {
    const rows = await db.$queryRaw<{ id: string; pending: Num; dead: Num }[]>`
      SELECT id, sum(pending) AS pending, sum(dead) AS dead FROM (
        SELECT destination_id::text AS id, count(*) FILTER (WHERE state = 'PENDING') AS pending, count(*) FILTER (WHERE state = 'DEAD') AS dead
        FROM webhook_delivery WHERE destination_id = ANY(${ids}::uuid[]) GROUP BY 1
        UNION ALL
        SELECT destination_id::text, sum(items), 0 FROM webhook_claim WHERE destination_id = ANY(${ids}::uuid[]) GROUP BY 1
      ) x GROUP BY id`;
    return new Map(rows.map((r) => [r.id, { pending: n(r.pending), dead: n(r.dead) }]));
  },

  /** Segment ids among these that exist. */
  async existingSegments(db: Db, ids: string[]): Promise<Set<string>> {
    const rows = await db.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM segment WHERE id = ANY(${ids}::uuid[])`;
    return new Set(rows.map((r) => r.id));
  },

  /** The newest seq in the outbox (or the prune horizon when it is empty): where a new destination starts. */
  async outboxHead(db: Db): Promise<bigint> {
    const [row] = await db.$queryRaw<{ seq: Num }[]>`
      SELECT greatest((SELECT coalesce(max(seq), 0) FROM membership_change), (SELECT coalesce(max(pruned_through_seq), 0) FROM outbox_horizon)) AS seq`;
    return BigInt(row?.seq ?? 0);
  },

  /** The lowest cursor of any destination that takes segment changes: the outbox is not pruned past it. */
  async lowestSegmentCursor(db: Db): Promise<bigint | null> {
    const [row] = await db.$queryRaw<{ seq: Num }[]>`
      SELECT min(segment_cursor) AS seq FROM webhook_destination WHERE 'SEGMENT_CHANGES' = ANY(events)`;
    return row?.seq == null ? null : BigInt(row.seq);
  },

  /** In the transaction that stored them: one queue row per touchpoint and destination whose filter matches. */
  async enqueueTouchpoints(tx: Db, tps: { id: string; event: string | null; channel: string | null; occurredAt: string }[], now: Date): Promise<number> {
    if (tps.length === 0) return 0;
    return tx.$executeRaw`
      INSERT INTO webhook_delivery (destination_id, kind, item_key, ref_id, ref_at, next_attempt_at, created_at)
      SELECT d.id, 'TOUCHPOINT', 'tp:' || t.id::text, t.id, t.at, ${now}::timestamptz, ${now}::timestamptz
      FROM webhook_destination d
      CROSS JOIN unnest(${tps.map((t) => t.id)}::uuid[], ${tps.map((t) => t.event)}::text[], ${tps.map((t) => t.channel)}::text[], ${tps.map((t) => t.occurredAt)}::timestamptz[])
        WITH ORDINALITY AS t(id, event, channel, at, ord)
      WHERE 'TOUCHPOINTS' = ANY(d.events)
        AND (coalesce(cardinality(d.event_names), 0) = 0 OR t.event = ANY(d.event_names))
        AND (coalesce(cardinality(d.channels), 0) = 0 OR t.channel = ANY(d.channels))
      ORDER BY d.id, t.ord
      ON CONFLICT (destination_id, item_key) DO NOTHING`;
  },

  /** In the transaction that stored them: one queue row per alert and destination whose kinds match. */
  async enqueueAlerts(tx: Db, alerts: { id: string; kind: string }[], now: Date): Promise<number> {
    if (alerts.length === 0) return 0;
    return tx.$executeRaw`
      INSERT INTO webhook_delivery (destination_id, kind, item_key, ref_id, next_attempt_at, created_at)
      SELECT d.id, 'ALERT', 'alert:' || a.id::text, a.id, ${now}::timestamptz, ${now}::timestamptz
      FROM webhook_destination d
      CROSS JOIN unnest(${alerts.map((a) => a.id)}::uuid[], ${alerts.map((a) => a.kind)}::text[]) WITH ORDINALITY AS a(id, kind, ord)
      WHERE 'ALERTS' = ANY(d.events) AND (coalesce(cardinality(d.alert_kinds), 0) = 0 OR a.kind = ANY(d.alert_kinds))
      ORDER BY d.id, a.ord
      ON CONFLICT (destination_id, item_key) DO NOTHING`;
  },

  /**
   * Claims up to `limit` due items of one active destination (oldest first) that nobody holds (rows another
   * claim in progress has locked are skipped) and moves them, `batchSize` at a time, into claim rows
   * `<token>:<batch>` held until `leaseUntil`, with the attempt counted (an attempt cut short by a
   * crash still counts). Moving instead of marking the rows is what makes a claim cheap: a delete is a
   * third of an update that rewrites three index entries, and settling a batch is one row.
   * Touchpoints are read by id within the claimed items' time range, so only the partitions that hold
   * them are searched (one index probe per item and partition otherwise).
   */
  async claimQueue(db: Db, opts: { destinationId: string; limit: number; batchSize: number; now: Date; leaseUntil: Date; token: string }): Promise<ClaimedItem[]> {
    const rows = await db.$queryRaw<ClaimRow[]>`
      WITH c AS (
        SELECT id FROM webhook_delivery
        WHERE destination_id = ${opts.destinationId}::uuid AND state = 'PENDING' AND next_attempt_at <= ${opts.now}::timestamptz
          -- A paused destination sends nothing, whichever process paused it (an operator or its failures).
          AND EXISTS (SELECT 1 FROM webhook_destination wd WHERE wd.id = ${opts.destinationId}::uuid AND wd.status = 'ACTIVE')
        ORDER BY next_attempt_at, id
        LIMIT ${opts.limit}
        FOR UPDATE SKIP LOCKED
      ), d AS (
        -- = ANY(ARRAY(...)): primary-key probes, not a hash join over the whole queue.
        DELETE FROM webhook_delivery w WHERE w.id = ANY(ARRAY(SELECT id FROM c)) RETURNING w.*
      ), b AS (
        SELECT d.*, ${opts.token} || ':' || ((row_number() OVER (ORDER BY d.next_attempt_at, d.id) - 1) / ${opts.batchSize}::int) AS claim FROM d
      ), k AS (
        INSERT INTO webhook_claim (token, destination_id, lease_until, items, ids, kinds, item_keys, ref_ids, ref_ats, payloads, attempts, first_failed_ats, last_errors, created_ats, created_at)
        SELECT b.claim, ${opts.destinationId}::uuid, ${opts.leaseUntil}::timestamptz, count(*)::int, array_agg(b.id), array_agg(b.kind), array_agg(b.item_key),
          array_agg(b.ref_id), array_agg(b.ref_at), array_agg(b.payload), array_agg(b.attempts + 1), array_agg(b.first_failed_at), array_agg(b.last_error),
          array_agg(b.created_at), ${opts.now}::timestamptz
        FROM b GROUP BY b.claim
      ), tr AS (
        SELECT CASE WHEN bool_and(ref_at IS NOT NULL) THEN min(ref_at) ELSE '-infinity' END AS lo,
               CASE WHEN bool_and(ref_at IS NOT NULL) THEN max(ref_at) ELSE 'infinity' END AS hi
        FROM d WHERE kind = 'TOUCHPOINT'
      )
      -- The items, then what they refer to, as rows of one result joined in the caller: a join here was
      -- planned as a nested loop over all pairs (the planner cannot know how many rows a DELETE returns).
      -- Each touchpoint and alert comes as one JSON text (row_to_json is cheap; fifteen columns a row
      -- cost more to convert in the client than the whole claim in the database).
      SELECT 'item' AS rk, b.id::text AS id, b.item_key AS "itemKey", b.attempts + 1 AS attempts, b.claim, b.kind, b.payload::text AS payload,
        b.ref_id::text AS "refId", NULL AS at, NULL AS data
      FROM b
      UNION ALL
      SELECT 'ref', x.id::text, NULL, NULL, NULL, NULL, NULL, NULL, x."occurredAt", row_to_json(x)::text
      FROM (
        SELECT t.id, t.message_id AS "messageId", t.type, t.event, t.channel, t.source, t.customer_id AS "customerId", t.anonymous_id AS "anonymousId",
          t.properties, t.context, t.revenue::float8 AS revenue, t.currency, ${iso(Prisma.sql`t.occurred_at`)} AS "occurredAt",
          ${iso(Prisma.sql`t.received_at`)} AS "receivedAt", t.session_id AS "sessionId"
        FROM touchpoint t
        -- Within the items' time range, so only the partitions that hold them are searched.
        WHERE t.id = ANY(ARRAY(SELECT ref_id FROM d WHERE kind = 'TOUCHPOINT'))
          AND t.occurred_at >= (SELECT lo FROM tr) AND t.occurred_at <= (SELECT hi FROM tr)
      ) x
      UNION ALL
      SELECT 'ref', x.id::text, NULL, NULL, NULL, x.kind::text, NULL, NULL, x."raisedAt", row_to_json(x)::text
      FROM (
        SELECT a.id, a.kind, a.key, a.customer_id AS "customerId", a.channel, a.details, ${iso(Prisma.sql`a.raised_at`)} AS "raisedAt"
        FROM alert a WHERE a.id = ANY(ARRAY(SELECT ref_id FROM d WHERE kind = 'ALERT'))
      ) x`;
    const refs = new Map<string, ClaimedRef>();
    for (const r of rows) if (r.rk === 'ref') refs.set(r.id, { at: r.at!, kind: r.kind, data: r.data! });
    return rows
      .filter((r) => r.rk === 'item')
      .map((r) => ({
        id: r.id,
        itemKey: r.itemKey!,
        attempts: r.attempts!,
        claim: r.claim!,
        kind: r.kind!,
        payload: r.payload,
        ref: r.refId ? (refs.get(r.refId) ?? null) : null,
      }))
      // In id order within each batch; the worker groups the batches by claim.
      .sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1));
  },

  /** Claims never sent (a prefetched group the worker did not use) go back due now, the attempt uncounted. */
  async releaseQueue(db: Db, opts: { tokens: string[]; now: Date }): Promise<void> {
    if (opts.tokens.length === 0) return;
    await putBack(db, Prisma.sql`token = ANY(${opts.tokens}::text[])`, { now: opts.now, nextAt: opts.now, uncount: true, failure: null });
  },

  /** Claims of a destination whose lease ran out (their process died or hung) go back due now, as they were. */
  async restoreExpired(db: Db, opts: { destinationId: string; now: Date }): Promise<number> {
    const states = await putBack(db, Prisma.sql`destination_id = ${opts.destinationId}::uuid AND lease_until < ${opts.now}::timestamptz`, {
      now: opts.now,
      nextAt: opts.now,
      uncount: false,
      failure: null,
    });
    return states.length;
  },

  /**
   * Acknowledged: the batches' claims go, and the counters move by every request's tally, in one
   * statement. Answers the items acknowledged per claim token (absent when that lease was lost).
   */
  async ackQueue(db: Db, opts: { destinationId: string; acks: { token: string; retried: number; latencyMs: number }[]; now: Date }): Promise<Map<string, number>> {
    const tally = {
      delivered: Prisma.sql`(SELECT coalesce(sum(items), 0)::int FROM gone)`,
      retried: opts.acks.reduce((a, x) => a + x.retried, 0),
      failed: 0,
      dead: 0,
      error: null,
      requests: opts.acks.length,
      latencyMs: opts.acks.reduce((a, x) => a + Math.round(x.latencyMs), 0),
      latencyMsMax: Math.max(...opts.acks.map((x) => x.latencyMs)),
    };
    const rows = await db.$queryRaw<{ token: string; items: number }[]>`
      WITH gone AS (DELETE FROM webhook_claim WHERE token = ANY(${opts.acks.map((a) => a.token)}::text[]) RETURNING token, items),
      moved AS (UPDATE webhook_destination d SET ${tallySet(tally, opts.now)} WHERE d.id = ${opts.destinationId}::uuid)
      SELECT token, items FROM gone`;
    return new Map(rows.map((r) => [r.token, r.items]));
  },

  /**
   * A failed attempt: each item is retried at `nextAt`, or goes to the dead letters when the failure is
   * permanent or its first failure is older than `deadBefore`. Answers how many went each way.
   */
  async failQueue(
    db: Db,
    opts: { destinationId: string; token: string; now: Date; nextAt: Date; deadBefore: Date; permanent: boolean; error: string; latencyMs: number; retried: number },
  ): Promise<{ retrying: number; dead: number; consecutiveDead: number }> {
    const states = await putBack(db, Prisma.sql`token = ${opts.token}`, {
      now: opts.now,
      nextAt: opts.nextAt,
      uncount: false,
      failure: { deadBefore: opts.deadBefore, permanent: opts.permanent, error: opts.error },
    });
    const dead = states.filter((s) => s === 'DEAD').length;
    const consecutiveDead = await this.tally(db, opts.destinationId, { delivered: 0, retried: opts.retried, failed: states.length, dead, latencyMs: opts.latencyMs, error: opts.error }, opts.now);
    return { retrying: states.length - dead, dead, consecutiveDead };
  },

  /** Moves the counters; answers the failure streak after it. */
  async tally(db: Db, destinationId: string, t: AttemptTally, now: Date): Promise<number> {
    const [row] = await db.$queryRaw<{ streak: number }[]>`
      UPDATE webhook_destination d SET ${tallySet(t, now)} WHERE d.id = ${destinationId}::uuid RETURNING consecutive_dead AS streak`;
    return row?.streak ?? 0;
  },

  /** Pauses an ACTIVE destination; answers false when it was not active (someone else paused it first). */
  async pauseIfActive(db: Db, id: string, reason: string, now: Date): Promise<boolean> {
    const n = await db.$executeRaw`
      UPDATE webhook_destination SET status = 'PAUSED', paused_reason = ${reason}, updated_at = ${now}::timestamptz
      WHERE id = ${id}::uuid AND status = 'ACTIVE'`;
    return n > 0;
  },

  /**
   * The next changes for a destination after its cursor (in seq order, its segments only), with the
   * cursor, the outbox head and the prune horizon read in the same statement: when fewer than `limit`
   * come back, nothing else up to the head concerns this destination.
   */
  async segmentPage(db: Db, opts: { destinationId: string; limit: number }): Promise<{ cursor: bigint; changes: SegmentChangeRow[]; head: bigint; horizon: bigint } | null> {
    const rows = await db.$queryRaw<(Partial<SegmentChangeRow> & { cursor: Num; head: Num; horizon: Num; seq: Num })[]>`
      WITH dst AS (SELECT segment_cursor, segment_ids FROM webhook_destination WHERE id = ${opts.destinationId}::uuid),
      h AS (
        SELECT (SELECT coalesce(max(pruned_through_seq), 0) FROM outbox_horizon) AS horizon, (SELECT coalesce(max(seq), 0) FROM membership_change) AS head
      )
      SELECT dst.segment_cursor AS cursor, h.head, h.horizon, c.* FROM dst CROSS JOIN h LEFT JOIN LATERAL (
        SELECT mc.seq, mc.segment_id::text AS "segmentId", s.name AS "segmentName", mc.customer_id::text AS "customerId", mc.change::text AS change,
               mc.at, mc.reason, cu.email, cu.phone, cu.first_name AS "firstName", cu.last_name AS "lastName", cu.external_id AS "externalId",
               cu.source AS "customerSource", cu.country, cu.city
        FROM membership_change mc
        LEFT JOIN segment s ON s.id = mc.segment_id
        LEFT JOIN customer cu ON cu.id = mc.customer_id
        WHERE mc.seq > dst.segment_cursor AND (coalesce(cardinality(dst.segment_ids), 0) = 0 OR mc.segment_id = ANY(dst.segment_ids))
        ORDER BY mc.seq
        LIMIT ${opts.limit}) c ON true`;
    const first = rows[0];
    if (!first) return null;
    return {
      cursor: BigInt(first.cursor ?? 0),
      head: BigInt(first.head ?? 0),
      horizon: BigInt(first.horizon ?? 0),
      changes: rows.filter((r) => r.seq != null).map((r) => ({ ...(r as SegmentChangeRow), seq: String(r.seq) })),
    };
  },

  /** Moves an idle destination's cursor (nothing of its own to send up to `to`), unless someone holds or moved it. */
  async advanceIdleCursor(db: Db, opts: { id: string; from: bigint; to: bigint; now: Date }): Promise<void> {
    await db.$executeRaw`
      UPDATE webhook_destination SET segment_cursor = ${opts.to}::bigint
      WHERE id = ${opts.id}::uuid AND segment_cursor = ${opts.from}::bigint AND (seg_lease_until IS NULL OR seg_lease_until < ${opts.now}::timestamptz)`;
  },

  /**
   * Takes the destination's segment lane for one batch read at cursor `from`: only while active, due,
   * not held by a live lease, and still at that cursor (so the batch read is the right one).
   */
  async claimSegmentLane(db: Db, opts: { id: string; from: bigint; now: Date; leaseUntil: Date; token: string }): Promise<{ attempts: number; firstFailedAt: Date | null } | null> {
    const rows = await db.$queryRaw<{ attempts: number; firstFailedAt: Date | null }[]>`
      UPDATE webhook_destination SET seg_lease_until = ${opts.leaseUntil}::timestamptz, seg_lease_token = ${opts.token}, seg_attempts = seg_attempts + 1
      WHERE id = ${opts.id}::uuid AND status = 'ACTIVE' AND segment_cursor = ${opts.from}::bigint
        AND (seg_lease_until IS NULL OR seg_lease_until < ${opts.now}::timestamptz)
        AND (seg_next_at IS NULL OR seg_next_at <= ${opts.now}::timestamptz)
      RETURNING seg_attempts AS attempts, seg_first_failed_at AS "firstFailedAt"`;
    return rows[0] ?? null;
  },

  /** Acknowledged: the cursor moves past the batch and the failure state clears, with the counters. */
  async ackSegmentLane(db: Db, opts: { id: string; token: string; to: bigint; tally: AttemptTally; now: Date }): Promise<boolean> {
    const rows = await db.$queryRaw<{ id: string }[]>`
      UPDATE webhook_destination d SET segment_cursor = greatest(d.segment_cursor, ${opts.to}::bigint), seg_attempts = 0, seg_first_failed_at = NULL,
        seg_next_at = NULL, seg_lease_until = NULL, seg_lease_token = NULL, ${tallySet(opts.tally, opts.now)}
      WHERE d.id = ${opts.id}::uuid AND d.seg_lease_token = ${opts.token}
      RETURNING d.id::text AS id`;
    return rows.length > 0;
  },

  /** A failed attempt that will be retried at `nextAt`. */
  async retrySegmentLane(db: Db, opts: { id: string; token: string; nextAt: Date; tally: AttemptTally; now: Date }): Promise<void> {
    await db.$executeRaw`
      UPDATE webhook_destination d SET seg_first_failed_at = coalesce(d.seg_first_failed_at, ${opts.now}::timestamptz), seg_next_at = ${opts.nextAt}::timestamptz,
        seg_lease_until = NULL, seg_lease_token = NULL, ${tallySet(opts.tally, opts.now)}
      WHERE d.id = ${opts.id}::uuid AND d.seg_lease_token = ${opts.token}`;
  },

  /**
   * Gives up on a batch of segment changes: they are copied (with their payload, since the outbox may
   * be pruned before a replay) to the dead letters and the cursor moves past them. Answers the failure
   * streak, or null when the lease was lost (another process owns the batch now).
   */
  async deadSegmentLane(
    db: Db,
    opts: { id: string; token: string; to: bigint; items: { itemKey: string; payload: unknown }[]; error: string; tally: AttemptTally; now: Date },
  ): Promise<number | null> {
    const rows = await db.$queryRaw<{ streak: number }[]>`
      WITH moved AS (
        UPDATE webhook_destination d SET segment_cursor = greatest(d.segment_cursor, ${opts.to}::bigint), seg_attempts = 0, seg_first_failed_at = NULL,
          seg_next_at = NULL, seg_lease_until = NULL, seg_lease_token = NULL, ${tallySet(opts.tally, opts.now)}
        WHERE d.id = ${opts.id}::uuid AND d.seg_lease_token = ${opts.token}
        RETURNING d.id, d.consecutive_dead
      ), dead AS (
        INSERT INTO webhook_delivery (destination_id, kind, item_key, payload, state, attempts, next_attempt_at, first_failed_at, last_error, created_at, dead_at)
        SELECT m.id, 'SEGMENT_CHANGE', i->>'itemKey', i->'payload', 'DEAD', 1, ${opts.now}::timestamptz, ${opts.now}::timestamptz, ${opts.error}, ${opts.now}::timestamptz, ${opts.now}::timestamptz
        FROM moved m CROSS JOIN jsonb_array_elements(${JSON.stringify(opts.items)}::jsonb) AS i
        ON CONFLICT (destination_id, item_key) DO UPDATE SET state = 'DEAD', dead_at = EXCLUDED.dead_at, last_error = EXCLUDED.last_error
        RETURNING 1
      )
      SELECT consecutive_dead AS streak FROM moved, (SELECT count(*) FROM dead) x`;
    return rows[0]?.streak ?? null;
  },

  async deadLetters(db: Db, opts: { destinationId: string; take: number; afterId: string | null }): Promise<DeadLetterRecord[]> {
    const rows = await db.$queryRaw<(Omit<DeadLetterRecord, 'id'> & { id: Num })[]>`
      SELECT id, kind, item_key AS "itemKey", ref_id::text AS "refId", attempts, last_error AS "lastError", created_at AS "createdAt", dead_at AS "deadAt"
      FROM webhook_delivery
      WHERE destination_id = ${opts.destinationId}::uuid AND state = 'DEAD' AND (${opts.afterId}::bigint IS NULL OR id > ${opts.afterId}::bigint)
      ORDER BY id LIMIT ${opts.take}`;
    return rows.map((r) => ({ ...r, id: String(r.id) }));
  },

  /** Dead letters back to the queue, due now (all of the destination's when ids is null). Already replayed ones are left alone. */
  async replay(db: Db, opts: { destinationId: string; ids: string[] | null; now: Date }): Promise<number> {
    return db.$executeRaw`
      UPDATE webhook_delivery SET state = 'PENDING', attempts = 0, first_failed_at = NULL, dead_at = NULL, next_attempt_at = ${opts.now}::timestamptz
      WHERE destination_id = ${opts.destinationId}::uuid AND state = 'DEAD'
        AND (${opts.ids === null}::boolean OR id = ANY(${opts.ids ?? []}::bigint[]))`;
  },
};
