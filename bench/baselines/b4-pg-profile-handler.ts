/**
 * B4: the profile read written by hand — plain node:http, one parameterised SQL statement through
 * node-postgres that builds the whole answer as JSON inside PostgreSQL, and a response with the same
 * shape as the GraphQL one (`{"data":{"customer":…}}`) for the same request body. It is the floor for
 * W2: no GraphQL parsing, validation or execution, no ORM, one round trip.
 *
 * Same semantics as the server's resolvers: a merged-away id reads its winner; identities, channels
 * and the journey cover the whole merged set; sessions restart after the configured gap; stages come
 * from the stage map, then revenue, then channel.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const PROFILE_SQL = `
WITH target AS (
  SELECT COALESCE(merged_into_id, id) AS id FROM customer WHERE id = $1::uuid
), c AS (
  SELECT * FROM customer WHERE id = (SELECT id FROM target)
), members AS (
  SELECT id FROM customer WHERE id = (SELECT id FROM target) OR merged_into_id = (SELECT id FROM target)
), ordered AS (
  SELECT t.id, t.type, t.event, t.channel, t.occurred_at, t.revenue, t.currency,
         lag(t.occurred_at) OVER w AS prev_at, lag(t.channel) OVER w AS prev_channel
  FROM touchpoint t WHERE t.customer_id IN (SELECT id FROM members)
  WINDOW w AS (ORDER BY t.occurred_at, t.id)
), journey AS (
  SELECT o.*, sum(CASE WHEN o.prev_at IS NULL OR o.occurred_at - o.prev_at > make_interval(mins => $2::int) THEN 1 ELSE 0 END)
                OVER (ORDER BY o.occurred_at, o.id) AS session_no
  FROM ordered o
), page AS (
  SELECT * FROM journey ORDER BY occurred_at, id LIMIT 21
)
SELECT json_build_object(
  'id', c.id, 'email', c.email, 'phone', c.phone, 'name', c.name, 'country', c.country, 'city', c.city, 'traits', c.traits,
  'identities', COALESCE((
    SELECT json_agg(json_build_object('type', i.type, 'value', i.value) ORDER BY i.created_at, i.type, i.value)
    FROM identity i WHERE i.customer_id IN (SELECT id FROM members)), '[]'::json),
  'tags', COALESCE((
    SELECT json_agg(json_build_object('key', t.key, 'name', t.name) ORDER BY t.key)
    FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.customer_id = c.id), '[]'::json),
  'segments', COALESCE((
    SELECT json_agg(json_build_object('id', s.id, 'name', s.name) ORDER BY s.name)
    FROM segment_membership m JOIN segment s ON s.id = m.segment_id WHERE m.customer_id = c.id AND s.archived_at IS NULL), '[]'::json),
  'stats', json_build_object(
    'touchpointCount', c.touchpoint_count, 'orderCount', c.order_count, 'lifetimeValue', c.lifetime_value,
    'firstSeenAt', to_char(c.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'lastSeenAt', to_char(c.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'channels', COALESCE((
      SELECT json_agg(x.channel ORDER BY x.n DESC, x.channel::text COLLATE "C")
      FROM (SELECT t.channel, count(*) AS n FROM touchpoint t WHERE t.customer_id IN (SELECT id FROM members) GROUP BY 1) x), '[]'::json)),
  'journey', json_build_object(
    'pageInfo', json_build_object('hasNextPage', (SELECT count(*) > 20 FROM page)),
    'edges', COALESCE((
      SELECT json_agg(json_build_object('node', json_build_object(
        'session', p.session_no,
        'stage', COALESCE($3::jsonb ->> p.event,
                   CASE WHEN p.revenue > 0 THEN 'PURCHASE'
                        WHEN p.channel::text IN ('ADS', 'SEARCH', 'SOCIAL') THEN 'AWARENESS'
                        WHEN p.channel::text IN ('SUPPORT', 'CALL_CENTER') THEN 'AFTER_SALES'
                        ELSE 'CONSIDERATION' END),
        'channelSwitch', p.prev_channel IS NOT NULL AND p.prev_channel <> p.channel,
        'touchpoint', json_build_object(
          'id', p.id, 'type', p.type, 'event', p.event, 'channel', p.channel,
          'occurredAt', to_char(p.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'revenue', p.revenue, 'currency', p.currency))) ORDER BY p.occurred_at, p.id)
      FROM (SELECT * FROM page ORDER BY occurred_at, id LIMIT 20) p), '[]'::json))
)::text AS customer
FROM c`;

export interface B4Handler {
  url: string;
  close(): Promise<void>;
}

/** `query` runs one statement and returns its rows (node-postgres pool, or PGlite with --embedded). */
export async function startB4Handler(opts: {
  query: (sql: string, params: unknown[]) => Promise<{ customer: string }[]>;
  sessionGapMinutes: number;
  stageMap: Record<string, string>;
}): Promise<B4Handler> {
  const stageMap = JSON.stringify(opts.stageMap);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { id?: unknown } };
        const id = body.variables?.id;
        const rows = typeof id === 'string' && uuid.test(id) ? await opts.query(PROFILE_SQL, [id, opts.sessionGapMinutes, stageMap]) : [];
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(`{"data":{"customer":${rows[0]?.customer ?? 'null'}}}`);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: (err as Error).message }] }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
