/**
 * Most common paths, in one SQL statement. The anchor is each person's FIRST touchpoint with the anchor
 * event in the range (by (occurred_at, id)). Forward (startEvent): the events of the next `depth`
 * touchpoints after it; backward (endEvent): of the `depth` touchpoints before it, listed in time order.
 * Consecutive repeats of an event are collapsed into one step (over the whole stream, so the anchor's own
 * repeats right after it are not steps either). Touchpoints without an event name (identify, ...) are not
 * steps. A person contributes one path, possibly shorter than `depth` or empty; identical paths are
 * counted in people.
 *
 * How: one window pass over each person's touchpoints (running count of anchor events, lag(event) for
 * the collapse, the anchor count of the person), a numbering of the kept steps from the anchor, one
 * array_agg per person, one grouping by path. No joins between row sets.
 *
 * Scaling: unlike funnel/retention every event of the range matters, so this reads all touchpoints of
 * [from, to) (index range scan of touchpoint (occurred_at), or a sequential scan for a wide range), one
 * sort by (person, occurred_at, id) (spilling to disk past work_mem) and linear passes: O(n log n) in the
 * n touchpoints in range. Narrow the range (or segment) to make it cheaper.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';

const { sql } = Prisma;

export interface PathsQuery {
  scope: AnalyticsScope;
  anchor: string;
  forward: boolean;
  depth: number;
  limit: number;
}
export interface PathRow {
  events: string[];
  people: number;
  total: number;
}

export const pathsRepository = {
  run(db: Db, q: PathsQuery): Promise<PathRow[]> {
    // Forward: from the first anchor on (it has one anchor at or before it); backward: up to the first anchor.
    const kept = q.forward
      ? sql`x.anchors_upto >= 1 AND x.prev_event IS DISTINCT FROM x.event`
      : sql`((x.anchors_upto = 0 AND x.prev_event IS DISTINCT FROM x.event) OR (x.anchors_upto = 1 AND x.event = ${q.anchor}::text))`;
    const order = q.forward ? sql`occurred_at, id` : sql`occurred_at DESC, id DESC`;
    const pathOrder = q.forward ? sql`pos` : sql`pos DESC`;
    return db.$queryRaw<PathRow[]>`
      WITH tp AS (${scopedTouchpoints(q.scope, sql`AND t.event IS NOT NULL`)}),
      x AS (
        SELECT person, event, occurred_at, id,
               count(*) FILTER (WHERE event = ${q.anchor}::text) OVER w AS anchors_upto,
               lag(event) OVER w AS prev_event,
               count(*) FILTER (WHERE event = ${q.anchor}::text) OVER (PARTITION BY person) AS anchors
        FROM tp
        WINDOW w AS (PARTITION BY person ORDER BY occurred_at, id)
      ),
      steps AS (
        SELECT person, event, row_number() OVER (PARTITION BY person ORDER BY ${order}) AS pos
        FROM x WHERE x.anchors > 0 AND ${kept}
      ),
      per AS (
        SELECT person, COALESCE(array_agg(event ORDER BY ${pathOrder}) FILTER (WHERE pos BETWEEN 2 AND ${q.depth + 1}::int), '{}'::text[]) AS events
        FROM steps GROUP BY person
      )
      SELECT events, count(*)::int AS people, (sum(count(*)) OVER ())::int AS total
      FROM per GROUP BY events
      ORDER BY people DESC, events
      LIMIT ${q.limit}::int`;
  },
};
